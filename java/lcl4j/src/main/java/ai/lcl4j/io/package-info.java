/**
 * Weight interop: the safetensors format in pure Java over libtorch tensors
 * ({@link ai.lcl4j.io.Safetensors}, {@link ai.lcl4j.io.SafetensorsReader}) and
 * the state-dict name/shape check the model runs on load
 * ({@link ai.lcl4j.io.StateDicts}). Depends on libtorch and Jackson only.
 */
package ai.lcl4j.io;
