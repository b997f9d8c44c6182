package ai.lcl4j.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The five token roles plus pad that the model reads (LCL-SPEC section 2).
 * The tokenizer that builds batches must use the same ids.
 *
 * @param sot start of text
 * @param eot end of text
 * @param img image placeholder: these positions take the latent tokens
 * @param soi start of image: the contrastive feature is read here
 * @param eoi end of image
 * @param pad padding (0 in the reference)
 */
public record SpecialTokenIds(
        @JsonProperty("sot") int sot,
        @JsonProperty("eot") int eot,
        @JsonProperty("img") int img,
        @JsonProperty("soi") int soi,
        @JsonProperty("eoi") int eoi,
        @JsonProperty("pad") int pad) {

    public SpecialTokenIds {
        int[] ids = {sot, eot, img, soi, eoi, pad};
        for (int i = 0; i < ids.length; i++) {
            VisionConfig.require(ids[i] >= 0, "special_token_ids must be >= 0");
            for (int j = 0; j < i; j++) {
                VisionConfig.require(ids[i] != ids[j], "special_token_ids must be distinct, got " + java.util.Arrays.toString(ids));
            }
        }
    }
}
