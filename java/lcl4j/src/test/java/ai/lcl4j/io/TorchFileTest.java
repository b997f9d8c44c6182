package ai.lcl4j.io;

import ai.lcl4j.data.text.SharedReference;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** torch.save files: the reference trainer's checkpoint, hand-assembled state dicts, hostile and broken files. */
class TorchFileTest {
    @TempDir
    Path dir;

    private static Path fixture(String name) {
        return SharedReference.dir().resolve("lcl-official-tiny").resolve(name);
    }

    @Test
    void theReferenceTrainerCheckpointGivesTheSameWeightsAsItsSafetensors() throws Exception {
        WeightsFile.Loaded pt = WeightsFile.load(fixture("epoch_1.pt"));
        LinkedHashMap<String, Tensor> st = Safetensors.read(fixture("weights.safetensors"));
        assertEquals("torch.save checkpoint (epoch 1)", pt.format());
        assertTrue(pt.notes().stream().anyMatch(n -> n.contains("'module.' prefix")), pt.notes().toString());
        assertEquals(st.keySet(), pt.tensors().keySet());
        // the reference's named_parameters() order: the top-level parameter, then visual, text, pool_project, lm_head
        List<String> names = new ArrayList<>(pt.tensors().keySet());
        assertEquals(List.of("logit_scale", "visual.class_embedding"), names.subList(0, 2));
        assertEquals("lm_head.1.weight", names.get(names.size() - 1));
        assertTrue(names.indexOf("text.positional_embedding") < names.indexOf("pool_project.query_token"));
        for (String n : st.keySet()) {
            Tensor a = pt.tensors().get(n), b = st.get(n);
            assertEquals(ScalarType.Float.value, a.scalar_type().value, n);
            assertArrayEquals(Safetensors.shapeOf(b), Safetensors.shapeOf(a), n);
            assertArrayEquals(TensorBytes.of(b), TensorBytes.of(a), n + ": bit-identical");
        }
    }

    @Test
    void theReferenceTrainerCheckpointHasItsOptimizerState() throws Exception {
        ReferenceCheckpoint ck = ReferenceCheckpoint.read(fixture("epoch_1.pt"));
        assertEquals(1, ck.epoch());
        assertEquals("lcl-official-tiny", ck.name());
        assertEquals(78, ck.weights().size());
        assertEquals(2, ck.groups().size());
        ReferenceCheckpoint.Group noDecay = ck.groups().get(0), decay = ck.groups().get(1);
        assertEquals(51, noDecay.params().size());
        assertEquals(27, decay.params().size());
        assertEquals(0.0, noDecay.weightDecay());
        assertEquals(0.2, decay.weightDecay());
        assertEquals(1e-3, decay.lr());
        assertEquals(0.9, decay.beta1());
        assertEquals(0.98, decay.beta2());
        assertEquals(1e-6, decay.eps());
        assertEquals(78, ck.state().size());
        for (ReferenceCheckpoint.Moments m : ck.state().values()) {
            assertEquals(1, m.step());
            assertTrue(m.expAvgSq().min().item_double() >= 0);
        }
    }

    /** 12 floats, 5 bf16, 3 int64, 1 float64, 2 bools, 2 halves: random bit patterns, as stored. */
    private final Random rnd = new Random(5);
    private final byte[] f32 = randomBytes(12 * 4), bf16 = randomBytes(5 * 2), i64 = randomBytes(3 * 8), f64 = randomBytes(8),
            bool = {1, 0}, f16 = randomBytes(2 * 2);

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    /** A plain state dict as torch.save writes model.state_dict(): an OrderedDict with _metadata, views of shared storages. */
    private TorchSaveFixture stateDict() {
        PickleBuilder p = new PickleBuilder().proto(2).orderedDict().binput(0).mark();
        p.str("a.weight").tensor("FloatStorage", "0", 12, 0, new long[] {3, 4}, new long[] {4, 1});
        p.str("a.t").tensor("FloatStorage", "0", 12, 0, new long[] {4, 3}, new long[] {1, 4}); // a transposed view
        p.str("a.row").tensor("FloatStorage", "0", 12, 8, new long[] {4}, new long[] {1});      // row 2, offset 8
        p.str("b").tensor("BFloat16Storage", "1", 5, 0, new long[] {5}, new long[] {1});
        p.str("c").tensor("LongStorage", "2", 3, 0, new long[] {3}, new long[] {1});
        p.str("d").tensor("DoubleStorage", "3", 1, 0, new long[] {}, new long[] {});
        p.str("e").tensor("BoolStorage", "4", 2, 0, new long[] {2}, new long[] {1});
        // an nn.Parameter: _rebuild_parameter(tensor, requires_grad, hooks)
        p.str("f").global("torch._utils", "_rebuild_parameter").mark()
                .tensor("HalfStorage", "5", 2, 0, new long[] {1, 2}, new long[] {2, 1}).bool(true).orderedDict().tuple().reduce();
        p.setitems();
        // the state dict's _metadata attribute (set by BUILD; dropped)
        p.emptyDict().mark().str("_metadata").orderedDict().setitems().build().stop();
        return new TorchSaveFixture(p.bytes()).storage("0", f32).storage("1", bf16).storage("2", i64).storage("3", f64)
                .storage("4", bool).storage("5", f16);
    }

