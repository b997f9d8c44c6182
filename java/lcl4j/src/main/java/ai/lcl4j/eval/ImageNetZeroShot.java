package ai.lcl4j.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Zero-shot classification on an ImageNet-style folder, as OpenCLIP users run it:
 * {@code root/val/<wnid>/...} (or {@code root/train/<wnid>/...}, or synset folders
 * directly under root). Each synset folder gets its class name from the shipped
 * ImageNet-1k table ({@link ImageNetClasses}) or from a {@code classnames.txt} the user
 * gives (found at the root when not given explicitly), and the prompts are OpenAI's 80
 * templates unless others are passed. The classifier is {@link ZeroShotClassifier}'s:
 * per class the renormalised mean of its prompt features, top-1 and top-5.
 *
 * <p>Which classes compete: {@link Candidates#FOLDER} (the default) ranks each image
 * among the classes that have a folder, as torchvision's ImageFolder labels them (the
 * full validation set gives the usual 1000-way number; a subset such as ImageNet-R's 200
 * classes gives that subset's number). {@link Candidates#ALL} ranks among all 1000
 * classes whatever the folder holds, for a sample of the validation set.
 */
public final class ImageNetZeroShot {
    /** File looked for at the root when no class-names file is given. */
    public static final String CLASSNAMES_FILE = "classnames.txt";

    /** The classes an image is ranked among. */
    public enum Candidates { FOLDER, ALL }

    private ImageNetZeroShot() {}

    /** {@code root/val}, else {@code root/train}, else root itself. */
    public static Path imageRoot(Path root) {
        if (Files.isDirectory(root.resolve("val"))) return root.resolve("val");
        if (Files.isDirectory(root.resolve("train"))) return root.resolve("train");
        return root;
    }

    /** The folder's images labelled for zero-shot, and the class names in label order. */
    public record Task(ImageFolder images, List<String> classNames) {}

    /**
     * @param classNamesFile names file (one per line); null = {@code root/classnames.txt} when present,
     *                       else the built-in table. A file with one name per class folder is read in
     *                       sorted-folder order; a file of 1000 names is indexed by the folders' wnids.
     */
    public static Task task(Path root, Path classNamesFile, Candidates candidates) {
        ImageFolder folder = ImageFolder.scan(imageRoot(root));
        Path namesFile = classNamesFile != null ? classNamesFile
                : Files.isRegularFile(root.resolve(CLASSNAMES_FILE)) ? root.resolve(CLASSNAMES_FILE) : null;
        List<String> all = null; // names of all 1000 classes, when known
        List<String> perFolder;
        if (namesFile != null) {
            List<String> names = ClassNames.load(namesFile, -1);
            if (names.size() == folder.classDirs().size() && candidates == Candidates.FOLDER) {
                perFolder = names;
            } else if (names.size() == ImageNetClasses.COUNT) {
                all = names;
                perFolder = byWnid(folder, all, namesFile.toString());
            } else {
                throw new IllegalArgumentException(namesFile + " has " + names.size() + " class names; expected one per class folder ("
                        + folder.classDirs().size() + ") or " + ImageNetClasses.COUNT + " indexed by wnid");
            }
        } else {
            all = ImageNetClasses.get().names();
            perFolder = byWnid(folder, all, "the built-in ImageNet-1k table");
        }
        if (candidates == Candidates.FOLDER) return new Task(folder, perFolder);
        // relabel every image with its class's ImageNet-1k index, so the 1000 classes compete
        int[] labels = new int[folder.labels().length];
        for (int i = 0; i < labels.length; i++) labels[i] = ImageNetClasses.get().index(folder.classDirs().get(folder.labels()[i]));
        return new Task(new ImageFolder(folder.root(), ImageNetClasses.get().wnids(), folder.files(), labels), all);
    }

    /** Runs the task with the given templates ({@code PromptTemplates.builtin("openai")} for published numbers). */
    public static ZeroShotResult evaluate(ZeroShotClassifier classifier, Path root, Path classNamesFile, List<String> templates,
                                          Candidates candidates) {
        Task t = task(root, classNamesFile, candidates);
        return classifier.evaluate(t.images(), t.classNames(), templates);
    }

    /** The name of each class folder, looked up by its WordNet id among the 1000. */
    private static List<String> byWnid(ImageFolder folder, List<String> all, String source) {
        List<String> out = new ArrayList<>(folder.classDirs().size());
        for (String dir : folder.classDirs()) {
            int i = ImageNetClasses.get().index(dir);
            if (i < 0) {
                throw new IllegalArgumentException("class folder '" + dir + "' in " + folder.root() + " is not an ImageNet-1k synset id"
                        + " (n01440764 ... n15075141), so " + source + " cannot name it; give a " + CLASSNAMES_FILE
                        + " with one name per class folder");
            }
            out.add(all.get(i));
        }
        return out;
    }
}
