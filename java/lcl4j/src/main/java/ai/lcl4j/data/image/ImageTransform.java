package ai.lcl4j.data.image;

import java.util.Random;

/**
 * OpenCLIP's image preprocessing, producing the model's input tensor.
 *
 * <ul>
 *   <li><b>eval</b>: resize the shorter side to {@code size} (bicubic; the longer side
 *       becomes {@code (int)(size * long / short)}, as torchvision truncates), then a
 *       centre crop of {@code size x size} (offsets rounded half to even, like
 *       Python's round).</li>
 *   <li><b>train</b>: torchvision RandomResizedCrop with scale (0.9, 1.0) and ratio
 *       (3/4, 4/3): up to 10 tries for an area fraction and log-uniform aspect that
 *       fit, else the centre crop of the clamped aspect; that crop resized to
 *       {@code size x size} bicubic.</li>
 * </ul>
 * Then ToTensor (/255) and Normalize with the CLIP mean/std, all in float32 like
 * torch. Output {@code float[3 * size * size]}, CHW. Draws come from the given
 * Random only, so a seed fixes the crop (eval draws nothing). Thread-safe.
 */
public final class ImageTransform {
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final int size;
    private final boolean train;
    private final double minScale, maxScale, minRatio, maxRatio;
    private final float[] mean, std;

    private ImageTransform(int size, boolean train, double minScale, double maxScale, double minRatio, double maxRatio,
                           float[] mean, float[] std) {
        if (size <= 0) throw new IllegalArgumentException("image size must be > 0, got " + size);
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("need 0 < minScale <= maxScale <= 1, got " + minScale + ", " + maxScale);
        }
        this.size = size;
        this.train = train;
        this.minScale = minScale;
        this.maxScale = maxScale;
        this.minRatio = minRatio;
        this.maxRatio = maxRatio;
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** Resize shorter side + centre crop, CLIP normalisation. */
    public static ImageTransform eval(int size) {
        return new ImageTransform(size, false, 1, 1, 1, 1, CLIP_MEAN, CLIP_STD);
    }

    /** RandomResizedCrop(scale 0.9-1.0, ratio 3/4-4/3), CLIP normalisation (OpenCLIP's train default). */
    public static ImageTransform train(int size) {
        return train(size, 0.9, 1.0);
    }

    public static ImageTransform train(int size, double minScale, double maxScale) {
        return new ImageTransform(size, true, minScale, maxScale, 3.0 / 4.0, 4.0 / 3.0, CLIP_MEAN, CLIP_STD);
    }

    public int size() {
        return size;
    }

    public boolean isTrain() {
        return train;
    }

    /** Floats per output image: 3 x size x size. */
    public int outputLength() {
        return 3 * size * size;
    }

    /** The normalised CHW tensor of {@code img}; {@code rnd} is used only by the train transform. */
    public float[] apply(RgbImage img, Random rnd) {
        return normalize(train ? randomResizedCrop(img, rnd) : resizeCenterCrop(img));
    }

    /** The 8-bit RGB image the model would see, before normalisation (size x size, interleaved). */
    public byte[] pixels(RgbImage img, Random rnd) {
        return train ? randomResizedCrop(img, rnd) : resizeCenterCrop(img);
    }

    byte[] resizeCenterCrop(RgbImage img) {
        int w = img.width(), h = img.height();
        int newW, newH;
        if (w <= h) {
            newW = size;
            newH = (int) ((long) size * h / w);
        } else {
            newH = size;
            newW = (int) ((long) size * w / h);
        }
        // torchvision's Resize leaves an image whose shorter side is already right untouched
        if ((w <= h && w == size) || (h < w && h == size)) {
            newW = w;
            newH = h;
        }
        int top = (int) Math.rint((newH - size) / 2.0);
        int left = (int) Math.rint((newW - size) / 2.0);
        if (top < 0 || left < 0) throw new IllegalStateException("crop larger than resized image");
        return BicubicResampler.resize(img, 0, 0, w, h, newW, newH, left, top, size, size);
    }

    byte[] randomResizedCrop(RgbImage img, Random rnd) {
        int[] box = cropBox(img.width(), img.height(), rnd);
        return BicubicResampler.resize(img, box[0], box[1], box[2], box[3], size, size, 0, 0, size, size);
    }

    /** torchvision RandomResizedCrop.get_params: {x, y, w, h}. */
    int[] cropBox(int width, int height, Random rnd) {
        double area = (double) width * height;
        double logMin = Math.log(minRatio), logMax = Math.log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + (maxScale - minScale) * rnd.nextDouble());
            double aspect = Math.exp(logMin + (logMax - logMin) * rnd.nextDouble());
            int w = (int) Math.rint(Math.sqrt(target * aspect));
            int h = (int) Math.rint(Math.sqrt(target / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int y = rnd.nextInt(height - h + 1);
                int x = rnd.nextInt(width - w + 1);
                return new int[] {x, y, w, h};
            }
        }
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < minRatio) {
            w = width;
            h = (int) Math.rint(w / minRatio);
        } else if (inRatio > maxRatio) {
            h = height;
            w = (int) Math.rint(h * maxRatio);
        } else {
            w = width;
            h = height;
        }
        return new int[] {(width - w) / 2, (height - h) / 2, w, h};
    }

    private float[] normalize(byte[] rgb) {
        int hw = size * size;
        float[] out = new float[3 * hw];
        for (int c = 0; c < 3; c++) {
            float m = mean[c], s = std[c];
            int base = c * hw;
            for (int i = 0; i < hw; i++) out[base + i] = ((rgb[i * 3 + c] & 0xFF) / 255f - m) / s;
        }
        return out;
    }
}
