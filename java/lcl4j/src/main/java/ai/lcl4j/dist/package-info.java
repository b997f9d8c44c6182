/**
 * Data-parallel training across processes and machines on libtorch's c10d process groups: Gloo for CPU
 * tensors (in the CPU preset jar, tested here on loopback), NCCL for CUDA tensors (needs the {@code -gpu}
 * preset jar; wired but not tested here).
 *
 * <p>One training step on every rank, DDP-style:
 * <pre>{@code
 * DistEnv env = DistEnv.resolve(args, System.getenv());          // or Launcher / torchrun env
 * try (ProcessGroup pg = ProcessGroup.init(env, ProcessGroup.Options.defaults())) {
 *     pg.broadcast(params, 0);                                   // same start on every rank
 *     pg.checkWeightsIdentical(params, "after broadcast");
 *     for (each step) {
 *         Tensor img = ..., txt = ...;                           // this rank's features, n_r x D
 *         GatherWithGrad gi = GatherWithGrad.forward(pg, img, true);   // padded + valid mask
 *         GatherWithGrad gt = GatherWithGrad.forward(pg, txt, true);
 *         // local rows (gi.localLeaf()) against all ranks' rows (gt.gathered()), padding masked with -inf
 *         Tensor loss = ...;
 *         loss.backward();
 *         GatherWithGrad.backwardAll(gi, gt);                    // collectives; one walk into the model
 *         pg.allReduceMean(grads);                               // 25 MB buckets
 *         optimizer.step();
 *     }
 *     pg.barrier();
 * }
 * }</pre>
 *
 * <p>Failure model: every wait is bounded ({@link ai.lcl4j.dist.ProcessGroup.Options#timeout()}); a dead
 * peer gives {@link ai.lcl4j.dist.PeerFailureException}, a hung one {@link ai.lcl4j.dist.DistTimeoutException},
 * both naming the suspect rank from store heartbeats; the group is unusable afterwards and the process
 * should exit non-zero, which makes {@link ai.lcl4j.dist.Launcher} stop the other ranks.
 */
package ai.lcl4j.dist;
