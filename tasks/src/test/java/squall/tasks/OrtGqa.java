package squall.tasks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;

import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * ONNX Runtime's {@code com.microsoft.GroupQueryAttention} on its CPU execution provider, for one of the models
 * {@code ort/make_models.py} built (a single node). Tensors are squall's ({@code q [B, Hq, Tq, D]},
 * {@code k, v [B, Hkv, S, D]}) and are laid out as the operator takes them: the first {@code S - Tq} keys and values
 * are its past ({@code [B, Hkv, P, D]}), the last {@code Tq} its new ones ({@code [B, Tq, Hkv * D]}), the queries
 * {@code [B, Tq, Hq * D]}. The operator is always causal. ALiBi is its additive {@code attention_bias}
 * ({@code -slope[h] (p - j)} for every row and key), the sinks its {@code head_sink}, the window its
 * {@code local_window_size} (W - 1, baked into the model).
 */
final class OrtGqa {

    private OrtGqa() {
    }

    /** Whether ONNX Runtime is on the class path (the GPU bundle leaves its 54 MB jar out). */
    static boolean available() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment");
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The output of model {@code name} on these inputs, as {@code [B, Hq, Tq, D]}. */
    static float[] run(String name, AttentionShape s, float[] q, float[] k, float[] v, AttentionOptions options)
            throws IOException, OrtException {
        int B = s.B(), Hq = s.Hq(), Hkv = s.Hkv(), Tq = s.Tq(), S = s.S(), D = s.D(), P = S - Tq;
        byte[] model;
        try (InputStream in = OrtGqa.class.getResourceAsStream("ort/" + name + ".onnx")) {
            if (in == null) {
                throw new IOException("no model ort/" + name + ".onnx: run ort/make_models.py");
            }
            model = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] query = tokensFirst(q, B, Hq, Tq, D, 0, Tq);
        float[] key = tokensFirst(k, B, Hkv, S, D, P, Tq), value = tokensFirst(v, B, Hkv, S, D, P, Tq);
        float[] pastKey = headsFirst(k, B, Hkv, S, D, P), pastValue = headsFirst(v, B, Hkv, S, D, P);
        int[] seqLens = new int[B];
        java.util.Arrays.fill(seqLens, S - 1);
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(model, opts)) {
            inputs.put("query", OnnxTensor.createTensor(env, FloatBuffer.wrap(query), new long[] {B, Tq, (long) Hq * D}));
            inputs.put("key", OnnxTensor.createTensor(env, FloatBuffer.wrap(key), new long[] {B, Tq, (long) Hkv * D}));
            inputs.put("value", OnnxTensor.createTensor(env, FloatBuffer.wrap(value), new long[] {B, Tq, (long) Hkv * D}));
            inputs.put("past_key", OnnxTensor.createTensor(env, FloatBuffer.wrap(pastKey), new long[] {B, Hkv, P, D}));
            inputs.put("past_value", OnnxTensor.createTensor(env, FloatBuffer.wrap(pastValue), new long[] {B, Hkv, P, D}));
            inputs.put("seqlens_k", OnnxTensor.createTensor(env, IntBuffer.wrap(seqLens), new long[] {B}));
            inputs.put("total_sequence_length", OnnxTensor.createTensor(env, IntBuffer.wrap(new int[] {S}), new long[] {1}));
            if (session.getInputNames().contains("attention_bias")) {
                inputs.put("attention_bias", OnnxTensor.createTensor(env, FloatBuffer.wrap(alibiBias(options, Hq, Tq, S)),
                        new long[] {1, Hq, Tq, S}));
            }
            if (session.getInputNames().contains("head_sink")) {
                inputs.put("head_sink", OnnxTensor.createTensor(env, FloatBuffer.wrap(options.sinks()), new long[] {Hq}));
            }
            try (OrtSession.Result result = session.run(inputs, java.util.Set.of("output"))) {
                float[][][] out = (float[][][]) result.get("output").orElseThrow().getValue();
                float[] flat = new float[s.qElements()];
                for (int b = 0; b < B; b++) {
                    for (int t = 0; t < Tq; t++) {
                        for (int h = 0; h < Hq; h++) {
                            System.arraycopy(out[b][t], h * D, flat, ((b * Hq + h) * Tq + t) * D, D);
                        }
                    }
                }
                return flat;
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** Tokens {@code from .. from + count - 1} of {@code x [B, H, T, D]} as {@code [B, count, H * D]}. */
    private static float[] tokensFirst(float[] x, int B, int H, int T, int D, int from, int count) {
        float[] out = new float[B * count * H * D];
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < H; h++) {
                for (int t = 0; t < count; t++) {
                    System.arraycopy(x, ((b * H + h) * T + from + t) * D, out, ((b * count + t) * H + h) * D, D);
                }
            }
        }
        return out;
    }

    /** The first {@code P} tokens of {@code x [B, H, T, D]}, as {@code [B, H, P, D]}. */
    private static float[] headsFirst(float[] x, int B, int H, int T, int D, int P) {
        float[] out = new float[B * H * P * D];
        for (int bh = 0; bh < B * H; bh++) {
            System.arraycopy(x, bh * T * D, out, bh * P * D, P * D);
        }
        return out;
    }

    /** ALiBi as an additive bias {@code [1, Hq, Tq, S]}: {@code -slope[h] (p - j)}, {@code p = S - Tq + i}. */
    private static float[] alibiBias(AttentionOptions options, int Hq, int Tq, int S) {
        float[] slopes = options.alibiSlopes();
        float[] bias = new float[Hq * Tq * S];
        for (int h = 0; h < Hq; h++) {
            for (int i = 0; i < Tq; i++) {
                for (int j = 0; j < S; j++) {
                    bias[(h * Tq + i) * S + j] = -slopes[h] * (S - Tq + i - j);
                }
            }
        }
        return bias;
    }
}
