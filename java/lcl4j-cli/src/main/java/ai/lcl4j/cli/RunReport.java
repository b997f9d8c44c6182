package ai.lcl4j.cli;

import ai.lcl4j.report.Report;
import ai.lcl4j.train.TrainConfig;
import ai.lcl4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The report of a finished training run, drawn by the command after the trainer returns: the run folder's
 * metrics on a log-scale loss axis, its configuration and the skip counts of the whole run.
 */
final class RunReport {
    private RunReport() {}

    /** Writes {@code cfg.out()/report.html} and its plots; returns the page. */
    static Path render(TrainConfig cfg, Trainer.Result result) throws IOException {
        return Report.render(cfg.out(), Report.Inputs.defaults().withConfig(cfg.toJson())
                .withSkipCounts(result.skips()).withLogScaleLoss(true));
    }
}
