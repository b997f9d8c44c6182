package ai.lcl4j.model;

import ai.lcl4j.ops.Ops;
import org.bytedeco.pytorch.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A stack of {@link ResidualBlock}s ({@code transformer.resblocks.i}) run through
 * {@link Ops}: each attention is a segment boundary on the fused backend, and the
 * segments between them are "rest of block i-1, then block i up to its
 * attention", so backward costs one walk per block.
 */
final class Transformer {
    final List<ResidualBlock> blocks = new ArrayList<>();

    Transformer(Params.Scope s, int width, int heads, int mlpWidth, int layers) {
        for (int i = 0; i < layers; i++) {
            blocks.add(new ResidualBlock(s.scope("resblocks." + i), width, heads, mlpWidth, layers));
        }
    }

    /**
     * @param input the segment producing the stack's input (B,L,W) from leaves, parameters, constants
     * @param top   maps the last block's output to the tower's outputs; runs inside the
     *              tower's closing cut (so the tower is walked once even if the outputs fan out)
     */
    List<Tensor> run(Ops ops, Supplier<Tensor> input, boolean causal, Function<Tensor, List<Tensor>> top) {
        return run(ops, input, causal, null, top);
    }

    /** As {@link #run(Ops, Supplier, boolean, Function)}, attention kept within segments (B,L) int32 when not null. */
    List<Tensor> run(Ops ops, Supplier<Tensor> input, boolean causal, Tensor segmentIds, Function<Tensor, List<Tensor>> top) {
        ResidualBlock first = blocks.get(0);
        List<Tensor> up = ops.attention(() -> first.qkv(input.get()), causal, first.scale(), segmentIds);
        for (int i = 1; i < blocks.size(); i++) {
            ResidualBlock prev = blocks.get(i - 1), block = blocks.get(i);
            List<Tensor> below = up;
            up = ops.attention(() -> block.qkv(prev.finish(below.get(1), below.get(0))), causal, block.scale(), segmentIds);
        }
        ResidualBlock last = blocks.get(blocks.size() - 1);
        List<Tensor> below = up;
        return ops.cut(() -> top.apply(last.finish(below.get(1), below.get(0))));
    }
}
