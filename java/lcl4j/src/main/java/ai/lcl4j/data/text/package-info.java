/**
 * Tokenizers with the LCL roles (LCL-SPEC section 2): {@link ai.lcl4j.data.text.ClipBpeTokenizer}
 * (the reference's, id for id), {@link ai.lcl4j.data.text.HfTokenizerJson} (byte-level BPE
 * tokenizer.json files), {@link ai.lcl4j.data.text.ByteTokenizer} (no files), chosen with
 * {@link ai.lcl4j.data.text.Tokenizers#fromSpec}.
 */
package ai.lcl4j.data.text;
