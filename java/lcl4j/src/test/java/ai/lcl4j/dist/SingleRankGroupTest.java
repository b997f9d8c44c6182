package ai.lcl4j.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.ops.Tensors;
import java.time.Duration;
import java.util.List;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A one-rank group in this JVM (store + Gloo on loopback): the API end to end, without child processes. */
class SingleRankGroupTest {
    private static ProcessGroup single() throws Exception {
        DistEnv env = new DistEnv(1, 0, 0, "127.0.0.1", Launcher.freeLoopbackPort());
        return ProcessGroup.init(env, ProcessGroup.Options.defaults().withTimeout(Duration.ofSeconds(10))
                .withInitTimeout(Duration.ofSeconds(30)).withBucketBytes(64));
    }

    @Test
    @Timeout(60)
    void collectivesOnOneRankAreIdentities() throws Exception {
        try (ProcessGroup pg = single()) {
            Tensor a = torch.randn(new long[] {5, 3}, new TensorOptions(ScalarType.Float));
            Tensor b = torch.randn(new long[] {40}, new TensorOptions(ScalarType.Double));
            Tensor a0 = a.clone(), b0 = b.clone();
            pg.allReduceMean(List.of(a, b));
            assertTrue(torch.equal(a, a0) && torch.equal(b, b0));
            pg.broadcast(List.of(a, b), 0);
            assertTrue(torch.equal(a, a0) && torch.equal(b, b0));

            VariableGather g = pg.allGatherVariable(a);
            assertArrayEquals(new long[] {5}, g.rows());
            assertTrue(torch.equal(g.compact(), a0));
            assertEquals(5, Tensors.toLongs(g.valid()).length);
            assertTrue(torch.equal(pg.allGather(a), a0));

            long c = pg.checkWeightsIdentical(List.of(a, b), "w");
            assertEquals(WeightsChecksum.of(List.of(a0, b0)), c);
            pg.barrier();
            assertEquals(pg.collectivesIssued(), pg.collectivesIssued());

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pg.allReduceMean(List.of(torch.ones(new long[] {2}, new TensorOptions(ScalarType.Long)))));
            assertTrue(e.getMessage().contains("tensor #0 has dtype Long"), e.getMessage());
        }
    }

    @Test
    @Timeout(60)
    void gatherWithGradOnOneRankMatchesPlainAutograd() throws Exception {
        try (ProcessGroup pg = single()) {
            Tensor m = torch.randn(new long[] {4, 3}, new TensorOptions(ScalarType.Double)).requires_grad_(true);
            Tensor in = torch.randn(new long[] {6, 4}, new TensorOptions(ScalarType.Double));
            Tensor w = torch.randn(new long[] {6, 3}, new TensorOptions(ScalarType.Double));
            GatherWithGrad gw = GatherWithGrad.forward(pg, in.matmul(m), false);
            gw.gathered().sin().mul(w).sum().add(gw.localLeaf().pow(new Scalar(3)).sum()).backward();
            gw.backward();
            Tensor m2 = m.detach().clone().requires_grad_(true);
            Tensor x = in.matmul(m2);
            x.sin().mul(w).sum().add(x.pow(new Scalar(3)).sum()).backward();
            double err = m.grad().sub(m2.grad()).norm().item_double() / m2.grad().norm().item_double();
            assertTrue(err < 1e-12, "rel err " + err);
            assertThrows(IllegalStateException.class, gw::backward);
        }
    }

    @Test
    @Timeout(60)
    void twoGathersSharingAGraphBackwardTogether() throws Exception {
        try (ProcessGroup pg = single()) {
            Tensor m = torch.randn(new long[] {4, 3}, new TensorOptions(ScalarType.Double)).requires_grad_(true);
            Tensor in = torch.randn(new long[] {5, 4}, new TensorOptions(ScalarType.Double));
            Tensor h = in.matmul(m);                       // shared trunk, as image latents feed the LM
            GatherWithGrad ga = GatherWithGrad.forward(pg, h.tanh(), true);
            GatherWithGrad gb = GatherWithGrad.forward(pg, h.exp(), true);
            ga.gathered().mul(gb.gathered()).sum().add(ga.localLeaf().sum()).backward();
            GatherWithGrad.backwardAll(ga, gb);
            Tensor m2 = m.detach().clone().requires_grad_(true);
            Tensor h2 = in.matmul(m2);
            h2.tanh().mul(h2.exp()).sum().add(h2.tanh().sum()).backward();
            double err = m.grad().sub(m2.grad()).norm().item_double() / m2.grad().norm().item_double();
            assertTrue(err < 1e-12, "rel err " + err);
        }
    }

    @Test
    @Timeout(60)
    void ncclWithoutItsNativesSaysSo() throws Exception {
        // Only meaningful with the CPU preset; with the -gpu one NCCL is there.
        boolean haveNccl;
        try {
            Class.forName("org.bytedeco.cuda.presets.nccl");
            haveNccl = true;
        } catch (ClassNotFoundException e) {
            haveNccl = false;
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(haveNccl, "NCCL bindings present");
        DistEnv env = new DistEnv(1, 0, 0, "127.0.0.1", Launcher.freeLoopbackPort());
        DistException e = assertThrows(DistException.class, () -> ProcessGroup.init(env, ProcessGroup.Options.defaults()
                .withBackend(ProcessGroup.Backend.NCCL).withInitTimeout(Duration.ofSeconds(20))));
        assertTrue(e.getMessage().contains("NCCL backend is not available"), e.getMessage());
    }

    @Test
    @Timeout(60)
    void closedGroupRefusesWork() throws Exception {
        ProcessGroup pg = single();
        pg.close();
        DistException e = assertThrows(DistException.class, pg::barrier);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    @Timeout(60)
    void missingRankZeroTimesOutInsteadOfHanging() throws Exception {
        // Rank 1 of 2 with nobody serving the store: it must give up within the rendezvous timeout.
        DistEnv env = new DistEnv(2, 1, 1, "127.0.0.1", Launcher.freeLoopbackPort());
        long t = System.nanoTime();
        DistTimeoutException e = assertThrows(DistTimeoutException.class, () -> ProcessGroup.init(env,
                ProcessGroup.Options.defaults().withInitTimeout(Duration.ofSeconds(2))));
        long ms = (System.nanoTime() - t) / 1_000_000;
        assertTrue(e.getMessage().contains("TCPStore at 127.0.0.1:" + env.masterPort()), e.getMessage());
        assertTrue(ms < 2000 + 2000 + 3000, "took " + ms + " ms");   // timeout + Java-side grace + slack
    }
}
