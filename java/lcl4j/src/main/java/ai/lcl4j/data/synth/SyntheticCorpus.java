package ai.lcl4j.data.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A seeded generator of a small, learnable interleaved corpus with a held-out
 * evaluation split, so the whole pipeline can be trained and evaluated without
 * downloading anything.
 *
 * <p>Training documents are written in MMC4 format (root/train/data/
 * docs_shard_{i}_v2.jsonl.zip + root/train/images/{12 hex}.jpg). Each document has
 * 3-5 images (by default); each image is either described by one sentence ("two
 * small green triangles on a white background.", matched_sim 0.25-0.35) or a
 * distractor matched to a filler sentence with matched_sim 0.10-0.20, which LCL's
 * 0.24 threshold drops. Sentence order is shuffled, so images are matched to
 * sentences anywhere in the document. Evaluation: root/eval/classify/&lt;shape&gt;/,
 * root/eval/classify-colour/&lt;colour&gt;/ (zero-shot classes, with classnames files) and
 * root/eval/captions.tsv over root/eval/retrieval/ (retrieval).
 *
 * <p>Every byte is a function of the seed: each document and image draws from its
 * own generator seeded by (seed, index), so documents can be built in parallel
 * and still come out identical; zip entries carry a fixed timestamp.
 */
public final class SyntheticCorpus {
    private SyntheticCorpus() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String URL_BASE = "https://synth.lcl4j.invalid/";
    /** Fixed zip entry time (local time, so no time zone enters the bytes). */
    private static final LocalDateTime ZIP_TIME = LocalDateTime.of(2024, 1, 1, 0, 0);

    private static final String[] FILLERS = {
            "here are some pictures from my collection.",
            "i drew these for a school project.",
            "the weather was nice today.",
            "thanks for reading this page.",
            "more drawings will follow next week.",
            "this one was harder to make.",
            "we printed the pictures in colour.",
            "my sister liked this one best.",
            "the workshop began at nine.",
            "please leave a comment below.",
    };

    /** One generated image: file name, JPEG bytes, what it shows, and its match. */
    record Image(String name, byte[] jpeg, Scene scene, boolean described, int sentence, float sim, float[] simRow) {
    }

    /** One generated document: sentences in order and images sorted by sentence. */
    record Doc(List<String> sentences, List<Image> images) {
    }

    /** Writes the corpus under root (creating folders, overwriting files of the same names). */
    public static SynthSummary write(Path root, SynthConfig cfg) throws IOException {
        Path train = root.resolve("train"), data = train.resolve("data"), images = train.resolve("images");
        Files.createDirectories(data);
        Files.createDirectories(images);

        List<Doc> docs = IntStream.range(0, cfg.documents()).parallel().mapToObj(i -> document(cfg, i)).toList();
        docs.parallelStream().flatMap(d -> d.images().stream()).forEach(im -> writeBytes(images.resolve(im.name()), im.jpeg()));

        int shards = (cfg.documents() + cfg.docsPerShard() - 1) / cfg.docsPerShard();
        int described = 0, distractors = 0;
        for (int s = 0; s < shards; s++) {
            String member = "docs_shard_" + s + "_v2.jsonl";
            StringBuilder sb = new StringBuilder();
            for (int i = s * cfg.docsPerShard(); i < Math.min(cfg.documents(), (s + 1) * cfg.docsPerShard()); i++) {
                sb.append(mmc4Line(docs.get(i))).append('\n');
            }
            try (OutputStream os = Files.newOutputStream(data.resolve(member + ".zip"));
                 ZipOutputStream z = new ZipOutputStream(os)) {
                ZipEntry e = new ZipEntry(member);
                e.setTimeLocal(ZIP_TIME);
                z.putNextEntry(e);
                z.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        for (Doc d : docs) for (Image im : d.images()) if (im.described()) described++; else distractors++;

        Path wanjuan = cfg.writeWanJuan() ? writeWanJuan(root.resolve("train-wanjuan"), cfg, docs) : null;

        Path eval = root.resolve("eval");
        Files.createDirectories(eval);
        List<String> shapeNames = Arrays.stream(Shape.values()).map(s -> s.singular).sorted().toList();
        List<String> colourNames = Arrays.stream(Colour.SHAPE_COLOURS).map(c -> c.word).sorted().toList();
        writeClassify(eval.resolve("classify"), cfg, 101, shapeNames);
        writeClassify(eval.resolve("classify-colour"), cfg, 102, colourNames);
        Files.writeString(eval.resolve("classnames.txt"), String.join("\n", shapeNames) + "\n");
        Files.writeString(eval.resolve("classnames-colour.txt"), String.join("\n", colourNames) + "\n");
        Path captions = writeRetrieval(eval, cfg);

        return new SynthSummary(train, shards, cfg.documents(), described + distractors, described, distractors, wanjuan,
                eval.resolve("classify"), shapeNames, eval.resolve("classify-colour"), colourNames, captions,
                cfg.retrievalPairs());
    }

    /** Builds document i from its own generator. */
    static Doc document(SynthConfig cfg, int index) {
        Random r = new Random(Seeds.derive(cfg.seed(), 1, index));
        int n = cfg.minImages() + r.nextInt(cfg.maxImages() - cfg.minImages() + 1);
        boolean[] isDescribed = new boolean[n];
        boolean any = false;
        for (int k = 0; k < n; k++) any |= isDescribed[k] = r.nextDouble() >= cfg.distractorRate();
        if (!any) isDescribed[r.nextInt(n)] = true; // every document teaches something

        // sentences: one per image (a caption or a filler), plus 0-2 extra fillers; owner = image index or -1
        List<int[]> order = new ArrayList<>(); // {owner, filler index or -1}
        Scene[] scenes = new Scene[n];
        List<String> texts = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            scenes[k] = Scene.random(r);
            texts.add(isDescribed[k] ? scenes[k].caption(r.nextBoolean()) : FILLERS[r.nextInt(FILLERS.length)]);
            order.add(new int[]{k, texts.size() - 1});
        }
        int extra = r.nextInt(3);
        for (int e = 0; e < extra; e++) {
            texts.add(FILLERS[r.nextInt(FILLERS.length)]);
            order.add(new int[]{-1, texts.size() - 1});
        }
        Collections.shuffle(order, r);
        List<String> sentences = new ArrayList<>();
        int[] sentenceOf = new int[n];
        for (int[] o : order) {
            if (o[0] >= 0) sentenceOf[o[0]] = sentences.size();
            sentences.add(texts.get(o[1]));
        }

        long nameHigh = (Seeds.derive(cfg.seed(), 2) & 0xFFFFL) << 32;
        List<Image> images = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float sim = round4(isDescribed[k] ? 0.25 + 0.10 * r.nextDouble() : 0.10 + 0.10 * r.nextDouble());
            float[] row = new float[sentences.size()];
            for (int j = 0; j < row.length; j++) row[j] = j == sentenceOf[k] ? sim : round4(0.05 + 0.10 * r.nextDouble());
            String name = String.format("%012x.jpg", nameHigh | ((long) index << 4) | k);
            byte[] jpeg = jpeg(scenes[k].render(cfg.imageSize(), Seeds.derive(cfg.seed(), 3, index, k)));
            images.add(new Image(name, jpeg, scenes[k], isDescribed[k], sentenceOf[k], sim, row));
        }
        images.sort(Comparator.comparingInt(Image::sentence)); // document order follows the text, as on a web page
        return new Doc(sentences, images);
    }

    private static float round4(double v) {
        return (float) (Math.round(v * 10_000) / 10_000.0);
    }

    /** One MMC4 JSONL line with the fields MMC4 documents carry. */
    static String mmc4Line(Doc d) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode info = o.putArray("image_info");
        ArrayNode matrix = o.putArray("similarity_matrix");
        for (Image im : d.images()) {
            info.addObject().put("image_name", im.name()).put("raw_url", URL_BASE + im.name())
                    .put("matched_text_index", im.sentence()).put("matched_sim", im.sim()).putNull("face_detections");
            ArrayNode row = matrix.addArray();
            for (float v : im.simRow()) row.add(v);
        }
        ArrayNode text = o.putArray("text_list");
        d.sentences().forEach(text::add);
        o.put("url", URL_BASE + "doc/" + d.images().get(0).name().substring(0, 12));
        o.put("could_have_url_duplicate", 0);
        return o.toString();
    }

    /** WanJuan layout: {id, content with ![](url) before each image's sentence, img_list}; images/{sha256(url)}.jpg. */
    private static Path writeWanJuan(Path dir, SynthConfig cfg, List<Doc> docs) throws IOException {
        Path images = dir.resolve("images");
        Files.createDirectories(images);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < docs.size(); i++) {
            Doc d = docs.get(i);
            ObjectNode o = JSON.createObjectNode();
            o.put("id", String.format("synth%08d", i));
            StringBuilder content = new StringBuilder();
            ArrayNode list = JSON.createArrayNode();
            for (int s = 0; s < d.sentences().size(); s++) {
                for (Image im : d.images()) {
                    if (im.sentence() != s) continue;
                    String url = URL_BASE + im.name();
                    String sha = sha256Hex(url);
                    writeBytes(images.resolve(sha + ".jpg"), im.jpeg());
                    content.append("![](").append(url).append(")\n\n");
                    list.addObject().put("url", url).put("sha256", sha).put("caption", "")
                            .put("width", String.valueOf(cfg.imageSize())).put("height", String.valueOf(cfg.imageSize()));
                }
                content.append(d.sentences().get(s)).append("\n\n");
            }
            o.put("content", content.toString().strip());
            o.set("img_list", list);
            out.append(o).append('\n');
        }
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(dir.resolve("data/part-00000.jsonl"), out.toString());
        return dir;
    }

    /** One folder per class; task 101 picks the shape from the class, 102 the colour. */
    private static void writeClassify(Path dir, SynthConfig cfg, int task, List<String> classes) {
        IntStream.range(0, classes.size() * cfg.evalPerClass()).parallel().forEach(j -> {
            int c = j / cfg.evalPerClass(), k = j % cfg.evalPerClass();
            Random r = new Random(Seeds.derive(cfg.seed(), task, c, k));
            Shape shape = task == 101 ? shapeNamed(classes.get(c)) : Shape.values()[r.nextInt(Shape.values().length)];
            Colour colour = task == 102 ? colourNamed(classes.get(c))
                    : Colour.SHAPE_COLOURS[r.nextInt(Colour.SHAPE_COLOURS.length)];
            Scene s = Scene.random(r, shape, colour, 0);
            writeBytes(dir.resolve(classes.get(c)).resolve(String.format("%04d.png", k)),
                    png(s.render(cfg.imageSize(), r.nextLong())));
        });
    }

    private static Path writeRetrieval(Path eval, SynthConfig cfg) throws IOException {
        String[] rows = new String[cfg.retrievalPairs()];
        IntStream.range(0, cfg.retrievalPairs()).parallel().forEach(k -> {
            Random r = new Random(Seeds.derive(cfg.seed(), 103, k));
            Scene s = Scene.random(r);
            String rel = String.format("retrieval/%04d.png", k);
            writeBytes(eval.resolve(rel), png(s.render(cfg.imageSize(), r.nextLong())));
            rows[k] = rel + "\t" + s.caption(r.nextBoolean());
        });
        Path tsv = eval.resolve("captions.tsv");
        Files.createDirectories(eval);
        Files.writeString(tsv, "filepath\ttitle\n" + (rows.length == 0 ? "" : String.join("\n", rows) + "\n"));
        return tsv;
    }

    private static Shape shapeNamed(String name) {
        for (Shape s : Shape.values()) if (s.singular.equals(name)) return s;
        throw new IllegalArgumentException(name);
    }

    private static Colour colourNamed(String name) {
        for (Colour c : Colour.values()) if (c.word.equals(name)) return c;
        throw new IllegalArgumentException(name);
    }

    static byte[] jpeg(BufferedImage img) {
        ImageWriter w = writer("jpeg");
        ImageWriteParam p = w.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(0.92f); // high enough that colours stay true at 64 px
        return encode(w, p, img);
    }

    static byte[] png(BufferedImage img) {
        return encode(writer("png"), null, img);
    }

    /**
     * The JDK's own writer when present: plugins on the class path (TwelveMonkeys)
     * may register first, and the bytes should not depend on the class path.
     */
    private static ImageWriter writer(String format) {
        ImageWriter first = null;
        for (java.util.Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format); it.hasNext(); ) {
            ImageWriter w = it.next();
            if (w.getClass().getName().startsWith("com.sun.imageio.")) return w;
            if (first == null) first = w;
        }
        if (first == null) throw new IllegalStateException("no " + format + " image writer");
        return first;
    }

    private static byte[] encode(ImageWriter w, ImageWriteParam p, BufferedImage img) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream(4096);
        // a memory-cached stream: ImageIO's default caches through a temporary file, 10x slower for small images
        try (ImageOutputStream ios = new MemoryCacheImageOutputStream(bo)) {
            w.setOutput(ios);
            w.write(null, new IIOImage(img, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException("image encoding in memory failed", e);
        } finally {
            w.dispose();
        }
        return bo.toByteArray();
    }

    private static void writeBytes(Path p, byte[] b) {
        try {
            Files.createDirectories(p.getParent());
            Files.write(p, b);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + p, e);
        }
    }

    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM ships SHA-256", e);
        }
    }
}
