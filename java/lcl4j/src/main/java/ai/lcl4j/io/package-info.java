/**
 * Weight interop: the safetensors format in pure Java over libtorch tensors
 * ({@link ai.lcl4j.io.Safetensors}, {@link ai.lcl4j.io.SafetensorsReader}); {@code torch.save}
 * files read safely, tensors and containers only ({@link ai.lcl4j.io.TorchFile}); the one entry
 * point for weights from either, or an lcl4j checkpoint folder ({@link ai.lcl4j.io.WeightsFile});
 * the reference trainer's checkpoints with their optimiser state
 * ({@link ai.lcl4j.io.ReferenceCheckpoint}); the state-dict name/shape check the model runs on
 * load ({@link ai.lcl4j.io.StateDicts}). Depends on libtorch, Jackson and, for converting
 * lcl4j's former parameter names, {@code ai.lcl4j.model.LegacyStateDict}.
 */
package ai.lcl4j.io;
