package ai.lcl4j.model;

import org.bytedeco.pytorch.Tensor;

/**
 * What the first pass of an accumulated step keeps of one micro-batch ({@link LclModel#contrastiveFeatures}):
 * its contrastive features, computed without grad, and its loss counts.
 *
 * @param image   (pairs, E) float32 normalised pooled latents of the paired images, or null when the contrastive
 *                loss is off (w_con = 0)
 * @param text    (pairs, E) float32 normalised text features at the paired soi, or null likewise
 * @param pairs   soi/image pairs
 * @param targets counted next-token targets
 */
public record MicroBatchFeatures(Tensor image, Tensor text, long pairs, long targets) {}
