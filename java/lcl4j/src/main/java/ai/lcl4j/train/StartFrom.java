package ai.lcl4j.train;

import java.nio.file.Path;

/**
 * A new run that starts from weights outside its run folder: {@code --init-from FILE} (weights only, from
 * any source {@link ai.lcl4j.optim.WeightSources} reads; a fresh optimiser at step 0: fine-tuning or
 * continued pre-training) or {@code --resume-from FILE.pt} (a run of the reference trainer: its weights,
 * AdamW moments and step count, so that the run started in Python continues here). Either way the run
 * folder is a new lcl4j run; {@link ExternalStart} loads the file and describes it for the run's records.
 *
 * @param file         the file (or, for weights, folder) named on the command line
 * @param referenceRun true for {@code --resume-from}, false for {@code --init-from}
 */
public record StartFrom(Path file, boolean referenceRun) {
    public StartFrom {
        if (file == null) throw new IllegalArgumentException("StartFrom: a file is needed");
    }

    public static StartFrom weights(Path file) {
        return new StartFrom(file, false);
    }

    public static StartFrom referenceRun(Path file) {
        return new StartFrom(file, true);
    }

    /** The command-line flag that asks for this start, for messages. */
    public String flag() {
        return referenceRun ? "--resume-from" : "--init-from";
    }
}
