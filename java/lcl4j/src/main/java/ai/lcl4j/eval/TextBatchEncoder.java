package ai.lcl4j.eval;

import ai.lcl4j.data.sequence.CaptionRows;
import ai.lcl4j.data.text.Tokenizer;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.SpecialTokenIds;
import ai.lcl4j.ops.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * Captions to normalised text features (LCL-SPEC section 6): each caption becomes
 * the row {@code sot text soi} of length 77 (the reference's caption context), or
 * the model's context_length when that is shorter, and the feature is read at the
 * soi by {@link LclModel#encodeText}.
 */
public final class TextBatchEncoder {
    private final LclModel model;
    private final Tokenizer tokenizer;
    private final int batchSize;
    private final int length;

    public TextBatchEncoder(LclModel model, Tokenizer tokenizer, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        requireSameIds(model, tokenizer);
        this.model = model;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.length = Math.min(CaptionRows.CAPTION_LENGTH, model.config().contextLength());
    }

    public int batchSize() { return batchSize; }

    /** Row length the captions are cut/padded to. */
    public int length() { return length; }

    public Embeddings encode(List<String> texts) {
        List<Embeddings> parts = new ArrayList<>();
        for (int from = 0; from < texts.size(); from += batchSize) {
            int to = Math.min(texts.size(), from + batchSize);
            long[] rows = CaptionRows.zeroShotBatch(tokenizer, texts.subList(from, to), length);
            try (PointerScope scope = new PointerScope()) {
                Tensor t = torch.zeros(new long[] {to - from, length}, Tensors.i64());
                t.data_ptr_long().put(rows);
                parts.add(Embeddings.of(model.encodeText(t)));
            }
        }
        return Embeddings.concat(parts, model.config().embedDim());
    }

    /**
     * A tokenizer whose role ids differ from the model's config would feed the model
     * a soi it does not know: every text feature would be garbage, silently. Refuse.
     */
    static void requireSameIds(LclModel model, Tokenizer tok) {
        SpecialTokenIds ids = model.config().specialTokenIds();
        if (ids.sot() != tok.sot() || ids.eot() != tok.eot() || ids.soi() != tok.soi() || ids.img() != tok.img()
                || ids.eoi() != tok.eoi() || ids.pad() != tok.pad()) {
            throw new IllegalArgumentException("tokenizer special ids (sot " + tok.sot() + ", eot " + tok.eot() + ", img " + tok.img()
                    + ", soi " + tok.soi() + ", eoi " + tok.eoi() + ", pad " + tok.pad() + ") do not match the model config's " + ids);
        }
        if (tok.vocabSize() > model.config().textCfg().vocabSize()) {
            throw new IllegalArgumentException("tokenizer vocab " + tok.vocabSize() + " is larger than the model's "
                    + model.config().textCfg().vocabSize());
        }
    }
}
