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
 * @param from           for a fresh start, the weights (and, from a reference run, optimiser state and step)
 *                       it begins with; null: the model's seeded initialisation. A resume continues its own
 *                       checkpoint and takes none.
 */
public record RunStart(boolean resume, Set<String> allowedChanges, StartFrom from) {
    public RunStart {
        Set<String> keys = new TreeSet<>();
        for (String s : allowedChanges) keys.add(RunConfigDiff.configKey(s));
        allowedChanges = Set.copyOf(keys);
        if (resume && from != null)
            throw new IllegalArgumentException("--resume continues the run in its folder; " + from.flag()
                    + " starts a new run from " + from.file() + ": give one of them");
    }

    public RunStart(boolean resume, Set<String> allowedChanges) {
        this(resume, allowedChanges, null);
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
        return new RunStart(resume, all, from);
    }

    /** This start, beginning with {@code from} (null: the seeded initialisation). */
    public RunStart from(StartFrom from) {
        return new RunStart(resume, allowedChanges, from);
    }
}
