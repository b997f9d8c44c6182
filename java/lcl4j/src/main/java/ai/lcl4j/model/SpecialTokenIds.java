package ai.lcl4j.model;

import java.util.List;

/**
 * The five token roles plus pad that the model reads (LCL-SPEC section 2).
 * The tokenizer that builds batches must use the same ids.
 *
 * <p>In a config file they are the reference's {@code special_token_ids}, keyed by the
 * token strings below ({@code "<start_of_text>": 49406, ...}). Pad has no key: the
 * reference model hard-codes pad id 0 ({@code LCL.pad_id = 0}), and so does the config reader.
 *
 * @param sot start of text
 * @param eot end of text
 * @param img image placeholder: these positions take the latent tokens
 * @param soi start of image: the contrastive feature is read here
 * @param eoi end of image
 * @param pad padding (0 in the reference)
 */
public record SpecialTokenIds(int sot, int eot, int img, int soi, int eoi, int pad) {
    // the token strings: the reference's special_token_ids keys and the tokenizers' added tokens
    public static final String SOT_TOKEN = "<start_of_text>";
    public static final String EOT_TOKEN = "<end_of_text>";
    public static final String IMG_TOKEN = "<img_placehold>";
    public static final String SOI_TOKEN = "<start_of_img>";
    public static final String EOI_TOKEN = "<end_of_img>";

    /** The keys of {@code special_token_ids}, in the order the reference configs list them. */
    public static final List<String> KEYS = List.of(SOT_TOKEN, EOT_TOKEN, IMG_TOKEN, SOI_TOKEN, EOI_TOKEN);

    /** The reference pad id (the reference model's {@code pad_id = 0}). */
    public static final int REFERENCE_PAD = 0;

    public SpecialTokenIds {
        int[] ids = {sot, eot, img, soi, eoi, pad};
        for (int i = 0; i < ids.length; i++) {
            VisionConfig.require(ids[i] >= 0, "special_token_ids must be >= 0");
            for (int j = 0; j < i; j++) {
                VisionConfig.require(ids[i] != ids[j], "special_token_ids must be distinct (pad is 0), got "
                        + java.util.Arrays.toString(ids));
            }
        }
    }

    /** The id of the token string {@code key} (one of {@link #KEYS}). */
    public int idOf(String key) {
        return switch (key) {
            case SOT_TOKEN -> sot;
            case EOT_TOKEN -> eot;
            case IMG_TOKEN -> img;
            case SOI_TOKEN -> soi;
            case EOI_TOKEN -> eoi;
            default -> throw new IllegalArgumentException("not a special_token_ids key: '" + key + "'; keys are " + KEYS);
        };
    }
}
