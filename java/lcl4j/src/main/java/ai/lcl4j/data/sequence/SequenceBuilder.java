package ai.lcl4j.data.sequence;

import ai.lcl4j.data.DocImage;
import ai.lcl4j.data.Document;
import ai.lcl4j.data.SkipLog;
import ai.lcl4j.data.text.IntList;
import ai.lcl4j.data.text.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CancellationException;

/**
 * Turns a {@link Document} into a {@link Sample} by the LCL reference rules
 * (LCL-SPEC section 3, DATA-FORMATS section 5).
 *
 * <p><b>Splicing.</b> The reference writes {@code " <start_of_img> " + "<img_placehold> " * T + "<end_of_img> "}
 * into the text and tokenizes the joined string. We tokenize the text between
 * images and splice the soi / img*T / eoi ids in. For CLIP BPE this gives the same
 * ids (whitespace is collapsed and no pre-token crosses a space; tested against
 * the reference way). For other tokenizers the text between two images is the
 * sentences joined with " ", trimmed at the image boundaries.
 *
 * <p><b>Literal special strings.</b> Text that itself contains "&lt;img_placehold&gt;"
 * and friends would, in the reference, yield placeholder ids with no image and
 * break the image/placeholder count. Those ids (and sot/eot) are removed from the
 * text's ids here, so every row satisfies count(img) = T x images.
 *
 * <p>Random draws, in order: one per sentence that several images share (which
 * to keep), whatever the image loader draws per image, then one per RANDOM
 * placement. Thread-safe if the tokenizer is; give each worker its own Random.
 * Seed per-document Randoms through a mixer ({@link #documentRandom}), not with
 * consecutive small seeds: java.util.Random's
 * first draws for seeds 0, 1, 2, ... are nearly equal, so every document would
 * place its images the same way.
 */
public final class SequenceBuilder {
    private final Tokenizer tok;
    private final SequenceConfig cfg;
    private final SkipLog skips;

    public SequenceBuilder(Tokenizer tokenizer, SequenceConfig config, SkipLog skips) {
        this.tok = tokenizer;
        this.cfg = config;
        this.skips = skips;
    }

    public SequenceConfig config() {
        return cfg;
    }

    /**
     * Builds one sample, or returns empty when the document must be skipped
     * (too few usable images; the reason is counted in the skip log) so the caller
     * draws another document.
     */
    public Optional<Sample> build(Document doc, Random rnd, ImageLoader loader) {
        return doc.paired() ? buildPaired(doc, rnd, loader) : buildInterleaved(doc, rnd, loader);
    }

    /**
     * The first document of {@code docs} that yields a sample (skipped ones are
     * counted in the skip log), or empty when {@code docs} runs out: the
     * reference's "resample another document" without ever stalling on a bad one.
     */
    public Optional<Sample> next(java.util.Iterator<Document> docs, Random rnd, ImageLoader loader) {
        while (docs.hasNext()) {
            Optional<Sample> s = build(docs.next(), rnd, loader);
            if (s.isPresent()) return s;
        }
        return Optional.empty();
    }

    /**
     * A Random for one document, its seed mixed from a run seed and the document's
     * index (SplitMix64 finaliser), so nearby indices get unrelated first draws.
     */
    public static Random documentRandom(long runSeed, long documentIndex) {
        long z = runSeed * 0x9E3779B97F4A7C15L + documentIndex;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new Random(z ^ (z >>> 31));
    }

    // ---- interleaved documents -------------------------------------------------------------

