package ai.lcl4j.dist;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Packs a list of tensors into flat buffers of about {@code bucketBytes} each, as DDP does, so that many
 * small gradients cost a few large collectives instead of one round trip each. Tensors are taken in order;
 * a bucket holds one dtype only (a flat buffer has one dtype); a tensor larger than a bucket gets a bucket of
 * its own and, when it is contiguous, is reduced in place without a copy.
 */
final class Buckets {
    /** One flat buffer and the tensors whose elements it carries, in order. */
    static final class Bucket {
        final List<Tensor> members = new ArrayList<>();
        long bytes;
        Tensor flat;
        boolean inPlace;

        /** Copies the members into one 1-D buffer (or aliases a single contiguous member). */
        void pack() {
            if (members.size() == 1 && members.get(0).is_contiguous()) {
                flat = members.get(0).view(-1);
                inPlace = true;
                return;
            }
            TensorVector parts = new TensorVector();
            for (Tensor t : members) parts.push_back(t.reshape(-1));
            flat = torch.cat(parts, 0);
        }

        /** Copies the buffer back into the members (nothing to do when it aliases its only member). */
        void unpack() {
            if (inPlace) return;
            long off = 0;
            for (Tensor t : members) {
                long n = t.numel();
                t.copy_(flat.narrow(0, off, n).view(t.sizes()));
                off += n;
            }
        }
    }

    private Buckets() {}

    static List<Bucket> plan(List<Tensor> tensors, long bucketBytes) {
        List<Bucket> out = new ArrayList<>();
        Bucket cur = null;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            if (t == null || !t.defined())
                throw new IllegalArgumentException("tensor #" + i + " is undefined (a gradient that was never computed?)");
            long b = t.nbytes();
            // JavaCPP hands back fresh enum objects: compare the native values, never with ==.
            boolean fits = cur != null && cur.members.get(0).scalar_type().value == t.scalar_type().value
                    && cur.members.get(0).device().str().getString().equals(t.device().str().getString())
                    && cur.bytes + b <= bucketBytes;
            if (!fits) {
                cur = new Bucket();
                out.add(cur);
            }
            cur.members.add(t);
            cur.bytes += b;
        }
        return out;
    }
}
