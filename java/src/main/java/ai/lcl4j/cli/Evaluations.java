package ai.lcl4j.cli;

import ai.lcl4j.train.Trainer;
import java.nio.file.Path;

/** The held-out evaluation the trainer runs for an eval root (null root: none). */
final class Evaluations {
    private Evaluations() {}

    static Trainer.Evaluation forRoot(Path evalRoot) {
        return null;
    }
}
