package ai.lcl4j.data.source;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.Origin;
import ai.lcl4j.data.SkipLog;
import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MMC4 documents (DATA-FORMATS.md section 1): JSONL shards, plain or zipped, one
 * document per line with text_list and image_info[{image_name, matched_text_index,
 * matched_sim, ...}]. Images are looked up as {images}/{image_name} (LCL's flat
 * folder) and then {images}/{shard number}/{image_name} (download_images.py's
 * --input_shards layout). similarity_matrix, url, raw_url, face_detections and
 * could_have_url_duplicate are not needed to build a sequence and are not read.
 * An image_name that is absolute or climbs out of the image folder is skipped and
 * counted ({@link ImagePathGuard}).
 */
public final class Mmc4Format extends JsonlFormat {
    public static final SourceType TYPE = new SourceType("mmc4", List.of(),
            "MMC4 interleaved documents, JSONL shards (plain or zipped); images=DIR holds the images",
            spec -> new Mmc4Format(spec.path(), spec.images()));

    static final String[] GLOBS = {"*.jsonl", "*.jsonl.zip"};
    private static final Pattern SHARD_NO = Pattern.compile("shard_(\\d+)");

    private final Path images;
    private final ImagePathGuard guard;
    private final String[] shardNumbers;

    /**
     * @param path   dataset root holding data/ and images/, the shard folder itself,
     *               one shard file, or a glob such as /x/docs_no_face_shard_*_v2.jsonl.zip
     * @param images image folder; null means the first existing of {path}/images, images/ beside the
     *               files, images/ beside their folder (see ImageFiles.defaultFolder)
     */
    public Mmc4Format(Path path, Path images) {
        super(ShardFiles.find(Files.isDirectory(path.resolve("data")) ? path.resolve("data") : path,
                "MMC4 shards (docs_shard_{i}_v2.jsonl.zip, docs_shard_{i}_v3.jsonl, ...)", GLOBS));
        this.images = images != null ? images : ImageFiles.defaultFolder(path, files().get(0));
        this.guard = new ImagePathGuard(this.images);
        this.shardNumbers = new String[files().size()];
        for (int i = 0; i < shardNumbers.length; i++) {
            Matcher m = SHARD_NO.matcher(files().get(i).getFileName().toString());
            shardNumbers[i] = m.find() ? m.group(1) : null;
        }
    }

    @Override
    public String name() {
        return TYPE.name();
    }

    public Path images() {
        return images;
    }

    @Override
    Document convert(JsonNode rec, Origin origin, int file, SkipLog log) throws BadRecord {
        JsonNode textList = array(rec, "text_list");
        List<String> sentences = new ArrayList<>(textList.size());
        boolean anyText = false;
        for (JsonNode t : textList) {
            if (!t.isTextual()) throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "text_list holds a " + t.getNodeType());
            sentences.add(t.asText());
            anyText |= !t.asText().isBlank();
        }
        if (!anyText) throw new BadRecord(SkipReasons.EMPTY_TEXT, "text_list has no non-blank sentence");
        JsonNode info = array(rec, "image_info");
        if (info.isEmpty()) throw new BadRecord(SkipReasons.NO_IMAGES, "image_info is empty");

        List<DocImage> out = new ArrayList<>(info.size());
        for (JsonNode im : info) {
            if (!im.isObject()) throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "image_info holds a " + im.getNodeType());
            String name = string(im, "image_name");
            JsonNode idx = im.get("matched_text_index");
            JsonNode sim = im.get("matched_sim");
            if (idx == null || !idx.canConvertToInt() || !idx.isIntegralNumber())
                throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "matched_text_index of " + name + " is not an integer");
            if (sim == null || !sim.isNumber())
                throw new BadRecord(SkipReasons.WRONG_FIELD_TYPE, "matched_sim of " + name + " is not a number");
            int sentence = idx.asInt();
            if (sentence < 0 || sentence >= sentences.size()) {
                log.skip(SkipReasons.BAD_SENTENCE_INDEX, origin, name + " matches sentence " + sentence
                        + " of " + sentences.size());
                continue;
            }
            String shard = shardNumbers[file];
            ImageFiles.Found f;
            try {
                f = ImageFiles.locate(guard.resolve(name), shard == null ? null : guard.resolve(shard, name));
            } catch (ImagePathGuard.Rejected r) {
                log.skip(r.reason(), origin, "image_name " + r.getMessage());
                continue;
            }
            if (f.problem() != null) {
                log.skip(f.problem(), origin, f.path().toString());
                continue;
            }
            out.add(new DocImage(name, new FileImage(f.path()), sentence, (float) sim.asDouble(),
                    DocImage.Placement.RANDOM));
        }
        if (out.isEmpty()) throw new BadRecord(SkipReasons.NO_USABLE_IMAGES, info.size() + " images, none usable");
        return new Document(origin, sentences, out, false);
    }
}
