package ai.lcl4j.ops;

import org.bytedeco.pytorch.Tensor;

/**
 * The collectives the distributed contrastive loss needs (LCL-SPEC section 5, "local loss, gather with
 * grad"), kept abstract so that {@code ai.lcl4j.ops} and {@code ai.lcl4j.model} do not depend on a process
 * group: {@code ai.lcl4j.train.DataParallel} implements it on {@code ai.lcl4j.dist.ProcessGroup}.
 *
 * <p>Every method is a collective: all ranks call them in the same order.
 */
public interface RowGather {
    /** Rows gathered from every rank, each rank's block padded to the largest row count. */
    record Gathered(Tensor padded, Tensor valid, long offset, long[] rows) {
        public long total() {
            long n = 0;
            for (long r : rows) n += r;
            return n;
        }
    }

    int rank();

    int worldSize();

    /** Sums small integer counts over the ranks ({@code local.length} values per rank). */
    long[] sumCounts(long[] local);

    /** Gathers {@code local} (n_r x D, n_r may differ per rank) into the padded layout. */
    Gathered gatherRows(Tensor local);

    /** In-place sum over the ranks. */
    void allReduceSum(Tensor t);
}
