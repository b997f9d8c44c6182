package ai.lcl4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The whole-LCL-step cases of the profile: fused kernels vs the pure-libtorch switch. */
final class StepCases {
    private StepCases() {}

    static List<Ratios.Case> cases(boolean quick) {
        List<Ratios.Case> out = new ArrayList<>();
        out.add(new Ratios.Case("LCL step lcl-tiny (B8, 24 images)", StepBench.class.getName() + ".step",
                Map.of("config", "lcl-tiny"), List.of("fused", "libtorch")));
        if (!quick) {
            out.add(new Ratios.Case("LCL step lcl-small (B8 L256, 24 images)", StepBench.class.getName() + ".step",
                    Map.of("config", "lcl-small"), List.of("fused", "libtorch")));
        }
        return out;
    }
}
