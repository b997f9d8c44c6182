package ai.lcl4j.data.source;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A shard served over http(s). A resumed read asks for {@code Range: bytes=N-}; a
 * server that answers 206 continues at N, one that ignores the header (200) sends the
 * whole body again and the first N bytes are skipped. 408, 429 and 5xx answers and
 * network errors are retried; other 4xx answers (404: no such shard) are not.
 */
final class HttpShard extends RemoteShard {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final String url;
    private final URL parsed;

    HttpShard(String url, RetryPolicy policy, Consumer<String> warn) {
        super(policy, warn);
        this.url = url;
        try {
            this.parsed = new URI(url).toURL();
        } catch (URISyntaxException | MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid shard URL: '" + url + "': " + e.getMessage());
        }
    }

    @Override
    String name() {
        return url;
    }

    @Override
    String key() {
        return lastSegment(url);
    }

    @Override
    ResumingInputStream.Opened openAt(long offset) throws IOException {
        HttpURLConnection c = (HttpURLConnection) parsed.openConnection();
        c.setConnectTimeout(policy.timeoutMs());
        c.setReadTimeout(policy.timeoutMs());
        c.setInstanceFollowRedirects(true);
        c.setUseCaches(false);
        if (offset > 0) c.setRequestProperty("Range", "bytes=" + offset + "-");
        int code;
        try {
            code = c.getResponseCode();
        } catch (IOException e) {
            c.disconnect();
            throw e;
        }
        if (code == HttpURLConnection.HTTP_OK) {
            InputStream in = new Disconnecting(c.getInputStream(), c);
            long length = c.getContentLengthLong();
            if (offset > 0) skipOrClose(in, offset); // the server ignored Range
            return new ResumingInputStream.Opened(in, length);
        }
        if (code == HttpURLConnection.HTTP_PARTIAL) {
            String range = c.getHeaderField("Content-Range");
            Matcher m = range == null ? null : CONTENT_RANGE.matcher(range.strip());
            if (m == null || !m.matches()) {
                c.disconnect();
                throw new IOException("206 answer without a usable Content-Range (" + range + ")");
            }
            long start = Long.parseLong(m.group(1));
            long total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            InputStream in = new Disconnecting(c.getInputStream(), c);
            if (start > offset) {
                in.close();
                throw new IOException("asked for bytes from " + offset + ", the server sent them from " + start);
            }
            if (start < offset) skipOrClose(in, offset - start);
            return new ResumingInputStream.Opened(in, total);
        }
        if (code == 416 && offset > 0) {
            // nothing left after offset: the previous connection ended exactly at the end
            c.disconnect();
            return new ResumingInputStream.Opened(InputStream.nullInputStream(), offset);
        }
        String message = code + " " + (c.getResponseMessage() == null ? "" : c.getResponseMessage());
        c.disconnect();
        if (code == 408 || code == 429 || code >= 500) throw new IOException("HTTP " + message);
        throw new ResumingInputStream.Permanent("HTTP " + message.strip());
    }

    private void skipOrClose(InputStream in, long n) throws IOException {
        try {
            ResumingInputStream.skipExactly(in, n, url);
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    /** Closing the body also drops the connection, so an early close never drains the rest of a large shard. */
    private static final class Disconnecting extends java.io.FilterInputStream {
        private final HttpURLConnection c;

        Disconnecting(InputStream in, HttpURLConnection c) {
            super(in);
            this.c = c;
        }

        @Override
        public void close() throws IOException {
            try {
                c.disconnect();
            } finally {
                super.close();
            }
        }
    }
}
