package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.data.source.SourceType;
import ai.lcl4j.data.source.SourceTypes;
import ai.lcl4j.train.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train}'s flags are TrainConfig's defaults and the source registry, not copies of them. */
class TrainFlagsTest {
    private static Flags flags() {
        Flags f = new Flags("lcl4j train", "test");
        TrainFlags.declare(f);
        return f;
    }

    @Test
    void noFlagsGiveTheDefaultConfig(@TempDir Path tmp) {
        List<SourceSpec> src = List.of(SourceSpec.of("mmc4", tmp));
        assertEquals(TrainConfig.defaults().withSources(src), TrainFlags.config(flags().parse(new String[0]), src));
    }

    @Test
    void helpShowsTheDefaultsAndEverySourceType() {
        String help = flags().help().replaceAll("\\s+", " ");   // as read, not as wrapped
        TrainConfig d = TrainConfig.defaults();
        assertTrue(help.contains("(default: " + d.loop().steps() + ")"), help);
        assertTrue(help.contains("(default: 3e-4)") && help.contains("(default: 0.98)") && help.contains("(default: 0.24)"),
                help);
        for (SourceType t : SourceTypes.all()) {
            assertTrue(help.contains(t.name() + (t.aliases().isEmpty() ? ": " : " (or ")), t.name() + " in\n" + help);
            for (String alias : t.aliases()) assertTrue(help.contains(alias), alias + " in\n" + help);
        }
        assertTrue(help.contains("TYPE in mmc4|obelics|wanjuan|wds|csv"), help);
    }

    /** The command line accepts exactly what the readers accept: every name and alias, in any case. */
    @Test
    void everySourceTypeAndAliasIsAccepted(@TempDir Path tmp) throws Exception {
        List<String> names = new ArrayList<>();
        for (SourceType t : SourceTypes.all()) {
            names.add(t.name());
            names.addAll(t.aliases());
        }
        assertTrue(names.containsAll(List.of("webdataset", "tsv")), names.toString());
        for (String name : names) {
            SourceSpec s = TrainFlags.parseSource(name + ":" + tmp + ";weight=2;separator=,");
            assertEquals(name, s.type());
            assertEquals(2.0, s.weight());
            assertEquals(",", s.option("separator", null));
        }
        UsageException e = assertThrows(UsageException.class, () -> TrainFlags.parseSource("laion:" + tmp));
        assertTrue(e.getMessage().contains("'laion'") && e.getMessage().contains("(mmc4, obelics, wanjuan, wds, csv)"),
                e.getMessage());
    }
}
