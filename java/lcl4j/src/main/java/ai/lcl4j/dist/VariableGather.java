package ai.lcl4j.dist;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The result of {@link ProcessGroup#allGatherVariable}: every rank's rows, each rank's block padded with
 * zeros to the largest row count so that one fixed-size all-gather carries them.
 *
 * <p>Layout of {@code padded} ({@code world * maxRows} rows): rank r's rows are
 * {@code [r * maxRows, r * maxRows + rows[r])}; {@code valid} is true exactly there. {@link #compact()}
 * drops the padding (rank r then starts at {@link #compactOffset(int)}).
 */
public record VariableGather(Tensor padded, Tensor valid, long[] rows, long maxRows) {
    public int worldSize() {
        return rows.length;
    }

    public long paddedOffset(int rank) {
        return rank * maxRows;
    }

    public long compactOffset(int rank) {
        long off = 0;
        for (int r = 0; r < rank; r++) off += rows[r];
        return off;
    }

    public long totalRows() {
        return compactOffset(rows.length);
    }

    /** The ranks' rows back to back, no padding: {@code totalRows()} rows. */
    public Tensor compact() {
        if (maxRows == 0) return padded;
        TensorVector parts = new TensorVector();
        for (int r = 0; r < rows.length; r++) parts.push_back(padded.narrow(0, paddedOffset(r), rows[r]));
        return torch.cat(parts, 0);
    }
}
