package ai.lcl4j.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** A torch.save zip assembled in a test: records stored uncompressed under one archive folder, as PyTorch writes them. */
final class TorchSaveFixture {
    private final Map<String, byte[]> records = new LinkedHashMap<>();

    TorchSaveFixture(byte[] pickle) {
        records.put("archive/data.pkl", pickle);
        records.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    }

    /** Storage record {@code data/<key>}. */
    TorchSaveFixture storage(String key, byte[] data) {
        records.put("archive/data/" + key, data);
        return this;
    }

    TorchSaveFixture record(String name, byte[] data) {
        records.put(name, data);
        return this;
    }

    TorchSaveFixture without(String name) {
        records.remove(name);
        return this;
    }

    byte[] bytes() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            for (Map.Entry<String, byte[]> r : records.entrySet()) {
                ZipEntry e = new ZipEntry(r.getKey());
                e.setMethod(ZipEntry.STORED);
                e.setSize(r.getValue().length);
                e.setCompressedSize(r.getValue().length);
                CRC32 crc = new CRC32();
                crc.update(r.getValue());
                e.setCrc(crc.getValue());
                z.putNextEntry(e);
                z.write(r.getValue());
                z.closeEntry();
            }
            ZipEntry v = new ZipEntry("archive/version");
            byte[] version = "3\n".getBytes(StandardCharsets.US_ASCII);
            v.setMethod(ZipEntry.STORED);
            v.setSize(version.length);
            v.setCompressedSize(version.length);
            CRC32 crc = new CRC32();
            crc.update(version);
            v.setCrc(crc.getValue());
            z.putNextEntry(v);
            z.write(version);
            z.closeEntry();
        }
        return bos.toByteArray();
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }
}
