package ai.lcl4j.kernels;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class whose results depend on the order of floating-point reductions
 * (kernels against an oracle, fused against libtorch, bf16, data parallel, resume).
 * The build runs these classes again with the CPU kernels forced to each ISA level
 * and to 1 and 2 threads (the {@code numerics-*} surefire executions in java/pom.xml);
 * {@link KernelSettingsCheck} makes every such run prove it uses what it names.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(Numerics.TAG)
@ExtendWith(KernelSettingsCheck.class)
public @interface Numerics {
    String TAG = "numerics";
}
