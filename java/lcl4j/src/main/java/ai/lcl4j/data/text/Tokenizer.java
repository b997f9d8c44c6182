package ai.lcl4j.data.text;

/**
 * Text to token ids and back, with the five LCL roles (LCL-SPEC section 2).
 *
 * <p>Every implementation recognises the image special-token strings
 * ({@link SpecialTokens#SOI}, {@link SpecialTokens#IMG}, {@link SpecialTokens#EOI})
 * inside text and maps them to their ids, as the reference tokenizer's regex does.
 * Implementations are thread-safe: decode workers share one instance.
 */
public interface Tokenizer {
    /** Ids of {@code text}, without sot/eot. */
    int[] encode(String text);

    /** Text of {@code ids}; special ids come back as their strings. Strip padding first: CLIP's pad id 0 is also the token "!". */
    String decode(int[] ids);

    /** Number of ids (every id is in [0, vocabSize)). */
    int vocabSize();

    /** Start of text. */
    int sot();

    /** End of text (also written where a truncated sequence ends). */
    int eot();

    /** Start of image ({@code <start_of_img>}). */
    int soi();

    /** Image latent placeholder ({@code <img_placehold>}). */
    int img();

    /** End of image ({@code <end_of_img>}). */
    int eoi();

    /** Padding id (0 for CLIP BPE). */
    int pad();
}
