package ai.lcl4j.model;

/**
 * The vision tower, as OpenCLIP's {@code vision_cfg}: an OpenCLIP-style ViT whose
 * class token is dropped after {@code ln_post} (LCL-SPEC section 4).
 *
 * @param imageSize  input side in pixels (square images)
 * @param layers     residual blocks
 * @param width      token width
 * @param patchSize  patch side in pixels; must divide imageSize
 * @param headWidth  per-head width; heads = width / headWidth (null: 64, OpenCLIP's default)
 * @param mlpRatio   MLP hidden = width * mlpRatio (null: 4.0)
 */
public record VisionConfig(int imageSize, int layers, int width, int patchSize, Integer headWidth, Double mlpRatio) {

    public VisionConfig {
        if (headWidth == null) headWidth = 64;
        if (mlpRatio == null) mlpRatio = 4.0;
        require(imageSize > 0 && layers > 0 && width > 0 && patchSize > 0, "image_size, layers, width, patch_size must be > 0");
        require(imageSize % patchSize == 0, "image_size " + imageSize + " must be a multiple of patch_size " + patchSize);
        require(headWidth > 0 && width % headWidth == 0, "width " + width + " must be a multiple of head_width " + headWidth);
        require(mlpRatio > 0, "mlp_ratio must be > 0");
    }

    /** Patches per side. */
    public int grid() { return imageSize / patchSize; }

    /** Latent tokens per image (T in LCL-SPEC): the patch grid, class token excluded. */
    public int numPatches() { return grid() * grid(); }

    public int heads() { return width / headWidth; }

    /** int(width * mlp_ratio), truncated as Python's int() does. */
    public int mlpWidth() { return (int) (width * mlpRatio); }

    static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
