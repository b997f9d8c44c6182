package ai.lcl4j.data.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair-encoding merges over a vocabulary: turns one pre-tokenised word
 * (already mapped through {@link ByteLevel}) into vocabulary ids.
 *
 * <p>The merge loop is the classic one: repeatedly take the adjacent pair with
 * the lowest merge rank and merge every occurrence of it left to right, until no
 * adjacent pair has a rank. Symbols are kept as vocabulary ids and pairs as one
 * {@code long}, so a merge step is a map lookup, not string building.
 * Results are cached per word (bounded), shared by all threads.
 */
final class BpeModel {
    private static final int CACHE_LIMIT = 1 << 20;

    private final Map<String, Integer> vocab;
    /** (left id, right id) -> merge rank. */
    private final Map<Long, Integer> ranks = new HashMap<>();
    /** (left id, right id) -> id of the merged symbol. */
    private final Map<Long, Integer> merged = new HashMap<>();
    private final String endOfWordSuffix;
    private final boolean ignoreMerges;
    private final int unk;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param vocab           symbol -> id
     * @param merges          merge pairs in rank order
     * @param endOfWordSuffix appended to a word's last symbol ("&lt;/w&gt;" in CLIP), or "" for none
     * @param ignoreMerges    if true, a word found whole in the vocab is taken as is (LLaMA-3 style)
     * @param unk             id for symbols missing from the vocab, or -1 to throw
     * @param where           file name for error messages
     */
    BpeModel(Map<String, Integer> vocab, List<String[]> merges, String endOfWordSuffix,
             boolean ignoreMerges, int unk, String where) {
        this.vocab = vocab;
        this.endOfWordSuffix = endOfWordSuffix;
        this.ignoreMerges = ignoreMerges;
        this.unk = unk;
        for (int r = 0; r < merges.size(); r++) {
            String[] m = merges.get(r);
            Integer a = vocab.get(m[0]);
            Integer b = vocab.get(m[1]);
            Integer ab = vocab.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                throw new IllegalArgumentException(where + ": merge " + (r + 1) + " ('" + m[0] + "' '" + m[1]
                        + "') uses a symbol that is not in the vocabulary");
            }
            long key = key(a, b);
            ranks.putIfAbsent(key, r); // a repeated merge keeps its first (best) rank
            merged.putIfAbsent(key, ab);
        }
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** Ids for one word, appended to {@code out}. */
    void encodeWord(String word, IntList out) {
        int[] ids = cache.get(word);
        if (ids == null) {
            ids = bpe(word);
            if (cache.size() < CACHE_LIMIT) cache.put(word, ids);
        }
        out.addAll(ids);
    }

    private int[] bpe(String word) {
        if (ignoreMerges) {
            Integer whole = vocab.get(word + endOfWordSuffix);
            if (whole != null) return new int[] {whole};
        }
        // initial symbols: one per code point, the suffix glued to the last one
        List<String> symbols = new ArrayList<>();
        for (int i = 0; i < word.length(); ) {
            int n = Character.charCount(word.codePointAt(i));
            symbols.add(word.substring(i, i + n));
            i += n;
        }
        if (symbols.isEmpty()) return new int[0];
        int last = symbols.size() - 1;
        symbols.set(last, symbols.get(last) + endOfWordSuffix);
        int[] w = new int[symbols.size()];
        for (int i = 0; i < w.length; i++) {
            Integer id = vocab.get(symbols.get(i));
            if (id == null) {
                if (unk < 0) throw new IllegalArgumentException("symbol '" + symbols.get(i) + "' is not in the vocabulary");
                id = unk;
            }
            w[i] = id;
        }
        int len = w.length;
        while (len > 1) {
            int bestRank = Integer.MAX_VALUE;
            long bestKey = 0;
            for (int i = 0; i + 1 < len; i++) {
                long k = key(w[i], w[i + 1]);
                Integer r = ranks.get(k);
                if (r != null && r < bestRank) {
                    bestRank = r;
                    bestKey = k;
                }
            }
            if (bestRank == Integer.MAX_VALUE) break;
            int a = (int) (bestKey >>> 32);
            int b = (int) bestKey;
            int m = merged.get(bestKey);
            int o = 0;
            for (int i = 0; i < len; ) {
                if (i + 1 < len && w[i] == a && w[i + 1] == b) {
                    w[o++] = m;
                    i += 2;
                } else {
                    w[o++] = w[i++];
                }
            }
            len = o;
        }
        return java.util.Arrays.copyOf(w, len);
    }
}
