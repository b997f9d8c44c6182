package bytelm;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** The training text as bytes, split into a training part and a held-out tail, cut into random windows. */
final class ByteCorpus {
    private final byte[] train, heldOut;

    private ByteCorpus(byte[] text) {
        int cut = (int) (text.length * 0.9);
        train = java.util.Arrays.copyOfRange(text, 0, cut);
        heldOut = java.util.Arrays.copyOfRange(text, cut, text.length);
    }

    /** A text file's bytes. */
    static ByteCorpus read(Path file, int context) throws IOException {
        byte[] text = Files.readAllBytes(file);
        if (text.length < 20L * (context + 1)) {
            throw new IllegalArgumentException(file + ": " + text.length + " bytes is too short for windows of "
                    + (context + 1) + " bytes (need at least " + 20L * (context + 1) + ")");
        }
        return new ByteCorpus(text);
    }

    /** About {@code bytes} bytes of simple English-like sentences from a small grammar (no file needed). */
    static ByteCorpus generated(int bytes, long seed) {
        String[] subjects = {"the cat", "a dog", "the old man", "my friend", "the little bird", "a child", "the teacher"};
        String[] verbs = {"sees", "likes", "finds", "follows", "paints", "remembers", "carries"};
        String[] objects = {"the river", "a red ball", "the moon", "an apple", "the small house", "a blue boat"};
        String[] endings = {"", " today", " at night", " again", " in the garden", " after dinner"};
        Random rnd = new Random(seed);
        StringBuilder s = new StringBuilder(bytes + 64);
        while (s.length() < bytes) {
            String sentence = pick(rnd, subjects) + " " + pick(rnd, verbs) + " " + pick(rnd, objects)
                    + pick(rnd, endings) + ". ";
            s.append(Character.toUpperCase(sentence.charAt(0))).append(sentence, 1, sentence.length());
        }
        return new ByteCorpus(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** {@code batch} random training windows: inputs (B, L) and next-byte targets (B, L), int64. */
    Tensor[] trainBatch(Random rnd, int batch, int context) {
        long[] starts = new long[batch];
        for (int i = 0; i < batch; i++) starts[i] = rnd.nextInt(train.length - context - 1);
        return windows(train, starts, context);
    }

    /** The first {@code batch} non-overlapping windows of the held-out text (the same every call). */
    Tensor[] heldOutBatch(int batch, int context) {
        int n = Math.min(batch, (heldOut.length - 1) / context);
        long[] starts = new long[n];
        for (int i = 0; i < n; i++) starts[i] = (long) i * context;
        return windows(heldOut, starts, context);
    }

    private static Tensor[] windows(byte[] text, long[] starts, int context) {
        long[] in = new long[starts.length * context], out = new long[starts.length * context];
        for (int i = 0; i < starts.length; i++) {
            for (int j = 0; j < context; j++) {
                in[i * context + j] = text[(int) starts[i] + j] & 0xff;
                out[i * context + j] = text[(int) starts[i] + j + 1] & 0xff;
            }
        }
        return new Tensor[] {longs(in, starts.length, context), longs(out, starts.length, context)};
    }

    private static Tensor longs(long[] values, long rows, long cols) {
        Tensor t = torch.zeros(new long[] {rows, cols}, new TensorOptions(torch.ScalarType.Long));
        t.data_ptr_long().put(values);
        return t;
    }

    private static String pick(Random rnd, String[] options) {
        return options[rnd.nextInt(options.length)];
    }
}