    private Optional<Sample> buildInterleaved(Document doc, Random rnd, ImageLoader loader) {
        int nSent = doc.sentences().size();
        // 1. similarity threshold (inclusive; NaN = the dataset has no score, no threshold)
        List<DocImage> kept = new ArrayList<>();
        for (DocImage im : doc.images()) {
            if (im.sentence() < 0 || im.sentence() >= nSent) {
                skips.skip("image sentence index out of range", doc.origin(),
                        im.key() + " -> sentence " + im.sentence() + " of " + nSent);
                continue;
            }
            float s = im.similarity();
            if (Float.isNaN(s) || s >= cfg.simThreshold()) kept.add(im);
        }
        if (kept.size() < cfg.minImages()) return tooFew(doc, "no image above the similarity threshold");
        // 2. stable sort by sentence, one random image per sentence
        kept.sort((a, b) -> Integer.compare(a.sentence(), b.sentence()));
        if (cfg.dedupPerSentence()) kept = onePerSentence(kept, rnd);
        // 3. the first maxImages in document order
        if (kept.size() > cfg.maxImages()) kept = new ArrayList<>(kept.subList(0, cfg.maxImages()));
        // 4. load; failures lose their slot
        List<DocImage> loadedRefs = new ArrayList<>();
        List<float[]> loaded = new ArrayList<>();
        for (DocImage im : kept) {
            float[] pixels = load(doc, im, rnd, loader);
            if (pixels != null) {
                loadedRefs.add(im);
                loaded.add(pixels);
            }
        }
        if (loaded.size() < cfg.minImages()) return tooFew(doc, "no image loaded");
        // 5. placement per image
        boolean[] before = new boolean[loaded.size()];
        for (int i = 0; i < before.length; i++) before[i] = placeBefore(loadedRefs.get(i), rnd);

        // 6. tokens: sot, text and image runs in sentence order, eot
        List<List<Integer>> beforeOf = new ArrayList<>(), afterOf = new ArrayList<>();
        for (int s = 0; s < nSent; s++) { beforeOf.add(new ArrayList<>(2)); afterOf.add(new ArrayList<>(2)); }
        for (int i = 0; i < before.length; i++) {
            (before[i] ? beforeOf : afterOf).get(loadedRefs.get(i).sentence()).add(i);
        }
        int limit = cfg.contextLength();
        IntList ids = new IntList(Math.min(limit + 1, 4096));
        ids.add(tok.sot());
        List<float[]> ordered = new ArrayList<>(loaded.size()); // images in the order their runs appear
        StringBuilder chunk = new StringBuilder();
        boolean chunkHasText = false;
        for (int s = 0; s < nSent && ids.size() <= limit; s++) {
            for (int i : beforeOf.get(s)) {
                flush(chunk, ids);
                chunkHasText = false;
                imageRun(ids);
                ordered.add(loaded.get(i));
            }
            if (chunkHasText) chunk.append(' ');
            chunk.append(doc.sentences().get(s));
            chunkHasText = true;
            if (!afterOf.get(s).isEmpty()) {
                flush(chunk, ids);
                chunkHasText = false;
                for (int i : afterOf.get(s)) {
                    imageRun(ids);
                    ordered.add(loaded.get(i));
                }
            }
        }
        flush(chunk, ids);
        ids.add(tok.eot());
        // (a document longer than the row stops being tokenized early: only ids < limit + 1 matter)

        int[] row = truncate(ids);
        int nImages = count(row, tok.soi());
        int length = usedLength(row);
        if (nImages < cfg.minImages()) return tooFew(doc, "too few images after truncation");
        if (count(row, tok.img()) != nImages * cfg.imageTokens()) {
            throw new IllegalStateException(doc.origin() + ": " + count(row, tok.img()) + " placeholders for " + nImages
                    + " images of " + cfg.imageTokens() + " tokens (builder bug)");
        }
        return Optional.of(new Sample(row, ordered.subList(0, nImages), doc.origin(), nImages, length));
    }

    private List<DocImage> onePerSentence(List<DocImage> sorted, Random rnd) {
        List<DocImage> out = new ArrayList<>(sorted.size());
        int i = 0;
        while (i < sorted.size()) {
            int j = i;
            while (j < sorted.size() && sorted.get(j).sentence() == sorted.get(i).sentence()) j++;
            out.add(j - i == 1 ? sorted.get(i) : sorted.get(i + rnd.nextInt(j - i)));
            i = j;
        }
        return out;
    }

