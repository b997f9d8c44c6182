package ai.lcl4j.train;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a run starts: fresh (its run folder must not hold another run's checkpoints), or resumed from the
 * newest checkpoint that verifies, with the settings that may deliberately differ from the recorded ones.
 *
 * @param resume         continue the run in the run folder
 * @param allowedChanges settings (config keys as in config.json, or flag names: {@code lr},
 *                       {@code batch-size}) a resume may change; each change is written to the run's
 *                       history. Ignored for a fresh start.
 */
public record RunStart(boolean resume, Set<String> allowedChanges) {
    public RunStart {
        Set<String> keys = new TreeSet<>();
        for (String s : allowedChanges) keys.add(RunConfigDiff.configKey(s));
        allowedChanges = Set.copyOf(keys);
    }

    public static RunStart fresh() {
        return new RunStart(false, Set.of());
    }

    public static RunStart resumed() {
        return new RunStart(true, Set.of());
    }

    /** This start, allowing the given settings to change on resume. */
    public RunStart allowing(List<String> settings) {
        Set<String> all = new TreeSet<>(allowedChanges);
        all.addAll(settings);
        return new RunStart(resume, all);
    }
}
