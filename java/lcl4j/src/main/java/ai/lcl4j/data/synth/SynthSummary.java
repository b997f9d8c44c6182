package ai.lcl4j.data.synth;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link SyntheticCorpus#write} wrote.
 *
 * @param train              root/train: MMC4 layout (open with {"type":"mmc4","path":train})
 * @param shards             number of docs_shard_{i}_v2.jsonl.zip files in train/data
 * @param documents          training documents
 * @param images             training images (described + distractors)
 * @param describedImages    images a sentence describes (matched_sim 0.25-0.35)
 * @param distractorImages   images no sentence describes (matched_sim 0.10-0.20)
 * @param wanjuan            root/train-wanjuan in WanJuan format, or null when not written
 * @param classify           root/eval/classify/&lt;shape&gt;/*.png
 * @param shapeClasses       root/eval/classnames.txt, in class-index (sorted folder) order
 * @param classifyColour     root/eval/classify-colour/&lt;colour&gt;/*.png
 * @param colourClasses      root/eval/classnames-colour.txt, in class-index order
 * @param captions           root/eval/captions.tsv (filepath, title), paths relative to root/eval
 * @param retrievalPairs     rows of captions.tsv
 */
public record SynthSummary(Path train, int shards, int documents, int images, int describedImages,
                           int distractorImages, Path wanjuan, Path classify, List<String> shapeClasses,
                           Path classifyColour, List<String> colourClasses, Path captions, int retrievalPairs) {
    public SynthSummary {
        shapeClasses = List.copyOf(shapeClasses);
        colourClasses = List.copyOf(colourClasses);
    }
}
