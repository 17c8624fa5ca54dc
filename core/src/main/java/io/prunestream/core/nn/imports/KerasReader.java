package io.prunestream.core.nn.imports;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.InputShape;
import java.nio.file.Path;
import org.bytedeco.hdf5.IdComponent;
import org.bytedeco.hdf5.global.hdf5;
import org.bytedeco.javacpp.PointerScope;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.KerasModel;
import org.deeplearning4j.nn.modelimport.keras.KerasSequentialModel;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;

/**
 * Keras 2 HDF5 files ({@code model.save("m.h5")}) through DL4J's own importer: a Sequential model
 * becomes a MultiLayerNetwork, a functional one a ComputationGraph. The training configuration in
 * the file (optimizer, loss) is not imported: runs bring their own ({@link
 * ImportedModel#network(io.prunestream.core.nn.OptimizerSpec)}), and the end becomes softmax with
 * cross-entropy. Channels-last models are turned channels-first ({@link ChannelsFirst}).
 */
final class KerasReader {
    private KerasReader() {}

    static ImportedModel read(Path file) {
        Object hdf5Lock;
        try {
            // initialises Hdf5Archive, whose static HDF5 data type must outlive the scope below
            hdf5Lock = Hdf5Archive.LOCK_OBJECT;
        } catch (LinkageError e) {
            throw new UsageException(
                    file + ": HDF5 cannot be loaded here: " + ModelImports.oneLine(e), e);
        }
        // HDF5 is not thread-safe, and DL4J leaves some of its HDF5 objects to the garbage
        // collector: JavaCPP's deallocator thread then closes them while another thread is inside
        // HDF5, and the JVM dies in H5FL_reg_malloc. The scope closes every HDF5 object of this
        // import here, under DL4J's HDF5 lock, and holds no other native memory.
        synchronized (hdf5Lock) {
            try (PointerScope hdf5Objects = new PointerScope(IdComponent.class)) {
                return readInScope(file);
            }
        }
    }

    private static ImportedModel readInScope(Path file) {
        quietHdf5();
        boolean sequential;
        try {
            sequential = isSequential(file);
        } catch (UsageException e) {
            throw e;
        } catch (Exception | LinkageError e) {
            throw new UsageException(
                    file
                            + ": not a readable HDF5 file (truncated or corrupt: "
                            + ModelImports.oneLine(e)
                            + "): save the model again",
                    e);
        }
        Model net;
        InputType inputType;
        try {
            KerasModelBuilder b =
                    new KerasModel()
                            .modelBuilder()
                            .modelHdf5Filename(file.toString())
                            .enforceTrainingConfig(false);
            if (sequential) {
                KerasSequentialModel m = b.buildSequential();
                inputType = m.getOutputTypes().get(m.getInputLayerNames().get(0));
                net = m.getMultiLayerNetwork();
            } else {
                KerasModel m = b.buildModel();
                if (m.getInputLayerNames().size() != 1) {
                    throw new UsageException(
                            file
                                    + ": the Keras model has "
                                    + m.getInputLayerNames().size()
                                    + " inputs "
                                    + m.getInputLayerNames()
                                    + ": prunestream feeds one input");
                }
                inputType = m.getOutputTypes().get(m.getInputLayerNames().get(0));
                net = m.getComputationGraph();
            }
        } catch (UsageException e) {
            throw e;
        } catch (Exception | LinkageError e) {
            throw new UsageException(
                    file + ": cannot import the Keras model: " + ModelImports.oneLine(e), e);
        }
        return Dl4jForm.finish(net, shapeOf(inputType, file), "keras", file);
    }

    /** HDF5 prints its error stack to stderr by default; failures reach the user as one line. */
    private static void quietHdf5() {
        try {
            hdf5.H5Eset_auto2(hdf5.H5E_DEFAULT, null, null);
        } catch (LinkageError e) {
            // no native HDF5 here: opening the file fails with its own message
        }
    }

    /** Keras writes the model's class into model_config; DL4J's importers take one kind each. */
    private static boolean isSequential(Path file) throws Exception {
        Hdf5Archive archive = new Hdf5Archive(file.toString());
        try {
            if (!archive.hasAttribute("model_config")) {
                throw new UsageException(
                        file
                                + ": an HDF5 file without a Keras model_config (weights only?):"
                                + " save the whole model with model.save(\"m.h5\")");
            }
            String json = archive.readAttributeAsJson("model_config");
            return new ObjectMapper()
                    .readTree(json)
                    .path("class_name")
                    .asText()
                    .equals("Sequential");
        } finally {
            archive.close();
        }
    }

    static InputShape shapeOf(InputType t, Path file) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return new InputShape((int) c.getChannels(), (int) c.getHeight(), (int) c.getWidth());
        }
        if (t instanceof InputType.InputTypeFeedForward f) {
            return InputShape.vector((int) f.getSize());
        }
        throw new UsageException(
                file
                        + ": the model's input is "
                        + t
                        + ": prunestream feeds images (height, width, channels) or feature"
                        + " vectors");
    }
}
