package ai.lcl4j.bench;

import java.util.List;

/** The whole-LCL-step cases (filled in once the model module lands). */
final class StepCases {
    private StepCases() {}

    static List<Ratios.Case> cases(boolean quick) {
        return List.of();
    }
}
