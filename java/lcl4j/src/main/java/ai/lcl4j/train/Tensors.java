package ai.lcl4j.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Native-memory helpers shared by the optimiser and the gradient clipper. */
final class Tensors {
    private Tensors() {}

    /**
     * Marks a long-lived tensor so that no {@link PointerScope} frees it: a
     * caller may run a whole training step inside its own scope, and optimiser
     * state created during the first step must outlive that scope.
     */
    static Tensor keep(Tensor t) {
        t.retainReference();
        return t;
    }

    /** A zero tensor shaped, typed and placed like {@code p}, not tracked by autograd, kept alive. */
    static Tensor zerosLike(Tensor p) {
        try (PointerScope ignored = new PointerScope()) {
            Tensor z = torch.empty_like(p.detach());
            z.zero_();
            return keep(z);
        }
    }

    /** A copy of {@code src} in {@code like}'s dtype and device, kept alive. */
    static Tensor copyLike(Tensor like, Tensor src) {
        try (PointerScope ignored = new PointerScope()) {
            Tensor z = torch.empty_like(like.detach());
            z.copy_(src);
            return keep(z);
        }
    }

    static long[] shape(Tensor t) {
        try (PointerScope ignored = new PointerScope()) {
            return t.sizes().vec().get();
        }
    }
}
