package ai.lcl4j.cli;

import ai.lcl4j.train.RunStart;
import ai.lcl4j.train.TrainConfig;
import ai.lcl4j.train.Trainer;
import java.io.PrintStream;

/** {@code lcl4j train}: one LCL (or ablation) training run from flags and/or a --config file. */
final class TrainCommand implements Command {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String description() {
        return "Train the LCL model (or an ablation) on MMC4/OBELICS/WanJuan/webdataset/CSV data.";
    }

    @Override
    public void declare(Flags flags) {
        TrainFlags.declare(flags);
    }

    @Override
    public int run(ParsedArgs args, PrintStream out, PrintStream err) throws Exception {
        TrainFlags.checkModel(args);
        TrainConfig cfg = TrainFlags.config(args, TrainFlags.sources(args));
        RunStart start = TrainFlags.start(args);
        DataParallelLaunch.Plan plan = DataParallelLaunch.plan(cfg.distributed(), System.getenv());
        if (plan.launch()) return DataParallelLaunch.launchLocalRanks(cfg.distributed(), out, err);
        DataParallelLaunch.Trained t = DataParallelLaunch.train(plan, cfg, Evaluations.forRun(cfg, err),
                start, err);   // progress on stderr: stdout carries the summary below
        if (t.report() == null) return Cli.EXIT_OK;   // a data-parallel rank other than 0: rank 0 reports
        Trainer.Result r = t.result();
        out.println("final losses " + r.lastLosses());
        if (!r.lastEval().isEmpty()) out.println("final eval " + r.lastEval());
        out.println("report: " + t.report());
        return Cli.EXIT_OK;
    }
}
