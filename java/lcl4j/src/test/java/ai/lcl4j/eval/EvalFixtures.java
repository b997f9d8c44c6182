package ai.lcl4j.eval;

import ai.lcl4j.data.text.ByteTokenizer;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A tiny model whose special ids are ByteTokenizer's, and image files for fixtures. */
final class EvalFixtures {
    private EvalFixtures() {}

    /** T = 9 latent tokens (24 px, patch 8), widths 64, two layers, context 64, ByteTokenizer ids (lcl-tiny's). */
    static ModelConfig tinyConfig() {
        return ModelConfigs.get("lcl-tiny", Map.of(
                "embed_dim", 64,
                "vision_cfg", Map.of("image_size", 24, "layers", 2, "width", 64, "patch_size", 8, "head_width", 32),
                "text_cfg", Map.of("context_length", 64, "vocab_size", 262, "width", 64, "heads", 2, "layers", 2),
                "pool_project_cfg", Map.of("input_dim", 64, "output_dim", 64, "attn_num_heads", 2)));
    }

    static LclModel tinyModel() {
        return new LclModel(tinyConfig(), ModelOptions.defaults().withBackend(Backend.LIBTORCH).withSeed(3));
    }

    /** A w x h PNG of one colour with a contrasting square, so images differ. */
    static void png(Path file, int w, int h, Color fill, int squareAt) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(fill);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.WHITE);
        g.fillRect(squareAt % w, squareAt % h, w / 3, h / 3);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(img, "png", file.toFile());
    }

    /** Bytes that start like a PNG and then stop: a decoder must fail on them. */
    static void corruptPng(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0});
    }
}
