package ai.lcl4j.data.source;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Brace expansion as webdataset's braceexpand writes shard lists. */
class ShardUrlsTest {
    @Test
    void rangesKeepTheirZeroPadding() {
        assertEquals(List.of("https://h/p/shard-000000.tar", "https://h/p/shard-000001.tar", "https://h/p/shard-000002.tar"),
                ShardUrls.expand("https://h/p/shard-{000000..000002}.tar"));
        List<String> hundred = ShardUrls.expand("https://h/s-{000000..000099}.tar");
        assertEquals(100, hundred.size());
        assertEquals("https://h/s-000099.tar", hundred.get(99));
        assertEquals(List.of("8", "9", "10"), ShardUrls.expand("{8..10}"), "no leading zero: no padding");
        assertEquals(List.of("08", "09", "10", "11"), ShardUrls.expand("{08..11}"));
        assertEquals(List.of("0", "1"), ShardUrls.expand("{0..1}"), "a bare 0 is not a leading zero");
        assertEquals(List.of("-01", "000", "001"), ShardUrls.expand("{-01..1}"));
    }

    @Test
    void stepsDescendingRangesAndLetters() {
        assertEquals(List.of("0", "5", "10"), ShardUrls.expand("{0..10..5}"));
        assertEquals(List.of("3", "2", "1"), ShardUrls.expand("{3..1}"));
        assertEquals(List.of("a", "c", "e"), ShardUrls.expand("{a..e..2}"));
    }

    @Test
    void listsNestingProductsAndJoinedPatterns() {
        assertEquals(List.of("a1", "a2", "b1", "b2"), ShardUrls.expand("{a,b}{1..2}"), "left group varies slowest");
        assertEquals(List.of("xa", "xb1", "xb2"), ShardUrls.expand("x{a,b{1,2}}"));
        assertEquals(List.of("u/0.tar", "v/1.tar", "v/2.tar"), ShardUrls.expand("u/0.tar::v/{1..2}.tar"));
        assertEquals(List.of("pipe:cat /d/s-00.tar", "pipe:cat /d/s-01.tar"), ShardUrls.expand("pipe:cat /d/s-{00..01}.tar"));
    }

    @Test
    void escapesAndBracesThatAreNoGroup() {
        assertEquals(List.of("{a,b}"), ShardUrls.expand("\\{a,b\\}"));
        assertEquals(List.of("{a,b}"), ShardUrls.expand("{a\\,b}"), "an escaped comma makes no list");
        assertEquals(List.of("${HOME}/x"), ShardUrls.expand("${HOME}/x"), "a shell variable is no group");
        assertEquals(List.of("{a}", "unclosed {"), List.of(ShardUrls.expand("{a}").get(0), ShardUrls.expand("unclosed {").get(0)));
    }

    @Test
    void remoteLocationsAndBaseNames() {
        assertTrue(ShardUrls.isRemote("https://h/x.tar"));
        assertTrue(ShardUrls.isRemote("HTTP://h/x.tar"));
        assertTrue(ShardUrls.isRemote("pipe:cat x"));
        assertFalse(ShardUrls.isRemote("/data/shards"));
        assertFalse(ShardUrls.isRemote("s3://b/k.tar"), "s3 goes through pipe:aws s3 cp ... -");
        assertEquals("shard-000.tar", RemoteShard.lastSegment("https://h/p/shard-000.tar?X-Amz-Signature=abc"));
        assertEquals("s-1.tar -", RemoteShard.lastSegment("aws s3 cp s3://b/s-1.tar -"));
        assertThrows(IllegalArgumentException.class, () -> ShardUrls.expand("x{0..99999999999}"));
    }
}
