package ai.lcl4j.optim;

import ai.lcl4j.data.text.SharedReference;
import ai.lcl4j.io.ReferenceCheckpoint;
import ai.lcl4j.io.Safetensors;
import ai.lcl4j.io.WeightsFile;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfig;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.Backend;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run of the reference trainer continued here: epoch_1.pt's weights, AdamW moments and step count. */
class ReferenceRunTest {
    /**
     * Weights after the resumed step, relative L2 per tensor. The step's inputs are the reference's own, bit
     * for bit: weights and moments from epoch_1.pt, gradients from grads.safetensors, the same hyper-parameters.
     * So none of AdamW's ill-conditioning applies here (an update normalised by sqrt(v) turns a small error in a
     * near-zero gradient into a large one; with identical gradients there is no such error to amplify). What is
     * left is the rounding of a handful of float32 elementwise operations on each element: ours use lerp for m
     * where PyTorch 1.13 used mul + add (1 ulp apart), the rest are the same ATen kernels, bias corrections in
     * double on both sides. That is a few u = 6e-8 of max(|p|, |update|) per element; every tensor's update
     * (~1e-3 per element) is at most of the order of its weights (zero-initialised biases after two steps are
     * about two updates), so per tensor a few u, ~3e-7 at worst. 1e-5 leaves a factor 30.
     */
    static final double STEP_TOL = 1e-5;

    private static Path fixture(String name) {
        return SharedReference.dir().resolve("lcl-official-tiny").resolve(name);
    }

    @Test
    void oneMoreStepAfterResumingGivesTheReferenceWeights() throws Exception {
        ReferenceCheckpoint ck = ReferenceCheckpoint.read(fixture("epoch_1.pt"));
        ModelConfig cfg = ModelConfigs.load(fixture("model_config.json"));
        Map<String, Tensor> grads = Safetensors.read(fixture("grads.safetensors"));
        Map<String, Tensor> expected = Safetensors.read(fixture("weights_after_next_step.safetensors"));
        ReferenceCheckpoint.Group decay = ck.groups().get(1);
        AdamW.Options o = new AdamW.Options(1e-3, decay.beta1(), decay.beta2(), decay.eps(), decay.weightDecay());
        try (LclModel m = new LclModel(cfg, ModelOptions.defaults().withBackend(Backend.LIBTORCH))) {
            AdamW opt = new AdamW(DecayGroups.openClip(m.namedParameters(), o));
            ReferenceResume r = ReferenceResume.apply(ck, m, opt);
            assertEquals(1, r.step());
            assertEquals(1, r.epoch());
            assertEquals(1, opt.steps());
            assertEquals(0.0, r.groupOptions().get(0).weightDecay());
            assertEquals(0.2, r.groupOptions().get(1).weightDecay());
            assertEquals(0.98, r.groupOptions().get(1).beta2());

            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet()) e.getValue().mutable_grad().put(grads.get(e.getKey()).clone());
            opt.step();
            assertEquals(2, opt.steps());
            double worst = 0;
            String worstName = "";
            for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
                double err = ai.lcl4j.ops.Tensors.relError(e.getValue(), expected.get(e.getKey()));
                if (err > worst) {
                    worst = err;
                    worstName = e.getKey();
                }
                assertTrue(err < STEP_TOL, e.getKey() + ": rel err " + err + " after the resumed step");
            }
            System.out.printf("[lcl4j] resumed AdamW step vs reference: worst rel err %.2e (%s) over %d tensors (tol %.0e)%n",
                    worst, worstName, expected.size(), STEP_TOL);
        }
    }

    @Test
    void aWrongMappingWouldShowAndAMismatchedModelIsRefused() throws Exception {
        ReferenceCheckpoint ck = ReferenceCheckpoint.read(fixture("epoch_1.pt"));
        // the mapping is index -> name by the reference's two groups: the first no-decay index is the first
        // no-decay parameter in the reference order (logit_scale), the first decay index the first 2-D one
        java.util.List<String> order = ReferenceResume.indexToName(ck);
        assertEquals("logit_scale", order.get(0));
        assertEquals("visual.class_embedding", order.get(1));
        assertEquals("visual.positional_embedding", order.get(51));
        assertEquals(78, order.size());
        // a model of another shape: refused before anything changes, naming the file
        ModelConfig other = ModelConfigs.get("lcl-tiny");
        try (LclModel m = new LclModel(other, ModelOptions.defaults().withBackend(Backend.LIBTORCH))) {
            AdamW opt = new AdamW(DecayGroups.openClip(m.namedParameters(), AdamW.Options.defaults()));
            Map<String, Tensor> before = m.stateDict();
            Tensor conv = before.get("visual.conv1.weight").clone();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReferenceResume.apply(ck, m, opt));
            assertTrue(e.getMessage().contains("epoch_1.pt") && e.getMessage().contains("shape mismatches"), e.getMessage());
            assertTrue(conv.equal(m.stateDict().get("visual.conv1.weight")), "nothing loaded");
            assertEquals(0, opt.steps());
        }
    }

    @Test
    void weightSourcesReadsRunFoldersCheckpointFoldersAndFiles(@TempDir Path dir) throws Exception {
        Map<String, Tensor> ref = Safetensors.read(fixture("weights.safetensors"));
        CheckpointStore store = new CheckpointStore(dir.resolve("run/checkpoints"), 3);
        store.save(5, ref, Map.of(), null);
        Checkpoint latest = store.save(7, ref, Map.of(), null);
        for (Path p : new Path[] {dir.resolve("run"), latest.dir(), latest.modelFile(), fixture("epoch_1.pt")}) {
            WeightsFile.Loaded w = WeightSources.load(p);
            assertEquals(ref.keySet(), w.tensors().keySet(), p.toString());
            assertTrue(w.tensors().get("visual.conv1.weight").equal(ref.get("visual.conv1.weight")), p.toString());
        }
        Files.createDirectories(dir.resolve("empty/checkpoints"));
        assertTrue(assertThrows(java.io.IOException.class, () -> WeightSources.load(dir.resolve("empty"))).getMessage()
                .contains("no complete checkpoint"));
        // a folder that is no checkpoint: the checkpoint store says why
        Files.createDirectories(dir.resolve("other"));
        assertTrue(assertThrows(CheckpointException.class, () -> WeightSources.load(dir.resolve("other"))).getMessage()
                .contains("state.json"));
    }
}
