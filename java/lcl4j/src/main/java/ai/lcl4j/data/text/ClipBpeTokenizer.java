package ai.lcl4j.data.text;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * OpenAI CLIP's BPE tokenizer as the LCL reference configures it: the
 * {@code bpe_simple_vocab_16e6.txt.gz} merges, vocabulary = 256 byte symbols,
 * the same with "&lt;/w&gt;", the 48,894 merged symbols, {@code <start_of_text>}
 * (49406), {@code <end_of_text>} (49407), then the three image tokens
 * {@code <img_placehold>} 49408, {@code <start_of_img>} 49409,
 * {@code <end_of_img>} 49410 (vocab 49,411, pad 0).
 *
 * <p>Encoding = {@link TextClean#clean}, then the CLIP pre-tokenising regex
 * (special tokens first, contractions, letter runs, single digits, other
 * non-space runs), each piece's UTF-8 bytes through {@link ByteLevel}, then BPE.
 */
public final class ClipBpeTokenizer implements Tokenizer {
    /** Merges the reference reads: lines 1 .. 49152-256-2 of the file (line 0 is a version header). */
    static final int MERGES = 49152 - 256 - 2;
    private static final List<String> SPECIALS =
            List.of(SpecialTokens.SOT, SpecialTokens.EOT, SpecialTokens.IMG, SpecialTokens.SOI, SpecialTokens.EOI);

    private final Pattern pattern;
    private final BpeModel bpe;
    private final Map<String, Integer> specialIds = new HashMap<>();
    private final String[] decoder;

    private ClipBpeTokenizer(List<String[]> merges, String where) {
        Map<String, Integer> vocab = new HashMap<>();
        List<String> symbols = new ArrayList<>();
        for (int i = 0; i < 256; i++) symbols.add(String.valueOf(ByteLevel.charOf(ByteLevel.byteAt(i))));
        for (int i = 0; i < 256; i++) symbols.add(ByteLevel.charOf(ByteLevel.byteAt(i)) + "</w>");
        for (String[] m : merges) symbols.add(m[0] + m[1]);
        symbols.addAll(SPECIALS);
        decoder = symbols.toArray(new String[0]);
        for (int i = 0; i < decoder.length; i++) vocab.put(decoder[i], i);
        for (String s : SPECIALS) specialIds.put(s, vocab.get(s));
        this.bpe = new BpeModel(vocab, merges, "</w>", false, -1, where);
        StringBuilder re = new StringBuilder();
        for (String s : SPECIALS) re.append(Pattern.quote(s)).append('|');
        re.append("'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+");
        // the reference compiles with IGNORECASE; text is lower-cased first, so it only matters for specials
        this.pattern = Pattern.compile(re.toString(),
                Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    }

    /** The merges file shipped in the jar (MIT licence, as OpenCLIP ships it; see the LICENSE file beside it). */
    static final String BUNDLED = "bpe_simple_vocab_16e6.txt.gz";
    private static volatile ClipBpeTokenizer bundled;

    /** Loads a {@code bpe_simple_vocab_16e6.txt.gz}-format file (gzip or plain text). */
    public static ClipBpeTokenizer load(Path mergesFile) throws IOException {
        byte[] raw;
        try (InputStream in = Files.newInputStream(mergesFile)) {
            raw = in.readAllBytes();
        }
        return parse(raw, mergesFile.toString());
    }

    /**
     * The CLIP tokenizer over the merges bundled in lcl4j (the reference's file, byte for byte), built once
     * per JVM: instances are immutable and thread-safe.
     */
    public static ClipBpeTokenizer bundled() {
        ClipBpeTokenizer t = bundled;
        if (t == null) {
            synchronized (ClipBpeTokenizer.class) {
                if (bundled == null) {
                    try (InputStream in = ClipBpeTokenizer.class.getResourceAsStream(BUNDLED)) {
                        if (in == null) throw new IllegalStateException("the bundled resource " + BUNDLED + " is missing from the jar");
                        bundled = parse(in.readAllBytes(), "bundled " + BUNDLED);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
                t = bundled;
            }
        }
        return t;
    }

    private static ClipBpeTokenizer parse(byte[] raw, String where) throws IOException {
        String text;
        try {
            boolean gz = raw.length >= 2 && (raw[0] & 0xFF) == 0x1F && (raw[1] & 0xFF) == 0x8B;
            if (gz) {
                try (GZIPInputStream g = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                    raw = g.readAllBytes();
                }
            }
            text = new String(raw, StandardCharsets.UTF_8);
        } catch (java.util.zip.ZipException e) {
            throw new IOException(where + ": not a readable gzip merges file: " + e.getMessage(), e);
        }
        String[] lines = text.split("\n", -1);
        if (lines.length < MERGES + 1) {
            throw new IOException(where + ": has " + (lines.length - 1) + " merge lines, the CLIP vocabulary needs "
                    + MERGES);
        }
        List<String[]> merges = new ArrayList<>(MERGES);
        for (int i = 1; i <= MERGES; i++) {
            String[] parts = lines[i].trim().split("\\s+");
            if (parts.length != 2) {
                throw new IOException(where + ": line " + (i + 1) + " is not a merge pair: '" + lines[i] + "'");
            }
            merges.add(parts);
        }
        return new ClipBpeTokenizer(merges, where);
    }

    @Override
    public int[] encode(String text) {
        String cleaned = TextClean.clean(text);
        IntList out = new IntList(Math.max(16, cleaned.length() / 3));
        Matcher m = pattern.matcher(cleaned);
        while (m.find()) {
            String piece = m.group();
            Integer special = specialIds.get(piece);
            if (special != null) {
                out.add(special);
            } else {
                bpe.encodeWord(ByteLevel.encode(piece), out);
            }
        }
        return out.toArray();
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id < 0 || id >= decoder.length) throw new IllegalArgumentException("token id " + id + " outside [0, " + decoder.length + ")");
            ByteLevel.decodeInto(decoder[id], bytes);
        }
        return new String(bytes.toByteArray(), StandardCharsets.UTF_8).replace("</w>", " ");
    }

    /** The vocabulary symbol of {@code id} (byte-level characters, "&lt;/w&gt;" kept). */
    public String decodeSymbol(int id) {
        return decoder[id];
    }

    @Override public int vocabSize() { return decoder.length; }
    @Override public int sot() { return specialIds.get(SpecialTokens.SOT); }
    @Override public int eot() { return specialIds.get(SpecialTokens.EOT); }
    @Override public int soi() { return specialIds.get(SpecialTokens.SOI); }
    @Override public int img() { return specialIds.get(SpecialTokens.IMG); }
    @Override public int eoi() { return specialIds.get(SpecialTokens.EOI); }
    @Override public int pad() { return 0; }
}
