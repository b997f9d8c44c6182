package ai.lcl4j.data.source;

import static org.junit.jupiter.api.Assertions.*;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The pure-Java page codecs against the JNI libraries that parquet writers use (snappy-java and zstd-jni
 * wrap the reference C/C++ implementations that pyarrow and parquet-java call): pages they write, we read,
 * and the other way round, on fresh random and text-like pages of odd sizes.
 */
class ParquetCodecsTest {
    private final long seed = System.nanoTime();
    private final Random rnd = new Random(seed);

    /** Random bytes (incompressible), text-like runs (compressible), and the empty page. */
    private byte[][] pages() {
        byte[] noise = new byte[1 + rnd.nextInt(70_000)];
        rnd.nextBytes(noise);
        StringBuilder text = new StringBuilder();
        String[] words = {"image", "text", "latent", "the", "of", "a", "document", "{\"url\": \"https://x\"}"};
        while (text.length() < 100_003) text.append(words[rnd.nextInt(words.length)]).append(' ');
        return new byte[][] {noise, text.toString().getBytes(StandardCharsets.UTF_8), new byte[0]};
    }

    @Test
    void readsSnappyPagesTheReferenceWrites() throws IOException {
        for (byte[] page : pages()) {
            byte[] got = ParquetCodecs.inflate(CompressionCodecName.SNAPPY, Snappy.compress(page), page.length);
            assertArrayEquals(page, got, "seed " + seed + ", " + page.length + " bytes");
        }
    }

    @Test
    void readsZstdPagesTheReferenceWrites() throws IOException {
        for (byte[] page : pages()) {
            for (int level : new int[] {1, 3, 19}) {
                byte[] got = ParquetCodecs.inflate(CompressionCodecName.ZSTD, Zstd.compress(page, level), page.length);
                assertArrayEquals(page, got, "seed " + seed + ", level " + level + ", " + page.length + " bytes");
            }
            // a streamed frame: no content size in its header
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            try (ZstdOutputStream z = new ZstdOutputStream(bo)) {
                z.write(page);
            }
            assertArrayEquals(page, ParquetCodecs.inflate(CompressionCodecName.ZSTD, bo.toByteArray(), page.length),
                    "seed " + seed + ", streamed, " + page.length + " bytes");
        }
    }

    @Test
    void theReferenceReadsPagesWeWrite() throws IOException {
        ParquetCodecs codecs = new ParquetCodecs();
        for (byte[] page : pages()) {
            byte[] snappy = codecs.getCompressor(CompressionCodecName.SNAPPY).compress(BytesInput.from(page)).toByteArray();
            assertArrayEquals(page, Snappy.uncompress(snappy), "seed " + seed);
            byte[] zstd = codecs.getCompressor(CompressionCodecName.ZSTD).compress(BytesInput.from(page)).toByteArray();
            assertArrayEquals(page, Zstd.decompress(zstd, page.length), "seed " + seed);
            byte[] gzip = codecs.getCompressor(CompressionCodecName.GZIP).compress(BytesInput.from(page)).toByteArray();
            assertArrayEquals(page, ParquetCodecs.inflate(CompressionCodecName.GZIP, gzip, page.length), "seed " + seed);
        }
    }

    @Test
    void aCorruptOrShortPageIsAnIoErrorNamingTheCodec() throws IOException {
        byte[] page = pages()[1];
        for (CompressionCodecName codec : new CompressionCodecName[] {CompressionCodecName.SNAPPY, CompressionCodecName.ZSTD}) {
            byte[] packed = codec == CompressionCodecName.SNAPPY ? Snappy.compress(page) : Zstd.compress(page);
            byte[] truncated = java.util.Arrays.copyOf(packed, packed.length / 2);
            IOException e = assertThrows(IOException.class, () -> ParquetCodecs.inflate(codec, truncated, page.length));
            assertTrue(e.getMessage().contains(codec.name()), e.getMessage());
            // the page header declares more bytes than the page holds
            IOException big = assertThrows(IOException.class, () -> ParquetCodecs.inflate(codec, packed, page.length + 7));
            assertTrue(big.getMessage().contains(codec.name()), big.getMessage());
        }
    }
}
