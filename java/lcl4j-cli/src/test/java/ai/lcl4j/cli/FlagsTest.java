package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlagsTest {
    enum Precision { FP32, BF16, MIXED_FP16 }

    static final Option<Double> LR = Option.number("lr", "peak learning rate").withDefault(3e-4)
            .check(v -> v > 0, "must be > 0");
    static final Option<Integer> STEPS = Option.integer("steps", "optimizer steps").required();
    static final Option<Long> SEED = Option.longInt("seed", "random seed").withDefault(42L);
    static final Option<Boolean> AMP = Option.flag("amp", "automatic mixed precision");
    static final Option<Path> OUT = Option.path("out", "run folder").metavar("DIR");
    static final Option<Precision> PRECISION = Option.choice("precision", Precision.class, "compute precision")
            .withDefault(Precision.BF16);
    static final Option<List<Integer>> GPUS = Option.integers("gpus", "device ids");
    static final Option<String> NAME = Option.string("run-name", "a name for the run");
    static final Option<Path> DATA = Option.path("data", "training shards").positional().required();

    static Flags flags() {
        return new Flags("lcl4j train", "Train an LCL model.")
                .add(LR, STEPS, SEED, AMP, OUT, PRECISION, GPUS, NAME, DATA).withConfigFile();
    }

    static String usageError(String... argv) {
        return assertThrows(UsageException.class, () -> flags().parse(argv)).getMessage();
    }

    @Test
    void parsesBothValueFormsBooleansAndPositionals() {
        ParsedArgs a = flags().parse("--lr", "0.001", "--steps=500", "--amp", "shards/", "--out", "runs/a",
                "--precision", "MIXED_FP16", "--gpus", "0,1", "--gpus=3");
        assertEquals(0.001, a.get(LR));
        assertEquals(500, a.get(STEPS));
        assertTrue(a.get(AMP));
        assertEquals(Path.of("shards/"), a.get(DATA));
        assertEquals(Path.of("runs/a"), a.path("out"));
        assertEquals(Precision.MIXED_FP16, a.get(PRECISION));
        assertEquals(List.of(0, 1, 3), a.get(GPUS));
        assertEquals(42L, a.get(SEED));
        assertNull(a.get(NAME));
        assertEquals(ParsedArgs.Source.COMMAND_LINE, a.source("lr"));
        assertEquals(ParsedArgs.Source.DEFAULT, a.source("seed"));
        assertFalse(a.isSet("run-name"));
    }

    @Test
    void booleanForms() {
        assertFalse(flags().parse("--steps", "1", "d", "--no-amp").get(AMP));
        assertFalse(flags().parse("--steps", "1", "d", "--amp=false").get(AMP));
        assertTrue(flags().parse("--steps", "1", "d", "--amp=yes").get(AMP));
        assertEquals("--amp: expected true or false, got 'maybe'", usageError("--steps", "1", "d", "--amp=maybe"));
    }

    @Test
    void negativeNumbersAreValuesAndDoubleDashEndsFlags() {
        ParsedArgs a = flags().parse("--seed", "-7", "--steps", "1", "--", "--weird-dir");
        assertEquals(-7L, a.get(SEED));
        assertEquals(Path.of("--weird-dir"), a.get(DATA));
    }

    @Test
    void errorsNameTheFlagAndTheProblem() {
        assertEquals("--lr: expected a number, got 'abc'", usageError("--lr", "abc", "--steps", "1", "d"));
        assertEquals("--steps: expected an integer, got '1.5'", usageError("--steps", "1.5", "d"));
        assertEquals("--lr: missing value", usageError("d", "--steps", "1", "--lr"));
        assertEquals("--lr: missing value", usageError("--lr", "--steps", "1", "d"));
        assertEquals("unknown flag --lrr (did you mean --lr?)", usageError("--lrr", "1", "--steps", "1", "d"));
        assertEquals("unknown flag --bogus", usageError("--bogus", "--steps", "1", "d"));
        assertEquals("unknown flag '-x' (flags are long, like --name)", usageError("-x", "--steps", "1", "d"));
        assertEquals("--steps: required flag missing (give it on the command line or in the --config file)",
                usageError("d"));
        assertEquals("missing argument <data>", usageError("--steps", "1"));
        assertEquals("unexpected argument 'extra'", usageError("--steps", "1", "d", "extra"));
        assertEquals("--lr: must be > 0, got '-1.0'", usageError("--lr", "-1", "--steps", "1", "d"));
        assertEquals("--precision: expected one of fp32, bf16, mixed-fp16, got 'fp8'",
                usageError("--precision", "fp8", "--steps", "1", "d"));
        assertEquals("--gpus: empty item in list '0,,1'", usageError("--gpus", "0,,1", "--steps", "1", "d"));
        assertEquals("--steps: given more than once", usageError("--steps", "1", "--steps", "2", "d"));
        assertEquals("--steps: expected an integer in int range, got '99999999999'",
                usageError("--steps", "99999999999", "d"));
        assertEquals("--amp: expected true or false, got ''", usageError("--amp=", "--steps", "1", "d"));
    }

    @Test
    void numbersRejectJavaOnlySpellings() {
        assertEquals("--lr: expected a number, got '1d'", usageError("--lr", "1d", "--steps", "1", "d"));
        assertEquals("--lr: expected a number, got 'NaN'", usageError("--lr", "NaN", "--steps", "1", "d"));
        assertEquals(1e-4, flags().parse("--lr", "1e-4", "--steps", "1", "d").get(LR));
        assertEquals(1_000_000, flags().parse("--steps", "1_000_000", "d").get(STEPS));
    }

    @Test
    void helpShortCircuitsValidation() {
        // a user who just got an error appends --help to the same line; the bad value must not hide the help
        ParsedArgs a = flags().parse("--lr", "abc", "--bogus", "--help");
        assertTrue(a.helpRequested());
        assertThrows(UsageException.class, () -> flags().parse("--lr", "abc", "d", "--", "--help"));
        assertTrue(flags().parse("-h").helpRequested());
    }

    @Test
    void helpIsAlignedAndShowsDefaults() {
        String help = flags().help();
        assertTrue(help.startsWith("usage: lcl4j train [flags] <data>\n\nTrain an LCL model.\n"), help);
        assertTrue(help.contains("  --lr NUMBER"), help);
        assertTrue(help.contains("peak learning rate (default: 3e-4)"), help);
        assertTrue(help.contains("optimizer steps (required)"), help);
        assertTrue(help.contains("--amp, --no-amp"), help);
        assertTrue(help.contains("--out DIR"), help);
        assertTrue(help.contains("--precision {fp32,bf16,mixed-fp16}"), help);
        assertTrue(help.contains("(default: bf16)"), help);
        assertTrue(help.contains("--config FILE"), help);
        assertTrue(help.contains("  --gpus INT,...  "), help);
        assertFalse(help.contains("(default: false)"), "switches that are off need no default: " + help);
        // the help column starts at the same offset on every single-line flag row
        int col = -1;
        for (String line : help.split("\n")) {
            if (!line.startsWith("  --") || line.contains("{")) continue;
            int helpStart = line.indexOf("  ", 4);
            while (helpStart < line.length() && line.charAt(helpStart) == ' ') helpStart++;
            if (col < 0) col = helpStart;
            assertEquals(col, helpStart, "misaligned: " + line);
        }
    }

    @Test
    void configFileValuesAreOverriddenByTheCommandLine(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("run.json");
        Files.writeString(cfg, "{\"lr\": 0.01, \"steps\": 100, \"run_name\": \"a\", \"gpus\": [0, 2],"
                + " \"amp\": true, \"precision\": \"fp32\", \"data\": \"shards\", \"seed\": null}");
        ParsedArgs a = flags().parse("--config", cfg.toString(), "--steps", "7");
        assertEquals(0.01, a.get(LR));
        assertEquals(7, a.get(STEPS));
        assertEquals("a", a.get(NAME));
        assertEquals(List.of(0, 2), a.get(GPUS));
        assertTrue(a.get(AMP));
        assertEquals(Precision.FP32, a.get(PRECISION));
        assertEquals(Path.of("shards"), a.get(DATA));
        assertEquals(42L, a.get(SEED), "null in the config means not set");
        assertEquals(ParsedArgs.Source.CONFIG, a.source("lr"));
        assertEquals(ParsedArgs.Source.COMMAND_LINE, a.source("steps"));
        assertEquals(cfg, a.configFile().orElseThrow());
    }

    @Test
    void configErrorsNameTheFileAndKey(@TempDir Path dir) throws Exception {
        Path cfg = dir.resolve("c.json");
        Files.writeString(cfg, "{\"lr\": \"abc\"}");
        assertEquals("config " + cfg + ": key 'lr': expected a number, got 'abc'",
                usageError("--config", cfg.toString(), "--steps", "1", "d"));
        Files.writeString(cfg, "{\"lr\": -2}");
        assertEquals("config " + cfg + ": key 'lr': must be > 0, got '-2.0'",
                usageError("--config", cfg.toString(), "--steps", "1", "d"));
        Files.writeString(cfg, "{\"stpes\": 3}");
        assertEquals("config " + cfg + ": unknown key 'stpes' (did you mean 'steps'?)",
                usageError("--config", cfg.toString(), "d"));
        Files.writeString(cfg, "{\"steps\": 2.5}");
        assertEquals("config " + cfg + ": key 'steps': expected an integer, got '2.5'",
                usageError("--config", cfg.toString(), "d"));
        Files.writeString(cfg, "{\"out\": 3}");
        assertEquals("config " + cfg + ": key 'out': expected a path, got 3",
                usageError("--config", cfg.toString(), "--steps", "1", "d"));
        Files.writeString(cfg, "{\"lr\": {\"peak\": 1}}");
        assertEquals("config " + cfg + ": key 'lr': expected a number, got a JSON object",
                usageError("--config", cfg.toString(), "--steps", "1", "d"));
        Files.writeString(cfg, "[1, 2]");
        assertEquals("--config: '" + cfg + "' must hold a JSON object of flag names to values",
                usageError("--config", cfg.toString(), "--steps", "1", "d"));
        Files.writeString(cfg, "{\"lr\": ");
        assertTrue(usageError("--config", cfg.toString(), "--steps", "1", "d")
                .startsWith("--config: '" + cfg + "' is not valid JSON: "));
        assertEquals("--config: no such file '" + dir.resolve("none.json") + "'",
                usageError("--config", dir.resolve("none.json").toString(), "--steps", "1", "d"));
        assertEquals("--config: missing value", usageError("d", "--steps", "1", "--config"));
    }

    @Test
    void asMapIsJsonFriendlyAndInDeclarationOrder() {
        ParsedArgs a = flags().parse("--steps", "3", "--out", "o", "d");
        assertEquals(List.of("lr", "steps", "seed", "amp", "out", "precision", "gpus", "run-name", "data"),
                List.copyOf(a.asMap().keySet()));
        assertEquals("o", a.asMap().get("out"));
        assertEquals("bf16", a.asMap().get("precision"));
    }

    @Test
    void typedGettersRejectWrongNamesAndTypes() {
        ParsedArgs a = flags().parse("--steps", "3", "d");
        assertThrows(IllegalArgumentException.class, () -> a.number("steps"));
        assertThrows(IllegalArgumentException.class, () -> a.string("nope"));
        assertThrows(IllegalArgumentException.class, () -> a.get(Option.number("other", "x")));
        assertThrows(IllegalArgumentException.class, () -> a.get(Option.string("steps", "same name, other type")));
    }

    @Test
    void declarationMistakesFailEarly() {
        assertThrows(IllegalArgumentException.class, () -> Option.integer("Bad_Name", "x"));
        assertThrows(IllegalArgumentException.class, () -> Option.integer("ok", " "));
        assertThrows(IllegalArgumentException.class, () -> new Flags("x", "").add(LR, LR));
        assertThrows(IllegalArgumentException.class,
                () -> new Flags("x", "").withConfigFile().add(Option.path("config", "c")));
        assertThrows(IllegalArgumentException.class,
                () -> new Flags("x", "").add(AMP, Option.flag("no-amp", "clash")));
        assertThrows(IllegalStateException.class, () -> Option.flag("b", "x").positional());
    }
}
