package io.prunestream.core.nn.exports;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Runs an exported model in ONNX Runtime (CPU), the independent runtime the exports answer to. */
final class OnnxRuntimeRunner implements AutoCloseable {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private final OrtSession session;

    OnnxRuntimeRunner(byte[] model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            session = ENV.createSession(model, options);
        }
    }

    /** The model's output for a batch, as an array of the output's shape. */
    INDArray run(INDArray x) throws OrtException {
        float[] data = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        try (OnnxTensor in = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(data), x.shape());
                OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, in))) {
            OnnxTensor out = (OnnxTensor) r.get(OnnxExporter.OUTPUT).orElseThrow();
            FloatBuffer b = out.getFloatBuffer();
            float[] values = new float[b.remaining()];
            b.get(values);
            return Nd4j.create(values, out.getInfo().getShape(), 'c');
        }
    }

    OrtSession session() {
        return session;
    }

    @Override
    public void close() throws OrtException {
        session.close();
    }
}
