/**
 * The training loop: {@link ai.lcl4j.train.Trainer} runs one LCL run from a
 * {@link ai.lcl4j.train.TrainConfig} (data → loss → backward → clip → AdamW →
 * logit_scale clamp, with metrics, evaluation, checkpoints and exact resume);
 * {@link ai.lcl4j.train.TrainData} is its input stream, {@link ai.lcl4j.train.TrainStep}
 * one optimiser step, and {@link ai.lcl4j.train.DataParallel} with
 * {@link ai.lcl4j.train.DataParallelCheckpoints} the same over several processes.
 *
 * <p>The generic parts it strings together (AdamW, the schedule, clipping,
 * checkpoint folders) are in {@code ai.lcl4j.optim}; the metrics file and progress
 * bar in {@code ai.lcl4j.metrics}. The report is the command's to draw, after the run.
 */
package ai.lcl4j.train;
