package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * WanJuan 1.0 image-text records (DATA-FORMATS.md section 3): JSONL with id,
 * content (Markdown with {@code ![](url)} where each image stands) and
 * img_list[{url, sha256, caption, width, height}]. Images are files
 * {images}/{sha256}.jpg, sha256 being the hex SHA-256 of the URL string. A
 * sha256 field that would name a file outside the image folder is skipped and
 * counted ({@link ImagePathGuard}).
 *
 * <p>Sentences: the text between image markers is split at Markdown paragraph
 * breaks (a blank line); each non-blank paragraph, trimmed, is one sentence.
 * Paragraphs are used rather than sentence punctuation because Chinese and English
 * punctuate differently and the builder only needs units to attach images to.
 * An image is placed BEFORE the sentence that follows its marker, or AFTER the
 * last sentence when no text follows. Markers whose URL is missing from img_list
 * still resolve by hashing the URL; img_list entries with no marker are ignored
 * (they have no place in the text). similarity is NaN: WanJuan has no scores.
 */
public final class WanJuanFormat extends JsonlFormat {
    public static final SourceType TYPE = new SourceType("wanjuan", List.of(),
            "WanJuan 1.0 interleaved documents, JSONL; images=DIR holds {sha256 of the url}.jpg",
            spec -> new WanJuanFormat(spec.path(), spec.images()));

    /** ![alt](url) or ![alt](<url> "title"): group 1 is the URL. */
    private static final Pattern IMAGE = Pattern.compile("!\\[[^\\]]*]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern PARAGRAPH = Pattern.compile("\\n\\s*\\n");

    private final Path images;
    private final ImagePathGuard guard;

    /**
     * @param path   a JSONL file, a folder of *.jsonl / *.jsonl.zip, or a glob
     * @param images image folder; null means the first existing of {path}/images, images/ beside the
     *               files, images/ beside their folder (see ImageFiles.defaultFolder)
     */
    public WanJuanFormat(Path path, Path images) {
        super(ShardFiles.find(path, "WanJuan JSONL files", Mmc4Format.GLOBS));
        this.images = images != null ? images : ImageFiles.defaultFolder(path, files().get(0));
        this.guard = new ImagePathGuard(this.images);
    }

    @Override
    public String name() {
        return TYPE.name();
    }

    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM ships SHA-256", e);
        }
    }

    @Override
    Document convert(JsonNode rec, Origin origin, int file, SkipLog log) throws BadRecord {
        String content = string(rec, "content");
        Map<String, String> shaByUrl = new HashMap<>();
        JsonNode list = rec.get("img_list");
        if (list != null && !list.isNull()) {
            if (!list.isArray()) throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "img_list is not a list");
            for (JsonNode im : list) {
                if (!im.isObject()) throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "img_list holds a " + im.getNodeType());
                String url = string(im, "url");
                JsonNode sha = im.get("sha256");
                if (sha != null && !sha.isNull() && !sha.isTextual())
                    throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "sha256 of " + url + " is not a string");
                shaByUrl.put(url, sha == null || sha.isNull() || sha.asText().isEmpty() ? sha256Hex(url) : sha.asText());
            }
        }

        List<String> sentences = new ArrayList<>();
        List<String> pendingUrls = new ArrayList<>(); // markers waiting for the next sentence
        List<DocImage> images = new ArrayList<>();
        int listed = 0;
        Matcher m = IMAGE.matcher(content);
        int at = 0;
        while (true) {
            boolean found = m.find();
            String text = content.substring(at, found ? m.start() : content.length());
            for (String para : PARAGRAPH.split(text)) {
                String s = para.strip();
                if (s.isEmpty()) continue;
                for (String url : pendingUrls) addImage(url, sentences.size(), DocImage.Placement.BEFORE, shaByUrl, images, origin, log);
                pendingUrls.clear();
                sentences.add(s);
            }
            if (!found) break;
            pendingUrls.add(m.group(1));
            listed++;
            at = m.end();
        }
        if (sentences.isEmpty()) throw new BadRecord(SkipReasons.EMPTY_TEXT, "content has no text besides images");
        for (String url : pendingUrls) addImage(url, sentences.size() - 1, DocImage.Placement.AFTER, shaByUrl, images, origin, log);
        if (listed == 0) throw new BadRecord(SkipReasons.NO_IMAGES, "content has no ![](url) image");
        if (images.isEmpty()) throw new BadRecord(SkipReasons.NO_USABLE_IMAGES, listed + " images, none usable");
        return new Document(origin, sentences, images, false);
    }

    private void addImage(String url, int sentence, DocImage.Placement placement, Map<String, String> shaByUrl,
                          List<DocImage> out, Origin origin, SkipLog log) {
        String sha = shaByUrl.computeIfAbsent(url, WanJuanFormat::sha256Hex);
        ImageFiles.Found f;
        try {
            f = ImageFiles.locate(guard.resolve(sha + ".jpg"));
        } catch (ImagePathGuard.Rejected r) {
            log.skip(r.reason(), origin, "sha256 of " + url + ": " + r.getMessage());
            return;
        }
        if (f.problem() != null) {
            log.skip(f.problem(), origin, f.path() + " for " + url);
            return;
        }
        out.add(new DocImage(url, new FileImage(f.path()), sentence, Float.NaN, placement));
    }
}
