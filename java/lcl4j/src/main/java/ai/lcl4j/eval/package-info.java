/**
 * Evaluation the trainer runs between epochs: zero-shot classification on image
 * folders, image-text retrieval, and held-out losses.
 *
 * <pre>{@code
 * EvalSpec spec = EvalSpec.synthetic(corpusRoot.resolve("eval"), 64);      // or new EvalSpec(tasks..., batch)
 * Map<String, Double> metrics = Evaluator.evaluate(model, tokenizer, spec); // flat, for the metrics log
 * HeldOutLoss.Result val = HeldOutLoss.evaluate(model, valBatches, 50);    // optional
 * }</pre>
 *
 * <ul>
 *   <li>{@link ai.lcl4j.eval.Evaluator}, {@link ai.lcl4j.eval.EvalSpec}: the facade and what it runs.</li>
 *   <li>{@link ai.lcl4j.eval.ZeroShotClassifier}, {@link ai.lcl4j.eval.ImageFolder},
 *       {@link ai.lcl4j.eval.ClassNames}, {@link ai.lcl4j.eval.PromptTemplates},
 *       {@link ai.lcl4j.eval.ZeroShotResult}: OpenCLIP-style zero-shot.</li>
 *   <li>{@link ai.lcl4j.eval.ImageNetZeroShot}, {@link ai.lcl4j.eval.ImageNetClasses}: zero-shot on an
 *       ImageNet-style synset folder with the shipped ImageNet-1k names and OpenAI's 80 templates
 *       ({@code PromptTemplates.builtin("openai")}).</li>
 *   <li>{@link ai.lcl4j.eval.Retrieval}, {@link ai.lcl4j.eval.RetrievalDataset},
 *       {@link ai.lcl4j.eval.RetrievalResult}: Recall@k and ranks both ways (caption
 *       tables and Karpathy json).</li>
 *   <li>{@link ai.lcl4j.eval.RankMetrics}, {@link ai.lcl4j.eval.SimilarityRanks}: the ranking math
 *       on plain floats, and blocked similarity.</li>
 *   <li>{@link ai.lcl4j.eval.ImageBatchEncoder}, {@link ai.lcl4j.eval.TextBatchEncoder},
 *       {@link ai.lcl4j.eval.Embeddings}: batched, scoped feature extraction.</li>
 *   <li>{@link ai.lcl4j.eval.HeldOutLoss}: losses on held-out batches under NoGradGuard.</li>
 *   <li>{@link ai.lcl4j.eval.LinearProbe}, {@link ai.lcl4j.eval.LinearProbeResult},
 *       {@link ai.lcl4j.eval.LogisticRegression}, {@link ai.lcl4j.eval.FeatureStandardizer}: the
 *       linear probe on frozen image features (L2 chosen on a held-out part of train/).</li>
 * </ul>
 *
 * <p>Features are copied to the Java heap per batch and every native allocation of a
 * batch is closed by its PointerScope, so an evaluation of any size holds only one
 * batch of activations plus the features.
 */
package ai.lcl4j.eval;
