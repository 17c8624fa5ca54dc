package io.prunestream.core.nn;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.imports.ImportedModel;
import io.prunestream.core.nn.imports.ModelImports;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * A trained network read from a file when the run starts: a DL4J zip, a Keras 2 HDF5 file or an
 * ONNX file ({@link ModelImports} tells them apart by content).
 *
 * @param location the file as configured: a path, or a {@code file:} URI
 * @param format {@code dl4j}, {@code keras} or {@code onnx}, as the file was read when checked
 * @param input the sample shape the run feeds it (the file's own where it states one)
 * @param classes the number of classes (the file's output width)
 */
public record ModelFile(String location, String format, InputShape input, int classes)
        implements ModelSource {

    public ModelFile {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(input, "input");
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
    }

    /**
     * The local file {@code location} names: a path, or a {@code file:} URI (on Kubernetes, a path
     * on a mounted volume). Other schemes are a {@link UsageException}: the file is read with the
     * JVM's own file system, on whichever machine starts the run.
     */
    public static Path localPath(String location) {
        String s = location.trim();
        int colon = s.indexOf(':');
        // "C:\..." on Windows is a path; a scheme is at least two letters
        if (colon > 1 && s.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")) {
            String scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
            if (!scheme.equals("file")) {
                throw new UsageException(
                        "model file '"
                                + location
                                + "': only local paths and file: URIs are read; copy the file to"
                                + " a local path (on Kubernetes, a mounted volume) and give that");
            }
            try {
                return Path.of(new URI(s));
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new UsageException(
                        "model file '"
                                + location
                                + "': not a file URI ("
                                + e.getMessage()
                                + "): write file:///absolute/path or a plain path",
                        e);
            }
        }
        return Path.of(s);
    }

    /**
     * Reads the file as this run takes it: its input must be {@link #input}, its classes {@link
     * #classes}; anything else (the file changed since the job was checked) is a {@link
     * UsageException} naming the file and both values.
     */
    public ImportedModel read() {
        Path file = localPath(location);
        ImportedModel m = ModelImports.read(file);
        if (m.input() != null && !m.input().equals(input)) {
            throw new UsageException(
                    file + ": the model takes input " + m.input() + ", the run feeds it " + input);
        }
        m = m.withInput(input);
        if (m.classes() != classes) {
            throw new UsageException(
                    file + ": the model has " + m.classes() + " classes, the run has " + classes);
        }
        return m;
    }

    @Override
    public Network build(OptimizerSpec optimizer) {
        return read().network(optimizer);
    }

    @Override
    public boolean imported() {
        return true;
    }

    @Override
    public String name() {
        return localPath(location).getFileName().toString();
    }

    @Override
    public String describe() {
        return format + " file " + location;
    }
}
