/**
 * Documents to training rows (LCL-SPEC section 3): {@link ai.lcl4j.data.sequence.SequenceBuilder}
 * applies the reference's interleaved and paired rules, {@link ai.lcl4j.data.sequence.BatchCollator}
 * stacks rows and images for the model.
 */
package ai.lcl4j.data.sequence;
