package ai.lcl4j.data.source;

/**
 * The reasons readers pass to {@link ai.lcl4j.data.SkipLog#skip}; stable strings
 * so tests and run summaries can count them. Image-level reasons count images
 * dropped from a document that may still be used; the others count records.
 */
public final class SkipReasons {
    private SkipReasons() {
    }

    /** An image file named by a record does not exist (counted per image). */
    public static final String MISSING_IMAGE = "missing image file";
    /** An image file exists but is empty (counted per image). */
    public static final String ZERO_BYTE_IMAGE = "zero-byte image file";
    /** A JSONL line that is not a JSON object. */
    public static final String MALFORMED_JSON = "malformed json";
    /** A field is absent or of the wrong JSON/Parquet type. */
    public static final String WRONG_FIELD_TYPE = "wrong field type";
    /** A zip/tar/parquet file ends early or cannot be opened; the rest of the file is lost. */
    public static final String TRUNCATED_SHARD = "truncated or unreadable shard";
    /** An OBELICS row whose images/texts/metadata lists differ in length or break alternation. */
    public static final String MISMATCHED_LISTS = "mismatched image/text lists";
    /** A document that lists no image at all. */
    public static final String NO_IMAGES = "document with no images";
    /** A document whose images were all dropped (missing or empty files). */
    public static final String NO_USABLE_IMAGES = "no usable images";
    /** A document or pair with no non-blank text. */
    public static final String EMPTY_TEXT = "empty text";
    /** A webdataset sample without an image or without a caption. */
    public static final String INCOMPLETE_SAMPLE = "sample missing image or text";
    /** A CSV row with too few columns or an unterminated quote. */
    public static final String MALFORMED_ROW = "malformed csv row";
    /** A matched sentence index outside the document's sentences. */
    public static final String BAD_SENTENCE_INDEX = "sentence index out of range";
    /** A path in a record that is absolute where a relative one is required (counted per image or sample). */
    public static final String ABSOLUTE_PATH = "absolute image path";
    /** A path in a record that resolves outside the configured folder (counted per image or sample). */
    public static final String PATH_OUTSIDE = "image path outside the image folder";
    /** A path in a record that is empty or not a valid path on this system (counted per image or sample). */
    public static final String INVALID_PATH = "invalid image path";
}
