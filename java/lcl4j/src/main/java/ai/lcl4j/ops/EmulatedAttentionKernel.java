package ai.lcl4j.ops;

import ai.lcl4j.kernels.AttentionKernel;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * {@link AttentionKernel} in plain libtorch math with hand-written backward
 * formulas (no autograd): the native kernel's contract without the native library,
 * for tests of the tape, the boundaries and checkpointing that ask for it by name
 * ({@link FusedKernels#emulated()}); never a silent stand-in for the native kernel.
 * Materialises the L x L scores, so it is for tests only.
 *
 * <p>Backward, with P = exp(S - lse), S = scale * q k^T (masked):
 * dv = P^T dO; dP = dO v^T; Di = rowsum(dO * O); dS = P * (dP - Di);
 * dq = scale * dS k; dk = scale * dS^T q.
 */
public final class EmulatedAttentionKernel implements AttentionKernel {

    @Override
    public Output forward(Tensor q, Tensor k, Tensor v, boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor s = scores(q, k, causal, scale, validLens, segmentIds);
            Tensor lse = torch.logsumexp(s, new long[] {-1}, false);
            Tensor p = s.sub(lse.unsqueeze(-1)).exp();
            return new Output(torch.matmul(p, v).contiguous(), lse);
        }
    }

    @Override
    public Grads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse,
                          boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
        try (NoGradGuard g = new NoGradGuard()) {
            Tensor s = scores(q, k, causal, scale, validLens, segmentIds);
            Tensor p = s.sub(lse.unsqueeze(-1)).exp();
            Tensor dv = torch.matmul(p.transpose(-2, -1), dout);
            Tensor dp = torch.matmul(dout, v.transpose(-2, -1));
            Tensor di = dout.mul(out).sum(new long[] {-1}, true, new org.bytedeco.pytorch.ScalarTypeOptional());
            Tensor ds = p.mul(dp.sub(di)).mul(Tensors.scalar(scale));
            Tensor dq = torch.matmul(ds, k);
            Tensor dk = torch.matmul(ds.transpose(-2, -1), q);
            return new Grads(dq.contiguous(), dk.contiguous(), dv.contiguous());
        }
    }

    /** scale * q k^T with masked entries at -inf: future keys (causal), keys past validLens, keys of other documents. */
    private static Tensor scores(Tensor q, Tensor k, boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
        long b = q.size(0), l = q.size(2);
        Tensor s = torch.matmul(q, k.transpose(-2, -1)).mul(Tensors.scalar(scale)); // (B,H,L,L)
        Tensor keyPos = torch.arange(Tensors.scalar(l), Tensors.i64());
        Tensor mask = torch.zeros(new long[] {b, 1, l, l}, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Bool));
        if (causal) {
            // key j is hidden from query i when j > i
            mask = mask.logical_or(keyPos.view(1, 1, 1, l).gt(keyPos.view(1, 1, l, 1)));
        }
        if (validLens != null) {
            Tensor lens = validLens.to(torch.ScalarType.Long).view(b, 1, 1, 1);
            mask = mask.logical_or(keyPos.view(1, 1, 1, l).ge(lens));
        }
        if (segmentIds != null) {
            Tensor seg = segmentIds.to(torch.ScalarType.Long);
            mask = mask.logical_or(seg.view(b, 1, l, 1).ne(seg.view(b, 1, 1, l)));
        }
        return s.masked_fill(mask, Tensors.scalar(Double.NEGATIVE_INFINITY));
    }
}
