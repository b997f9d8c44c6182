package ai.lcl4j.optim;

import ai.lcl4j.io.Safetensors;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdamWTest {
    static final int STEPS = 10;
    /** Odd shapes; the 1-D ones land in the no-decay group. */
    static final Map<String, long[]> SHAPES = new LinkedHashMap<>();

    static {
        SHAPES.put("visual.conv1.weight", new long[] {5, 3, 2, 2});
        SHAPES.put("text.token_embedding.weight", new long[] {13, 7});
        SHAPES.put("visual.ln_pre.weight", new long[] {7});
        SHAPES.put("lm_head.1.bias", new long[] {13});
    }

    static Map<String, Tensor> randomParams() {
        Map<String, Tensor> p = new LinkedHashMap<>();
        SHAPES.forEach((n, s) -> p.put(n, torch.randn(s).set_requires_grad(true)));
        return p;
    }

    static Map<String, Tensor> copy(Map<String, Tensor> params) {
        Map<String, Tensor> p = new LinkedHashMap<>();
        params.forEach((n, t) -> p.put(n, t.detach().clone().set_requires_grad(true)));
        return p;
    }

    /** Per step: a learning rate (a schedule changes it) and grads; "lm_head.1.bias" has none at step 3. */
    record Plan(double[] lrs, List<Map<String, Tensor>> grads) {
        static Plan random() {
            double[] lrs = new double[STEPS];
            List<Map<String, Tensor>> grads = new ArrayList<>();
            for (int i = 0; i < STEPS; i++) {
                lrs[i] = 1e-2 * (1 + i) / STEPS;
                Map<String, Tensor> g = new LinkedHashMap<>();
                int step = i;
                SHAPES.forEach((n, s) -> {
                    if (!(step == 3 && n.equals("lm_head.1.bias"))) g.put(n, torch.randn(s));
                });
                grads.add(g);
            }
            return new Plan(lrs, grads);
        }
    }

    static void setGrads(Map<String, Tensor> params, Map<String, Tensor> grads) {
        params.forEach((n, p) -> {
            Tensor g = grads.get(n);
            if (g == null) p.mutable_grad().reset();
            else p.mutable_grad().put(g.clone());
        });
    }

    static AdamW ours(Map<String, Tensor> params) {
        return new AdamW(DecayGroups.openClip(params, AdamW.Options.defaults()));
    }

    static void run(AdamW opt, Map<String, Tensor> params, Plan plan, int from, int to) {
        for (int i = from; i < to; i++) {
            setGrads(params, plan.grads().get(i));
            opt.setLr(plan.lrs()[i]);
            opt.step();
        }
    }

    static double relErr(Tensor a, Tensor b) {
        Tensor da = a.detach().to(ScalarType.Double), db = b.detach().to(ScalarType.Double);
        return da.sub(db).norm().item_double() / Math.max(db.norm().item_double(), 1e-30);
    }

    @Test
    void matchesLibtorchAdamWWithTwoGroups() {
        Map<String, Tensor> mine = randomParams();
        Map<String, Tensor> theirs = copy(mine);
        Map<String, Tensor> start = copy(mine);
        Plan plan = Plan.random();

        AdamW opt = ours(mine);
        // libtorch: the same two groups, the same hyper-parameters
        List<ParamGroup> groups = DecayGroups.openClip(theirs, AdamW.Options.defaults());
        org.bytedeco.pytorch.AdamW ref = null;
        for (ParamGroup g : groups) {
            AdamWOptions o = new AdamWOptions(g.options().lr());
            // betas() exposes a std::tuple<double, double>, which libstdc++ lays out last element first:
            // check that on libtorch's defaults (0.9, 0.999), then write ours the same way
            assertEquals(0.999, o.betas().get(0));
            assertEquals(0.9, o.betas().get(1));
            o.betas().put(0, g.options().beta2()).put(1, g.options().beta1());
            o.eps().put(g.options().eps());
            o.weight_decay().put(g.options().weightDecay());
            TensorVector tv = new TensorVector(g.params().values().toArray(new Tensor[0]));
            if (ref == null) ref = new org.bytedeco.pytorch.AdamW(tv, o);
            else ref.add_param_group(new OptimizerParamGroup(tv, o));
        }
        assertEquals(2, ref.param_groups().size());
        for (int i = 0; i < STEPS; i++) {
            setGrads(mine, plan.grads().get(i));
            setGrads(theirs, plan.grads().get(i));
            opt.setLr(plan.lrs()[i]);
            for (int k = 0; k < 2; k++) ref.param_groups().get(k).options().set_lr(plan.lrs()[i]);
            opt.step();
            ref.step();
        }
        assertEquals(STEPS, opt.steps());
        for (String n : SHAPES.keySet()) {
            double moved = relErr(mine.get(n), start.get(n));
            assertTrue(moved > 1e-3, n + " barely moved: " + moved);
            double err = relErr(mine.get(n), theirs.get(n));
            assertTrue(err < 1e-6, n + ": rel err vs libtorch AdamW " + err);
        }
    }

    /** An independent float64 transcription of the update, which also pins the decay grouping. */
    @Test
    void matchesAFloat64Reference() {
        Map<String, Tensor> mine = randomParams();
        Plan plan = Plan.random();
        AdamW.Options o = AdamW.Options.defaults();
        Map<String, Tensor> p64 = new LinkedHashMap<>(), m64 = new LinkedHashMap<>(), v64 = new LinkedHashMap<>();
        Map<String, Integer> steps = new LinkedHashMap<>();
        mine.forEach((n, p) -> {
            p64.put(n, p.detach().to(ScalarType.Double));
            m64.put(n, p64.get(n).mul(new Scalar(0.0)));
            v64.put(n, p64.get(n).mul(new Scalar(0.0)));
            steps.put(n, 0);
        });
        AdamW opt = ours(mine);
        run(opt, mine, plan, 0, STEPS);
        for (int i = 0; i < STEPS; i++) {
            double lr = plan.lrs()[i];
            for (String n : SHAPES.keySet()) {
                Tensor g = plan.grads().get(i).get(n);
                if (g == null) continue;
                g = g.to(ScalarType.Double);
                int t = steps.merge(n, 1, Integer::sum);
                double wd = n.equals("visual.conv1.weight") || n.equals("text.token_embedding.weight")
                        ? o.weightDecay() : 0.0;
                Tensor p = p64.get(n).mul(new Scalar(1 - lr * wd));
                Tensor m = m64.get(n).mul(new Scalar(o.beta1())).add(g.mul(new Scalar(1 - o.beta1())));
                Tensor v = v64.get(n).mul(new Scalar(o.beta2())).add(g.mul(g).mul(new Scalar(1 - o.beta2())));
                double bc1 = 1 - Math.pow(o.beta1(), t), bc2 = 1 - Math.pow(o.beta2(), t);
                Tensor denom = v.sqrt().div(new Scalar(Math.sqrt(bc2))).add(new Scalar(o.eps()));
                p64.put(n, p.sub(m.div(denom).mul(new Scalar(lr / bc1))));
                m64.put(n, m);
                v64.put(n, v);
            }
        }
        Map<String, Tensor> state = opt.stateTensors();
        for (String n : SHAPES.keySet()) {
            assertTrue(relErr(mine.get(n), p64.get(n)) < 1e-6, n + " param vs float64: " + relErr(mine.get(n), p64.get(n)));
            assertTrue(relErr(state.get(n + ".exp_avg"), m64.get(n)) < 1e-6, n + " exp_avg");
            assertTrue(relErr(state.get(n + ".exp_avg_sq"), v64.get(n)) < 1e-6, n + " exp_avg_sq");
            assertEquals((long) steps.get(n), state.get(n + ".step").item_long(), n + " step");
        }
        assertEquals(STEPS - 1, state.get("lm_head.1.bias.step").item_long(), "a step without grad does not count");
    }

    @Test
    void resumeFromSafetensorsIsBitIdentical(@TempDir Path dir) throws Exception {
        Map<String, Tensor> straight = randomParams();
        Map<String, Tensor> resumed = copy(straight);
        Plan plan = Plan.random();

        AdamW a = ours(straight);
        run(a, straight, plan, 0, STEPS);

        AdamW b = ours(resumed);
        run(b, resumed, plan, 0, STEPS / 2);
        Path model = dir.resolve("model.safetensors"), optim = dir.resolve("optimizer.safetensors");
        Safetensors.write(model, resumed, null);
        Safetensors.write(optim, b.stateTensors(), null);

        // a fresh process: parameters and optimiser rebuilt from the files alone
        Map<String, Tensor> loaded = new LinkedHashMap<>();
        Safetensors.read(model).forEach((n, t) -> loaded.put(n, t.set_requires_grad(true)));
        Map<String, Tensor> reordered = new LinkedHashMap<>();
        SHAPES.keySet().forEach(n -> reordered.put(n, loaded.get(n)));
        AdamW c = ours(reordered);
        c.loadStateTensors(Safetensors.read(optim));
        assertEquals(STEPS / 2, c.steps());
        run(c, reordered, plan, STEPS / 2, STEPS);

        Map<String, Tensor> sa = a.stateTensors(), sc = c.stateTensors();
        assertEquals(sa.keySet(), sc.keySet());
        for (String n : SHAPES.keySet()) {
            assertTrue(straight.get(n).equal(reordered.get(n)), n + " differs after resume");
        }
        for (String k : sa.keySet()) assertTrue(sa.get(k).equal(sc.get(k)), k + " differs after resume");
    }

    @Test
    void loadRejectsMismatchedStateByName() {
        Map<String, Tensor> params = randomParams();
        AdamW opt = ours(params);
        Map<String, Tensor> bad = new LinkedHashMap<>();
        bad.put("visual.conv1.weight.exp_avg", torch.zeros(5, 3, 2, 3));
        bad.put("visual.conv1.weight.exp_avg_sq", torch.zeros(5, 3, 2, 3));
        bad.put("visual.conv1.weight.step", torch.scalar_tensor(new Scalar(4L)).to(ScalarType.Long));
        bad.put("visual.ln_pre.weight.exp_avg", torch.zeros(7));
        bad.put("ghost.exp_avg", torch.zeros(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateTensors(bad));
        String m = e.getMessage();
        assertTrue(m.contains("'visual.conv1.weight': moment shape [5, 3, 2, 3] but parameter shape [5, 3, 2, 2]"), m);
        assertTrue(m.contains("'visual.ln_pre.weight': needs"), m);
        assertTrue(m.contains("'ghost.exp_avg': names no parameter"), m);
        assertFalse(m.contains("token_embedding"), m);
    }

    @Test
    void zeroGradDropsGradients() {
        Map<String, Tensor> params = randomParams();
        AdamW opt = ours(params);
        setGrads(params, Plan.random().grads().get(0));
        assertTrue(params.get("visual.conv1.weight").grad().defined());
        opt.zeroGrad();
        params.values().forEach(p -> assertFalse(p.grad().defined()));
        Map<String, Tensor> before = copy(params);
        opt.step(); // no grads: nothing moves, no state appears
        params.forEach((n, p) -> assertTrue(p.equal(before.get(n)), n));
        assertTrue(opt.stateTensors().isEmpty());
    }

    /**
     * Optimiser state made in the first step must survive a caller's
     * PointerScope, and clip/step/zeroGrad must not leave native handles
     * behind even when the caller has no scope of its own.
     */
    @Test
    void stepsKeepStateAcrossCallerScopesAndDoNotAccumulateHandles() {
        Map<String, Tensor> params = randomParams();
        AdamW opt = ours(params);
        Runnable scopedStep = () -> {
            try (PointerScope ignored = new PointerScope()) {
                setGrads(params, randomGrads());
                GradClip.clip(params.values(), 1.0);
                opt.step();
                opt.zeroGrad();
            }
        };
        Runnable bareStep = () -> {
            try (PointerScope ignored = new PointerScope()) {
                setGrads(params, randomGrads());
            }
            GradClip.clip(params.values(), 1.0);
            opt.step();
            opt.zeroGrad();
        };
        scopedStep.run(); // creates the state inside the caller's scope
        bareStep.run();
        long handles = Pointer.totalCount();
        for (int i = 0; i < 300; i++) (i % 2 == 0 ? scopedStep : bareStep).run();
        assertTrue(Pointer.totalCount() - handles <= 4, "native handles grew from " + handles + " to "
                + Pointer.totalCount() + " over 300 steps");
        assertEquals(302, opt.stateTensors().get("visual.conv1.weight.step").item_long());
    }

    static Map<String, Tensor> randomGrads() {
        Map<String, Tensor> g = new LinkedHashMap<>();
        SHAPES.forEach((n, s) -> g.put(n, torch.randn(s)));
        return g;
    }

    @Test
    void optionsAreValidatedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AdamW.Options(3e-4, 1.0, 0.98, 1e-6, 0.2));
        assertTrue(e.getMessage().contains("beta1"), e.getMessage());
    }
}
