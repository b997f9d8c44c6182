/**
 * Optimisation and checkpoints, generic over named tensors: AdamW with
 * OpenCLIP's decay groups ({@link ai.lcl4j.optim.AdamW},
 * {@link ai.lcl4j.optim.DecayGroups}), the warm-up + cosine learning-rate
 * schedule ({@link ai.lcl4j.optim.CosineSchedule}), gradient clipping
 * ({@link ai.lcl4j.optim.GradClip}) and crash-safe checkpoint folders
 * ({@link ai.lcl4j.optim.CheckpointStore}).
 *
 * <p>How a trainer strings them together (one process writes checkpoints):
 * <pre>{@code
 * Map<String, Tensor> params = model.namedParameters();
 * AdamW opt = new AdamW(DecayGroups.openClip(params, AdamW.Options.defaults()));
 * CosineSchedule lr = new CosineSchedule(3e-4, 2000, totalSteps);
 * CheckpointStore store = new CheckpointStore(outDir.resolve("checkpoints"), 3);
 * long start = 0;
 * Optional<Checkpoint> last = store.latest();
 * if (last.isPresent()) {
 *     model.load(last.get().readModel());               // StateDicts.check inside
 *     opt.loadStateTensors(last.get().readOptimizer());
 *     start = last.get().step() + 1;                    // data position, RNG: from last.get().state()
 * }
 * for (long step = start; step < totalSteps; step++) {
 *     try (PointerScope scope = new PointerScope()) {   // frees every per-step temporary
 *         Tensor loss = model.loss(batch);
 *         loss.backward();
 *         double norm = GradClip.clip(params.values(), 1.0);
 *         if (!Double.isFinite(norm)) throw new IllegalStateException("non-finite grad norm at step " + step);
 *         opt.setLr(lr.lr(step));
 *         opt.step();
 *         opt.zeroGrad();
 *     }
 *     if ((step + 1) % every == 0) store.save(step, params, opt.stateTensors(), trainerState);
 * }
 * }</pre>
 */
package ai.lcl4j.optim;
