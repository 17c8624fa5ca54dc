package io.prunestream.job.config;

import static io.prunestream.job.config.PruneOptions.CLASSES;
import static io.prunestream.job.config.PruneOptions.MODEL;
import static io.prunestream.job.config.PruneOptions.MODEL_DEPTH;
import static io.prunestream.job.config.PruneOptions.MODEL_WIDTH;
import static io.prunestream.job.config.PruneOptions.SAMPLE_SHAPE;
import static io.prunestream.job.config.PruneOptions.SEED;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelFile;
import io.prunestream.core.nn.ModelSource;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.imports.ImportedModel;
import io.prunestream.core.nn.imports.ModelImports;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;

/**
 * Each run's {@code prune.model}: a built-in network, or a model file read now, when the job is
 * checked, so that a missing or unreadable file, or one that does not fit the data, stops the job
 * before it starts, in one line. The job's sample shape and classes are {@code data.sample-shape}
 * and {@code data.classes} where set, else what the model files state (all runs see the same
 * samples, so their files must agree).
 *
 * @param shape the shape of every sample
 * @param classes the number of classes
 * @param sources each run's model
 */
record RunModels(InputShape shape, int classes, Map<String, ModelSource> sources) {

    static RunModels resolve(Configuration conf, List<String> runs) {
        Map<String, ImportedModel> files = new LinkedHashMap<>(); // by run
        Map<String, ImportedModel> byLocation = new LinkedHashMap<>();
        for (String id : runs) {
            String value = JobConfig.perRun(conf, id, MODEL).trim();
            if (ModelSpec.Kind.find(value) == null) {
                files.put(id, byLocation.computeIfAbsent(value, v -> read(conf, id, v)));
            }
        }
        InputShape shape = shape(conf, files);
        int classes = classes(conf, files, shape);
        Map<String, ModelSource> sources = new LinkedHashMap<>();
        for (String id : runs) {
            String value = JobConfig.perRun(conf, id, MODEL).trim();
            ImportedModel m = files.get(id);
            sources.put(
                    id,
                    m == null
                            ? builtIn(conf, id, value, shape, classes)
                            : new ModelFile(value, m.format(), shape, classes));
        }
        return new RunModels(shape, classes, sources);
    }

    private static ModelSpec builtIn(
            Configuration conf, String id, String value, InputShape shape, int classes) {
        ModelSpec.Kind kind = ModelSpec.Kind.parse(value);
        if (shape.isVector()) {
            throw new UsageException(
                    key(conf, id)
                            + " is '"
                            + value
                            + "', a built-in image network, but data.sample-shape is "
                            + shape
                            + " (feature vectors): set "
                            + key(conf, id)
                            + " to a model file that takes "
                            + shape
                            + " features (e.g. an MLP as ONNX, Keras .h5 or DL4J zip)");
        }
        int depth = JobConfig.perRun(conf, id, MODEL_DEPTH);
        if (depth == 0) {
            depth = kind == ModelSpec.Kind.VGG ? 11 : kind == ModelSpec.Kind.RESNET ? 20 : 0;
        }
        double width = JobConfig.perRun(conf, id, MODEL_WIDTH);
        long seed = JobConfig.perRun(conf, id, SEED);
        try {
            return new ModelSpec(kind, shape, classes, depth, width, seed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("run '" + id + "': " + e.getMessage(), e);
        }
    }

    private static ImportedModel read(Configuration conf, String id, String location) {
        String key = key(conf, id);
        try {
            if (!Files.isRegularFile(ModelFile.localPath(location))) {
                throw new UsageException(
                        key
                                + " is '"
                                + location
                                + "': neither a built-in network (small-cnn, lenet, vgg, resnet)"
                                + " nor an existing model file: fix the name or the path");
            }
            return ModelImports.read(ModelFile.localPath(location));
        } catch (UsageException e) {
            throw e.getMessage().startsWith(key)
                    ? e
                    : new UsageException(key + ": " + e.getMessage(), e);
        }
    }

    /** data.sample-shape if set, else the first shape a model file states, else the default. */
    private static InputShape shape(Configuration conf, Map<String, ImportedModel> files) {
        boolean set = conf.contains(SAMPLE_SHAPE);
        InputShape shape = JobConfig.sampleShape(conf);
        String from = null;
        for (Map.Entry<String, ImportedModel> e : files.entrySet()) {
            InputShape stated = e.getValue().input();
            if (stated == null || stated.equals(shape)) {
                continue;
            }
            if (set) {
                throw new UsageException(
                        key(conf, e.getKey())
                                + ": "
                                + e.getValue().source()
                                + " takes input "
                                + stated
                                + ", but data.sample-shape is "
                                + shape
                                + ": set data.sample-shape: "
                                + configForm(stated)
                                + " (or leave it unset to take the model's), or give a model"
                                + " made for "
                                + shape);
            }
            if (from != null) {
                throw new UsageException(
                        key(conf, e.getKey())
                                + ": "
                                + e.getValue().source()
                                + " takes input "
                                + stated
                                + ", but run '"
                                + from
                                + "''s model takes "
                                + shape
                                + ": every run of a job trains on the same samples; run these"
                                + " models in separate jobs");
            }
            shape = stated;
            from = e.getKey();
        }
        return shape;
    }

    /** data.classes if set, else the first number of classes a model file has; all must agree. */
    private static int classes(
            Configuration conf, Map<String, ImportedModel> files, InputShape shape) {
        boolean set = conf.contains(CLASSES);
        int classes = conf.get(CLASSES);
        String from = null;
        for (Map.Entry<String, ImportedModel> e : files.entrySet()) {
            ImportedModel m = e.getValue();
            int has;
            try {
                has = m.withInput(shape).classes(); // also: the network runs on the shape
            } catch (UsageException ex) {
                throw new UsageException(key(conf, e.getKey()) + ": " + ex.getMessage(), ex);
            }
            if (has == classes) {
                continue;
            }
            if (set || from != null) {
                throw new UsageException(
                        key(conf, e.getKey())
                                + ": "
                                + m.source()
                                + " has "
                                + has
                                + " classes (outputs), but "
                                + (set
                                        ? "data.classes is " + classes
                                        : "run '" + from + "''s model has " + classes)
                                + ": set data.classes: "
                                + has
                                + " (or leave it unset to take the model's), or give a model"
                                + " with "
                                + classes
                                + " outputs");
            }
            classes = has;
            from = e.getKey();
        }
        return classes;
    }

    /** {@code 1,28,28} or {@code 32}: how data.sample-shape is written. */
    static String configForm(InputShape s) {
        return String.join(",", Arrays.stream(s.dims()).mapToObj(Integer::toString).toList());
    }

    /** The key that set run {@code id}'s model: its per-run key if set, else prune.model. */
    private static String key(Configuration conf, String id) {
        String runKey = JobConfig.runKey(id, MODEL);
        return "config key '" + (conf.containsKey(runKey) ? runKey : MODEL.key()) + "'";
    }
}
