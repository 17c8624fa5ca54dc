package io.prunestream.core.nn.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.core.nn.InputShape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The model files {@code src/test/fixtures/make_fixtures.py} made with PyTorch and h5py, and what
 * the source framework computed on fixed inputs ({@code fixtures.json} says which file is which).
 */
public final class ImportFixtures {
    private ImportFixtures() {}

    /** The fixtures folder, from core's module directory (where surefire runs). */
    public static final Path DIR = Path.of("src", "test", "fixtures");

    /** One model of the manifest. */
    public record Fixture(
            String name,
            String format,
            Path file,
            InputShape input,
            int classes,
            INDArray inputs,
            INDArray logits,
            JsonNode entry) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static List<Fixture> all() {
        JsonNode manifest;
        try {
            manifest = new ObjectMapper().readTree(DIR.resolve("fixtures.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int batch = manifest.get("batch").asInt();
        List<Fixture> out = new ArrayList<>();
        for (JsonNode m : manifest.get("models")) {
            List<Long> dims = new ArrayList<>();
            m.get("input").forEach(d -> dims.add(d.asLong()));
            InputShape shape =
                    dims.size() == 1
                            ? InputShape.vector(dims.get(0).intValue())
                            : new InputShape(
                                    dims.get(0).intValue(),
                                    dims.get(1).intValue(),
                                    dims.get(2).intValue());
            int classes = m.get("classes").asInt();
            out.add(
                    new Fixture(
                            m.get("name").asText(),
                            m.get("format").asText(),
                            DIR.resolve(m.get("file").asText()),
                            shape,
                            classes,
                            floats(m.get("inputFile").asText(), shape.batchShape(batch)),
                            floats(m.get("logits").asText(), new long[] {batch, classes}),
                            m));
        }
        return out;
    }

    public static Fixture named(String name) {
        return all().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    /** Raw little-endian float32, as make_fixtures.py writes it. */
    static INDArray floats(String file, long[] shape) {
        try {
            ByteBuffer b =
                    ByteBuffer.wrap(Files.readAllBytes(DIR.resolve(file)))
                            .order(ByteOrder.LITTLE_ENDIAN);
            float[] data = new float[b.remaining() / 4];
            b.asFloatBuffer().get(data);
            return Nd4j.create(data, shape, 'c');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
