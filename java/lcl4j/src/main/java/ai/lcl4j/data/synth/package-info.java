/**
 * A seeded synthetic interleaved corpus of drawn shapes, for training and
 * evaluating the whole pipeline without downloads:
 * {@code SynthSummary s = SyntheticCorpus.write(root, SynthConfig.defaults(seed));}
 * then open {@code {"type":"mmc4","path":s.train()}} for training, the folders under
 * {@code s.classify()} / {@code s.classifyColour()} with {@code s.shapeClasses()} /
 * {@code s.colourClasses()} for zero-shot classification, and {@code s.captions()}
 * (a CSV pairs source) for retrieval.
 */
package ai.lcl4j.data.synth;
