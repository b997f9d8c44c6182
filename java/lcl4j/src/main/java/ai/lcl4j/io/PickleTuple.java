package ai.lcl4j.io;

import java.util.List;

/**
 * A Python tuple read from a pickle (lists come back as {@link java.util.List}, dicts as
 * {@link java.util.Map}; a tuple is kept apart because it is immutable and may be a dict key).
 *
 * @param items the elements (unmodifiable)
 * @param depth nesting depth of tuples inside (1 for a flat tuple), bounded by the reader
 */
public record PickleTuple(List<Object> items, int depth) {
    public PickleTuple {
        items = java.util.Collections.unmodifiableList(items);
    }

    public int size() { return items.size(); }

    public Object get(int i) { return items.get(i); }
}
