package ai.lcl4j.bench;

import ai.lcl4j.ops.AttentionKernel;
import ai.lcl4j.ops.FusedKernels;
import ai.lcl4j.ops.InfoNceKernel;
import org.bytedeco.pytorch.Tensor;

/**
 * The native kernel pair with a stopwatch around every call, so a step profile can
 * say how much of the step the fused kernels are (and so how much any kernel
 * speed-up could still save). CPU kernels run synchronously, so wall time is exact.
 */
final class TimedKernels {
    long attentionForwardNs, attentionBackwardNs, infoNceForwardNs, infoNceBackwardNs;

    void reset() {
        attentionForwardNs = attentionBackwardNs = infoNceForwardNs = infoNceBackwardNs = 0;
    }

    long totalNs() {
        return attentionForwardNs + attentionBackwardNs + infoNceForwardNs + infoNceBackwardNs;
    }

    FusedKernels wrap(FusedKernels inner) {
        AttentionKernel a = inner.attention();
        InfoNceKernel n = inner.infoNce();
        AttentionKernel timedAttention = new AttentionKernel() {
            @Override
            public Output forward(Tensor q, Tensor k, Tensor v, boolean causal, float scale, Tensor validLens, Tensor segmentIds) {
                long t0 = System.nanoTime();
                try {
                    return a.forward(q, k, v, causal, scale, validLens, segmentIds);
                } finally {
                    attentionForwardNs += System.nanoTime() - t0;
                }
            }

            @Override
            public Grads backward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, boolean causal,
                                  float scale, Tensor validLens, Tensor segmentIds) {
                long t0 = System.nanoTime();
                try {
                    return a.backward(dout, q, k, v, out, lse, causal, scale, validLens, segmentIds);
                } finally {
                    attentionBackwardNs += System.nanoTime() - t0;
                }
            }
        };
        InfoNceKernel timedInfoNce = new InfoNceKernel() {
            @Override
            public Output forward(Tensor image, Tensor text, Tensor imageAll, Tensor textAll, Tensor globalValid,
                                  long offset, Tensor scale, float normalizer) {
                long t0 = System.nanoTime();
                try {
                    return n.forward(image, text, imageAll, textAll, globalValid, offset, scale, normalizer);
                } finally {
                    infoNceForwardNs += System.nanoTime() - t0;
                }
            }

            @Override
            public Grads backward(Tensor dloss, Tensor image, Tensor text, Tensor imageAll, Tensor textAll,
                                  Tensor globalValid, long offset, Tensor scale, float normalizer, Tensor lseI2t,
                                  Tensor lseT2i) {
                long t0 = System.nanoTime();
                try {
                    return n.backward(dloss, image, text, imageAll, textAll, globalValid, offset, scale, normalizer,
                            lseI2t, lseT2i);
                } finally {
                    infoNceBackwardNs += System.nanoTime() - t0;
                }
            }
        };
        return new FusedKernels(timedAttention, timedInfoNce);
    }
}