    @Test
    void aPlainStateDictLoadsWithItsDtypesShapesAndViews() throws Exception {
        Path bin = stateDict().write(dir.resolve("open_clip_pytorch_model.bin"));
        WeightsFile.Loaded w = WeightsFile.load(bin);
        assertEquals("torch.save state dict", w.format());
        assertEquals(List.of("a.weight", "a.t", "a.row", "b", "c", "d", "e", "f"), new ArrayList<>(w.tensors().keySet()));
        Map<String, Tensor> t = w.tensors();
        assertArrayEquals(f32, TensorBytes.of(t.get("a.weight")));
        assertArrayEquals(new long[] {3, 4}, Safetensors.shapeOf(t.get("a.weight")));
        Tensor storage = TensorBytes.from(f32, ScalarType.Float, 3, 4);
        assertArrayEquals(TensorBytes.of(storage.t().contiguous()), TensorBytes.of(t.get("a.t")));
        assertArrayEquals(Arrays.copyOfRange(f32, 32, 48), TensorBytes.of(t.get("a.row")));
        assertArrayEquals(bf16, TensorBytes.of(t.get("b")));
        assertEquals(ScalarType.BFloat16.value, t.get("b").scalar_type().value);
        assertArrayEquals(i64, TensorBytes.of(t.get("c")));
        assertEquals(ScalarType.Long.value, t.get("c").scalar_type().value);
        assertEquals(0, t.get("d").dim());
        assertArrayEquals(f64, TensorBytes.of(t.get("d")));
        assertArrayEquals(bool, TensorBytes.of(t.get("e")));
        assertEquals(ScalarType.Half.value, t.get("f").scalar_type().value);
        assertArrayEquals(new long[] {1, 2}, Safetensors.shapeOf(t.get("f")));
        assertArrayEquals(f16, TensorBytes.of(t.get("f")));
        // the same bytes named .pt load the same: the format is read from the content, not the name
        Path pt = Files.copy(bin, dir.resolve("weights.pt"));
        assertEquals(t.keySet(), WeightsFile.load(pt).tensors().keySet());
    }

    /** The error of opening a torch.save file whose data.pkl is {@code pickle}. */
    private String refusal(byte[] pickle) throws IOException {
        Path f = new TorchSaveFixture(pickle).storage("0", f32).write(dir.resolve("hostile.pt"));
        String m = assertThrows(TorchFormatException.class, () -> WeightsFile.load(f)).getMessage();
        assertTrue(m.contains(f.toString()), m);
        return m;
    }

    @Test
    void aPickleThatNamesAForbiddenGlobalIsRefusedNamingIt() throws Exception {
        // __reduce__ -> (os.system, ("echo pwned",)): GLOBAL, then the argument tuple, REDUCE
        String m = refusal(new PickleBuilder().proto(2).global("os", "system").str("echo pwned").op(0x85).reduce().stop().bytes());
        assertTrue(m.contains("global 'os.system'") && m.contains("refused"), m);
        // protocol 4 spells it STACK_GLOBAL
        m = refusal(new PickleBuilder().proto(4).str("posix").str("system").op(0x93).str("id").op(0x85).reduce().stop().bytes());
        assertTrue(m.contains("global 'posix.system'"), m);
        m = refusal(new PickleBuilder().proto(2).global("builtins", "eval").str("1+1").op(0x85).reduce().stop().bytes());
        assertTrue(m.contains("global 'builtins.eval'"), m);
        // a forbidden call hidden as a state-dict value
        m = refusal(new PickleBuilder().proto(2).emptyDict().str("w").global("torch", "load").str("x.pt").op(0x85).reduce()
                .op('s').stop().bytes());
        assertTrue(m.contains("global 'torch.load'"), m);
        // an allowed class instantiated by NEWOBJ instead of the calls torch.save uses
        m = refusal(new PickleBuilder().proto(2).global("collections", "OrderedDict").emptyTuple().op(0x81).stop().bytes());
        assertTrue(m.contains("unsupported pickle opcode NEWOBJ"), m);
    }

