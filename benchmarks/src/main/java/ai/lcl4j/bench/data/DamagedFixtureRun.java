package ai.lcl4j.bench.data;

import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.image.ImageDecoder;
import ai.lcl4j.data.image.ImageTransform;
import ai.lcl4j.data.sequence.ImageLoader;
import ai.lcl4j.data.sequence.ImageLoaders;
import ai.lcl4j.data.sequence.Sample;
import ai.lcl4j.data.sequence.SequenceBuilder;
import ai.lcl4j.data.sequence.SequenceConfig;
import ai.lcl4j.data.source.DocumentSource;
import ai.lcl4j.data.source.Prefetcher;
import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.data.source.Sources;
import ai.lcl4j.data.source.StreamOptions;
import ai.lcl4j.data.synth.SynthConfig;
import ai.lcl4j.data.synth.SynthSummary;
import ai.lcl4j.data.synth.SyntheticCorpus;
import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.data.text.Tokenizers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Writes a deliberately damaged fixture set under a temp dir, streams each source
 * once through the trainer's pipeline (Sources.open with the trainer's shuffle
 * buffer, one epoch → Prefetcher, 2 workers → SequenceBuilder with the built-in
 * tokenizer, lcl-tiny's context 128 / T 16, decode + train transform at 64 px),
 * and prints per source how many documents/samples came out and the SkipLog
 * counts per reason. Before streaming it also decodes each damaged MMC4 image file
 * directly, to show which kinds of damage the decoder rejects at all (the
 * pipeline only loads images that pass the similarity threshold, the
 * one-per-sentence pick and the 6-image cap). The temp dir is deleted at the end.
 *
 * <p>Damage:
 * <ul>
 *   <li><b>mmc4</b> (SyntheticCorpus, 200 documents, 4 zip shards of 50): of the
 *       sorted image files, 8 deleted, 8 truncated to half, 8 made zero-byte, 6
 *       with the first 64 bytes overwritten (header gone), 6 with 300 bytes
 *       overwritten after the header (entropy data garbled); shard 0 gets 6
 *       malformed JSON lines and 6 records with wrong field types spliced in;
 *       shard 3's zip file is cut to 60% of its bytes.</li>
 *   <li><b>wanjuan</b> (the same corpus' WanJuan copy): one referenced image file
 *       deleted, one record with empty content and one with content that is only
 *       an image marker appended.</li>
 *   <li><b>wds</b>: one tar of 20 PNG+txt samples, sample 7 without its txt, the
 *       file cut in the middle of the last member's data.</li>
 *   <li><b>csv</b>: a TSV of 20 rows (filepath, title), one naming a file that does
 *       not exist.</li>
 * </ul>
 *
 * <p>Reproduce (from the repository root):
 * <pre>
 * mvn -B -q -o package -Dlcl4j.cuda=OFF -DskipTests -Dlcl4j.ctest.skip=true
 * java -Djava.awt.headless=true -cp "benchmarks/target/lcl4j-benchmarks.jar:benchmarks/target/lib/*" \
 *     ai.lcl4j.bench.data.DamagedFixtureRun
 * </pre>
 */
public final class DamagedFixtureRun {
    private static final long SEED = 11;

    /** What one source gave. */
    record Result(String name, long documentsRead, long samples, long images, Map<String, Long> skips,
                  List<String> firstMessages, String error) {
    }

    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("lcl4j-damaged");
        try {
            SynthConfig cfg = SynthConfig.defaults(SEED).withDocuments(200, 50).withEval(0, 0).withWanJuan(true);
            // the same corpus left intact, as the baseline: skips there come from the config, not the damage
            SynthSummary clean = SyntheticCorpus.write(root.resolve("clean"), cfg);
            SynthSummary sum = SyntheticCorpus.write(root.resolve("damaged"), cfg);
            System.out.printf("fixtures under %s: mmc4 %d documents, %d images, %d shards%n", root,
                    sum.documents(), sum.images(), sum.shards());
            damageMmc4(sum.train());
            damageWanJuan(sum.wanjuan());
            Path wds = writeWds(root.resolve("wds"));
            Path csv = writeCsv(root.resolve("csv"));

            List<Result> results = new ArrayList<>();
            results.add(stream("mmc4 intact", SourceSpec.of("mmc4", clean.train())));
            results.add(stream("mmc4", SourceSpec.of("mmc4", sum.train())));
            results.add(stream("wanjuan intact", SourceSpec.of("wanjuan", clean.wanjuan().resolve("data"))));
            results.add(stream("wanjuan", SourceSpec.of("wanjuan", sum.wanjuan().resolve("data"))));
            results.add(stream("wds", SourceSpec.of("wds", wds)));
            results.add(stream("csv", SourceSpec.of("csv", csv)));
            report(results);
        } finally {
            PipelineBench.deleteTree(root);
            System.out.println("\ndeleted " + root + ": " + !Files.exists(root));
        }
    }

    // ---- the trainer's pipeline, one pass ---------------------------------------------------

    static Result stream(String name, SourceSpec spec) {
        List<String> first = new ArrayList<>();
        SkipLog skips = new SkipLog(msg -> {
            synchronized (first) {
                first.add(msg);
            }
        });
        Tokenizer tok = Tokenizers.fromSpec("builtin");
        SequenceBuilder builder = new SequenceBuilder(tok, new SequenceConfig(128, 16, 0.24f, 0.5, 6, 1, true), skips);
        ImageLoader loader = ImageLoaders.decodeAndTransform(new ImageDecoder(), ImageTransform.train(64));
        AtomicLong read = new AtomicLong();
        long samples = 0, images = 0;
        String error = null;
        try (DocumentSource src = Sources.open(List.of(spec), StreamOptions.training(SEED).withEpochs(1), skips);
             Prefetcher<Sample> p = new Prefetcher<>(src, doc -> {
                 read.incrementAndGet();
                 return builder.build(doc, SequenceBuilder.documentRandom(SEED, documentKey(doc)), loader)
                         .orElse(null);
             }, 2, 16)) {
            while (p.hasNext()) {
                Sample s = p.next();
                samples++;
                images += s.imageCount();
            }
        } catch (RuntimeException e) {
            error = e.toString();
        }
        return new Result(name, read.get(), samples, images, skips.snapshot(), first, error);
    }

    /**
     * A per-document key from the shard's file name (not its folder) and the record
     * number, so runs in different temp dirs draw the same crops and placements, as
     * the trainer's per-document seeding does.
     */
    static long documentKey(ai.lcl4j.data.Document doc) {
        String file = doc.origin().file().replace('\\', '/');
        String base = file.substring(file.lastIndexOf('/') + 1);
        return ((long) base.hashCode() << 32) ^ doc.origin().record();
    }

    static void report(List<Result> results) {
        System.out.println("\n=== per source ===");
        for (Result r : results) {
            System.out.printf("%n[%s] documents read %d, samples out %d, images in samples %d%s%n", r.name(),
                    r.documentsRead(), r.samples(), r.images(), r.error() == null ? "" : ", STOPPED BY " + r.error());
            r.skips().forEach((k, v) -> System.out.printf("    %-40s %5d%n", k, v));
            for (String m : r.firstMessages()) System.out.println("    first: " + m);
        }
        TreeSet<String> reasons = new TreeSet<>();
        results.forEach(r -> reasons.addAll(r.skips().keySet()));
        System.out.println("\n=== skip counts (markdown) ===");
        StringBuilder head = new StringBuilder("| reason |"), rule = new StringBuilder("|---|");
        for (Result r : results) {
            head.append(' ').append(r.name()).append(" |");
            rule.append("---:|");
        }
        System.out.println(head);
        System.out.println(rule);
        for (String reason : reasons) {
            StringBuilder row = new StringBuilder("| " + reason + " |");
            for (Result r : results) row.append(' ').append(r.skips().getOrDefault(reason, 0L)).append(" |");
            System.out.println(row);
        }
        StringBuilder docs = new StringBuilder("| **documents read** |"), out = new StringBuilder("| **samples out** |"),
                ims = new StringBuilder("| **images in samples** |");
        for (Result r : results) {
            docs.append(' ').append(r.documentsRead()).append(" |");
            out.append(' ').append(r.samples()).append(" |");
            ims.append(' ').append(r.images()).append(" |");
        }
        System.out.println(docs);
        System.out.println(out);
        System.out.println(ims);
    }

    // ---- damage -----------------------------------------------------------------------------

    static void damageMmc4(Path train) throws IOException {
        Path imageDir = train.resolve("images");
        List<Path> files;
        try (Stream<Path> s = Files.list(imageDir)) {
            files = new ArrayList<>(s.sorted().toList());
        }
        java.util.Collections.shuffle(files, new Random(SEED));
        int i = 0;
        Map<String, Integer> done = new LinkedHashMap<>();
        Map<String, List<Path>> groups = new LinkedHashMap<>();
        for (int k = 0; k < 8; k++) Files.delete(files.get(i++));
        done.put("deleted", 8);
        for (int k = 0; k < 8; k++) {
            Path f = files.get(i++);
            truncate(f, Files.size(f) / 2);
            groups.computeIfAbsent("truncated to half", x -> new ArrayList<>()).add(f);
        }
        done.put("truncated to half", 8);
        for (int k = 0; k < 8; k++) truncate(files.get(i++), 0);
        done.put("zero-byte", 8);
        Random r = new Random(SEED + 1);
        for (int k = 0; k < 6; k++) {
            Path f = files.get(i++);
            byte[] b = Files.readAllBytes(f);
            for (int j = 0; j < Math.min(64, b.length); j++) b[j] = 0x5A;
            Files.write(f, b);
            groups.computeIfAbsent("header overwritten", x -> new ArrayList<>()).add(f);
        }
        done.put("header overwritten", 6);
        for (int k = 0; k < 6; k++) {
            Path f = files.get(i++);
            byte[] b = Files.readAllBytes(f);
            int start = Math.min(b.length - 1, 700); // past the JPEG headers of these small files
            for (int j = 0; j < 300 && start + j < b.length - 2; j++) b[start + j] = (byte) r.nextInt(256);
            Files.write(f, b);
            groups.computeIfAbsent("300 bytes garbled after the header", x -> new ArrayList<>()).add(f);
        }
        done.put("300 bytes garbled after the header", 6);
        System.out.println("mmc4 image damage: " + done + " (of " + files.size() + " files)");
        // which damaged files does the decoder itself reject? (independent of which ones the builder loads)
        ImageDecoder dec = new ImageDecoder();
        groups.forEach((what, list) -> {
            int rejected = 0;
            for (Path f : list) {
                try {
                    dec.decode(Files.readAllBytes(f), f.toString());
                } catch (Exception e) {
                    rejected++;
                }
            }
            System.out.printf("  direct decode of '%s' files: %d of %d rejected%n", what, rejected, list.size());
        });

        // shard 0: splice bad lines in among the good ones
        Path data = train.resolve("data");
        Path shard0 = data.resolve("docs_shard_0_v2.jsonl.zip");
        List<String> lines = new ArrayList<>(List.of(readZipText(shard0).split("\n")));
        String[] malformed = {
                "{\"text_list\": [\"unterminated\"",
                "not json at all",
                "{\"text_list\": [\"a\"], \"image_info\": [}",
                "[1, 2, 3]",
                "\"just a string\"",
                "{\"text_list\": [\"x\"], \"image_info\": [{\"image_name\": \"a.jpg\",}]}",
        };
        String[] wrongTypes = {
                "{\"text_list\": \"a sentence, not a list\", \"image_info\": []}",
                "{\"text_list\": [\"one\", 2], \"image_info\": []}",
                "{\"text_list\": [\"a sentence.\"], \"image_info\": {\"image_name\": \"x.jpg\"}}",
                "{\"text_list\": [\"a sentence.\"], \"image_info\": [{\"image_name\": 17, \"matched_text_index\": 0, \"matched_sim\": 0.3}]}",
                "{\"text_list\": [\"a sentence.\"], \"image_info\": [{\"image_name\": \"x.jpg\", \"matched_text_index\": \"0\", \"matched_sim\": 0.3}]}",
                "{\"text_list\": [\"a sentence.\"], \"image_info\": [{\"image_name\": \"x.jpg\", \"matched_text_index\": 0, \"matched_sim\": \"high\"}]}",
        };
        for (int k = 0; k < malformed.length; k++) lines.add(3 + 7 * k, malformed[k]);
        for (int k = 0; k < wrongTypes.length; k++) lines.add(5 + 7 * k, wrongTypes[k]);
        writeZipText(shard0, "docs_shard_0_v2.jsonl", String.join("\n", lines) + "\n");
        // shard 3: the zip file cut short
        Path shard3 = data.resolve("docs_shard_3_v2.jsonl.zip");
        long size = Files.size(shard3);
        truncate(shard3, size * 6 / 10);
        System.out.printf("mmc4 shard damage: shard 0 +%d malformed json +%d wrong field types; shard 3 cut %d -> %d bytes%n",
                malformed.length, wrongTypes.length, size, size * 6 / 10);
    }

    static void damageWanJuan(Path dir) throws IOException {
        Path jsonl = dir.resolve("data/part-00000.jsonl");
        String text = Files.readString(jsonl);
        // the first image of the first record: delete its file
        int at = text.indexOf("![](") + 4;
        String url = text.substring(at, text.indexOf(')', at));
        Path img = dir.resolve("images").resolve(sha256Hex(url) + ".jpg");
        Files.delete(img);
        text += "{\"id\": \"empty-content\", \"content\": \"\", \"img_list\": []}\n";
        text += "{\"id\": \"image-only\", \"content\": \"![](" + url.replace("\"", "") + ")\", \"img_list\": []}\n";
        Files.writeString(jsonl, text);
        System.out.println("wanjuan damage: deleted " + img.getFileName() + " (" + url
                + "), +1 empty-content record, +1 image-only record");
    }

    static Path writeWds(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path tar = dir.resolve("shard-000000.tar");
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        for (int i = 0; i < 20; i++) {
            String key = String.format("%06d", i);
            tarMember(bos, key + ".png", DecodeTransformBench.png(DecodeTransformBench.photoLike(64, 64, 500 + i)));
            if (i != 7) tarMember(bos, key + ".txt", ("a synthetic picture number " + i).getBytes(StandardCharsets.UTF_8));
        }
        // a 21st sample whose png is the last member, so the cut lands in its data
        byte[] last = DecodeTransformBench.png(DecodeTransformBench.photoLike(64, 64, 999));
        long lastDataStart = bos.size() + 512, lastSize = last.length;
        tarMember(bos, "000020.png", last);
        bos.write(new byte[1024]); // end-of-archive
        Files.write(tar, bos.toByteArray());
        long cut = lastDataStart + lastSize / 2;
        truncate(tar, cut);
        System.out.printf("wds: 20 png+txt samples (000007 without txt) + 000020.png cut at %d of its %d bytes; tar %d bytes%n",
                lastSize / 2, lastSize, cut);
        return tar;
    }

    static Path writeCsv(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("images"));
        StringBuilder sb = new StringBuilder("filepath\ttitle\n");
        for (int i = 0; i < 20; i++) {
            String rel = "images/" + i + ".png";
            if (i != 4) {
                Files.write(dir.resolve(rel), DecodeTransformBench.png(DecodeTransformBench.photoLike(64, 64, 700 + i)));
            }
            sb.append(rel).append('\t').append("a drawing, number ").append(i).append('\n');
        }
        Path tsv = dir.resolve("pairs.tsv");
        Files.writeString(tsv, sb.toString());
        System.out.println("csv: 20 rows, images/4.png not written");
        return tsv;
    }

    // ---- helpers ----------------------------------------------------------------------------

    static void truncate(Path f, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    static String readZipText(Path zip) throws IOException {
        try (InputStream in = Files.newInputStream(zip); ZipInputStream z = new ZipInputStream(in)) {
            if (z.getNextEntry() == null) throw new IOException(zip + " is empty");
            return new String(z.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static void writeZipText(Path zip, String member, String text) throws IOException {
        try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry(member));
            z.write(text.getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
    }

    /** A ustar header block for a regular file, then the data padded to 512 bytes. */
    static void tarMember(ByteArrayOutputStream out, String name, byte[] data) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", data.length));
        put(h, 136, String.format("%011o", 1_700_000_000L));
        for (int i = 148; i < 156; i++) h[i] = ' ';
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        int sum = 0;
        for (byte b : h) sum += b & 0xFF;
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        out.writeBytes(h);
        out.writeBytes(data);
        int pad = (512 - data.length % 512) % 512;
        out.writeBytes(new byte[pad]);
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }

    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private DamagedFixtureRun() {
    }
}
