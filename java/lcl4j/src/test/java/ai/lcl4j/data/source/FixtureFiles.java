package ai.lcl4j.data.source;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes fixture files for the reader tests. */
final class FixtureFiles {
    private FixtureFiles() {
    }

    static Path lines(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        return file;
    }

    /** A zip holding one member named like the zip without ".zip", as MMC4's shards are. */
    static Path zippedLines(Path zip, List<String> lines) throws IOException {
        Files.createDirectories(zip.getParent());
        String member = zip.getFileName().toString().replaceFirst("\\.zip$", "");
        try (OutputStream os = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(os)) {
            z.putNextEntry(new ZipEntry(member));
            z.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
        return zip;
    }

    /** Fake image bytes: readers never decode, so any non-empty content is an image to them. */
    static Path image(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "img:" + file.getFileName());
        return file;
    }

    static Path truncate(Path file, long keep) throws IOException {
        byte[] b = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(b, (int) Math.min(keep, b.length)));
        return file;
    }
}