    @Test
    void malformedPicklesGiveClearErrors() throws Exception {
        byte[] good = new PickleBuilder().proto(2).emptyDict().mark().str("w")
                .tensor("FloatStorage", "0", 12, 0, new long[] {12}, new long[] {1}).setitems().stop().bytes();
        assertTrue(refusal(Arrays.copyOf(good, good.length - 1)).contains("without STOP"));
        assertTrue(refusal(Arrays.copyOf(good, 30)).contains("truncated"));
        // a string claiming 4 GB
        assertTrue(refusal(new PickleBuilder().proto(2).op('X').raw(new byte[] {-1, -1, -1, -1}).stop().bytes())
                .contains("exceeds"));
        assertTrue(refusal(new PickleBuilder().proto(2).binget(7).stop().bytes()).contains("memo entry 7"));
        assertTrue(refusal(new PickleBuilder().proto(2).emptyDict().op(']').integer(1).op('s').stop().bytes())
                .contains("not a hashable value"));
        PickleBuilder deep = new PickleBuilder().proto(2).emptyTuple();
        for (int i = 0; i < 70; i++) deep.op(0x85);
        assertTrue(refusal(deep.stop().bytes()).contains("nested deeper"));
        // views outside their storage, storages of the wrong size or missing
        assertTrue(refusal(new PickleBuilder().proto(2).tensor("FloatStorage", "0", 12, 4, new long[] {3, 4}, new long[] {4, 1})
                .stop().bytes()).contains("runs past its storage"));
        assertTrue(refusal(new PickleBuilder().proto(2).tensor("FloatStorage", "0", 12, 0, new long[] {Long.MAX_VALUE / 2, 4},
                new long[] {4, 1}).stop().bytes()).contains("overflows"));
        assertTrue(refusal(new PickleBuilder().proto(2).tensor("DoubleStorage", "0", 12, 0, new long[] {12}, new long[] {1})
                .stop().bytes()).contains("holds 48 bytes"));
        assertTrue(refusal(new PickleBuilder().proto(2).tensor("FloatStorage", "9", 12, 0, new long[] {12}, new long[] {1})
                .stop().bytes()).contains("archive/data/9 is missing"));
        // a state dict entry that is not a tensor
        assertTrue(refusal(new PickleBuilder().proto(2).emptyDict().str("w").integer(3).op('s').stop().bytes())
                .contains("state_dict['w'] is 3, not a tensor"));
    }

    @Test
    void truncatedOrCorruptedCheckpointsGiveClearErrors() throws Exception {
        byte[] all = Files.readAllBytes(fixture("epoch_1.pt"));
        for (int len : new int[] {0, 3, 100, all.length / 2, all.length - 23, all.length - 1}) {
            Path f = Files.write(dir.resolve("cut-" + len + ".pt"), Arrays.copyOf(all, len));
            IOException e = assertThrows(IOException.class, () -> WeightsFile.load(f), "cut at " + len);
            assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        }
        // one flipped bit in a storage: the record's CRC-32 no longer matches
        try (TorchZip z = TorchZip.open(fixture("epoch_1.pt"))) {
            TorchZip.Entry e = z.entries().get("epoch_1/data/10");
            byte[] bad = all.clone();
            bad[(int) (e.dataStart() + e.size() / 2)] ^= 0x10;
            Path f = Files.write(dir.resolve("flipped.pt"), bad);
            String m = assertThrows(TorchFormatException.class, () -> WeightsFile.load(f)).getMessage();
            assertTrue(m.contains("epoch_1/data/10 fails its CRC-32 check"), m);
        }
        Path legacy = Files.write(dir.resolve("legacy.pt"), new PickleBuilder().proto(2).integer(119547037146038801L).stop().bytes());
        assertTrue(assertThrows(TorchFormatException.class, () -> WeightsFile.load(legacy)).getMessage()
                .contains("legacy torch.save format"));
        Path script = new TorchSaveFixture(new byte[0]).without("archive/data.pkl").record("archive/constants.pkl", new byte[] {1})
                .record("archive/code/__torch__.py", new byte[] {1}).write(dir.resolve("ViT-B-32.pt"));
        assertTrue(assertThrows(TorchFormatException.class, () -> WeightsFile.load(script)).getMessage()
                .contains("TorchScript archive"));
    }

    @Test
    void randomByteDamageNeverCrashes() throws Exception {
        byte[] good = stateDict().bytes();
        long seed = System.nanoTime();
        Random r = new Random(seed);
        int loaded = 0, refused = 0;
        for (int i = 0; i < 400; i++) {
            byte[] bad = good.clone();
            int hits = 1 + r.nextInt(3);
            for (int h = 0; h < hits; h++) bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
            Path f = Files.write(dir.resolve("damaged.bin"), bad);
            try {
                WeightsFile.load(f);
                loaded++; // the damage hit bytes nothing reads (timestamps, local header names, version)
            } catch (IOException e) {
                assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
                refused++;
            } catch (Throwable t) {
                fail("seed " + seed + ", case " + i + ": " + t, t);
            }
        }
        System.out.println("[lcl4j] damaged torch.save files (seed " + seed + "): " + refused + " refused, " + loaded + " harmless");
        assertTrue(refused > 100, "most damage must be detected: " + refused);
    }
}
