package ai.lcl4j.data.source;

/**
 * Thrown inside a reader when one record cannot be used; the reader catches it,
 * counts it under {@link #reason()} and moves on. Never escapes a reader.
 */
final class BadRecord extends Exception {
    private final String reason;

    BadRecord(String reason, String detail) {
        super(detail, null, false, false); // no stack trace: this is control flow for bad data
        this.reason = reason;
    }

    String reason() {
        return reason;
    }
}
