package ai.lcl4j.data.source;

import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Parquet page codecs without Hadoop. parquet-hadoop's own CodecFactory builds a
 * Hadoop Configuration for every codec, which needs Hadoop's XML and logging jars
 * (tens of MB). Snappy and Zstd are aircompressor's pure-Java codecs, which
 * parquet-hadoop already depends on (its JNI codecs, snappy-java and zstd-jni,
 * would unpack native code into the temp folder); GZIP is the JDK's.
 * Supported: UNCOMPRESSED, SNAPPY (HF's default), GZIP, ZSTD. Any other codec,
 * or a page its codec cannot decode, fails the file with an IOException naming
 * the codec (counted as an unreadable shard).
 */
public final class ParquetCodecs implements CompressionCodecFactory {

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return new BytesInputCompressor() {
            @Override
            public BytesInput compress(BytesInput bytes) throws IOException {
                byte[] in = bytes.toByteArray();
                switch (codec) {
                    case UNCOMPRESSED:
                        return BytesInput.from(in);
                    case SNAPPY: {
                        SnappyCompressor c = new SnappyCompressor();
                        byte[] out = new byte[c.maxCompressedLength(in.length)];
                        return BytesInput.from(Arrays.copyOf(out, c.compress(in, 0, in.length, out, 0, out.length)));
                    }
                    case ZSTD: {
                        ZstdCompressor c = new ZstdCompressor();
                        byte[] out = new byte[c.maxCompressedLength(in.length)];
                        return BytesInput.from(Arrays.copyOf(out, c.compress(in, 0, in.length, out, 0, out.length)));
                    }
                    case GZIP: {
                        ByteArrayOutputStream bo = new ByteArrayOutputStream();
                        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
                            gz.write(in);
                        }
                        return BytesInput.from(bo.toByteArray());
                    }
                    default:
                        throw new IOException("parquet codec " + codec + " is not supported by lcl4j");
                }
            }

            @Override
            public CompressionCodecName getCodecName() {
                return codec;
            }

            @Override
            public void release() {
            }
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return new BytesInputDecompressor() {
            @Override
            public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
                return BytesInput.from(inflate(codec, bytes.toByteArray(), uncompressedSize));
            }

            @Override
            public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                    throws IOException {
                byte[] in = new byte[compressedSize];
                input.duplicate().get(in);
                output.put(inflate(codec, in, uncompressedSize));
            }

            @Override
            public void release() {
            }
        };
    }

    static byte[] inflate(CompressionCodecName codec, byte[] in, int size) throws IOException {
        byte[] out;
        switch (codec) {
            case UNCOMPRESSED:
                out = in;
                break;
            case SNAPPY:
            case ZSTD:
                out = new byte[size];
                int n;
                try {
                    n = codec == CompressionCodecName.SNAPPY
                            ? new SnappyDecompressor().decompress(in, 0, in.length, out, 0, size)
                            : new ZstdDecompressor().decompress(in, 0, in.length, out, 0, size);
                } catch (RuntimeException e) { // aircompressor's MalformedInputException, or a page larger than declared
                    throw new IOException(codec + " page does not decode: " + e.getMessage(), e);
                }
                if (n != size) out = Arrays.copyOf(out, n);
                break;
            case GZIP:
                try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in))) {
                    out = gz.readAllBytes();
                }
                break;
            default:
                throw new IOException("parquet codec " + codec + " is not supported by lcl4j");
        }
        if (out.length != size) throw new IOException(codec + " page inflated to " + out.length + " bytes, expected " + size);
        return out;
    }

    @Override
    public void release() {
    }
}
