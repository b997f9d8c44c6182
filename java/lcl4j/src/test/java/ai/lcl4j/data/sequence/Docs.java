package ai.lcl4j.data.sequence;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.ImageSource;
import ai.lcl4j.data.Origin;

import java.io.IOException;
import java.util.List;

/** Test documents: images are tagged by a number, and the test loader returns {tag} as the "tensor". */
final class Docs {
    private Docs() {}

    static DocImage image(int tag, int sentence, float sim, DocImage.Placement placement) {
        String key = "img" + tag;
        ImageSource src = new ImageSource() {
            @Override public byte[] read() throws IOException { return new byte[0]; }
            @Override public String describe() { return "mem/" + key; }
        };
        return new DocImage(key, src, sentence, sim, placement);
    }

    static DocImage image(int tag, int sentence, DocImage.Placement placement) {
        return image(tag, sentence, 0.3f, placement);
    }

    static Document interleaved(List<String> sentences, List<DocImage> images) {
        return new Document(new Origin("test.jsonl", 7), sentences, images, false);
    }

    static Document paired(String caption, DocImage image) {
        return new Document(new Origin("pairs.tar", 3), List.of(caption), List.of(image), true);
    }

    /** Returns {tag}; images whose tag is negative fail to load. */
    static final ImageLoader TAG_LOADER = (im, rnd) -> {
        int tag = Integer.parseInt(im.key().substring(3));
        if (tag < 0) throw new IOException("corrupt test image " + im.key());
        return new float[] {tag};
    };

    static int[] tags(Sample s) {
        return s.images().stream().mapToInt(f -> (int) f[0]).toArray();
    }
}
