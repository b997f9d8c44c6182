/**
 * Optimisation and checkpoints, generic over named tensors: AdamW with
 * OpenCLIP's decay groups ({@link ai.lcl4j.train.AdamW},
 * {@link ai.lcl4j.train.DecayGroups}), the warm-up + cosine learning-rate
 * schedule ({@link ai.lcl4j.train.CosineSchedule}), gradient clipping
 * ({@link ai.lcl4j.train.GradClip}) and crash-safe checkpoint folders
 * ({@link ai.lcl4j.train.CheckpointStore}).
 */
package ai.lcl4j.train;