    /**
     * Cuts to the context length with eot last, then applies the reference's fix:
     * if an image run was cut (count(soi)*T != count(img)), zero from the last soi on
     * and write eot there. A cut that lands exactly on eoi leaves "soi img*T eot":
     * the counts match, so the run is kept (the reference does the same).
     */
    private int[] truncate(IntList ids) {
        int limit = cfg.contextLength();
        int[] row = new int[limit];
        Arrays.fill(row, tok.pad());
        int n = Math.min(ids.size(), limit);
        for (int i = 0; i < n; i++) row[i] = ids.get(i);
        if (ids.size() > limit) row[limit - 1] = tok.eot();
        if (count(row, tok.soi()) * cfg.imageTokens() != count(row, tok.img())) {
            int lastSoi = -1;
            for (int i = 0; i < n; i++) if (row[i] == tok.soi()) lastSoi = i;
            Arrays.fill(row, lastSoi, limit, tok.pad());
            row[lastSoi] = tok.eot();
        }
        return row;
    }

    /** Tokens before the padding: every row ends with an eot, and text ids never are one. */
    private int usedLength(int[] row) {
        for (int i = row.length - 1; i >= 0; i--) if (row[i] == tok.eot()) return i + 1;
        throw new IllegalStateException("row without eot (builder bug)");
    }

    // ---- paired data ----------------------------------------------------------------------

    private Optional<Sample> buildPaired(Document doc, Random rnd, ImageLoader loader) {
        if (doc.images().isEmpty()) return tooFew(doc, "paired record without an image");
        DocImage im = doc.images().get(0);
        float[] pixels = load(doc, im, rnd, loader);
        if (pixels == null) return Optional.empty();
        int[] text = textIds(String.join(" ", doc.sentences()));
        int n = Math.min(text.length, cfg.pairedTextMax());
        boolean imgFirst = placeBefore(im, rnd);
        IntList ids = new IntList(cfg.contextLength());
        if (imgFirst) {
            imageRun(ids);
            for (int i = 0; i < n; i++) ids.add(text[i]);
            ids.add(tok.eot());
        } else {
            ids.add(tok.sot());
            for (int i = 0; i < n; i++) ids.add(text[i]);
            imageRun(ids);
        }
        int[] row = new int[cfg.contextLength()];
        Arrays.fill(row, tok.pad());
        for (int i = 0; i < ids.size(); i++) row[i] = ids.get(i);
        return Optional.of(new Sample(row, List.of(pixels), doc.origin(), 1, ids.size()));
    }

    // ---- shared pieces ---------------------------------------------------------------------

    private boolean placeBefore(DocImage im, Random rnd) {
        return switch (im.placement()) {
            case BEFORE -> true;
            case AFTER -> false;
            case RANDOM -> rnd.nextDouble() < cfg.imgFirstProb();
        };
    }

    private float[] load(Document doc, DocImage im, Random rnd, ImageLoader loader) {
        try {
            float[] px = loader.load(im, rnd);
            if (px == null) throw new IllegalStateException("loader returned null");
            return px;
        } catch (Exception | OutOfMemoryError e) {
            if (Thread.currentThread().isInterrupted()) {
                // the worker is being stopped (its pool shuts down): the read was cut short, the image is not bad
                CancellationException c = new CancellationException("loading " + im.source().describe() + " was interrupted");
                c.initCause(e);
                throw c;
            }
            skips.skip("image failed to load", doc.origin(), im.source().describe() + ": " + e);
            return null;
        }
    }

    private Optional<Sample> tooFew(Document doc, String why) {
        skips.skip("document skipped: too few images", doc.origin(), why);
        return Optional.empty();
    }

    private void imageRun(IntList ids) {
        ids.add(tok.soi());
        for (int t = 0; t < cfg.imageTokens(); t++) ids.add(tok.img());
        ids.add(tok.eoi());
    }

    private void flush(StringBuilder chunk, IntList ids) {
        String text = chunk.toString().strip();
        chunk.setLength(0);
        if (!text.isEmpty()) ids.addAll(textIds(text));
    }

    /** Ids of plain text, without special-token ids that literal strings in the text produced. */
    private int[] textIds(String text) {
        int[] raw = tok.encode(text);
        int n = 0;
        for (int id : raw) {
            if (id == tok.soi() || id == tok.img() || id == tok.eoi() || id == tok.sot() || id == tok.eot()) continue;
            raw[n++] = id;
        }
        return n == raw.length ? raw : Arrays.copyOf(raw, n);
    }

    private static int count(int[] row, int id) {
        int c = 0;
        for (int v : row) if (v == id) c++;
        return c;
    }
}
