package dev.mm1j.tests.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.backend.UnaryOp;
import dev.mm1j.core.backend.reference.ReferenceBackend;
import dev.mm1j.core.json.Json;
import dev.mm1j.core.json.JsonObject;
import dev.mm1j.core.quant.ErrorBudget;
import dev.mm1j.core.quant.Quant;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The reference backend against PyTorch: every case of {@code golden/ops_golden.json} (written by
 * {@code tools/golden/ops_golden.py} with torch 1.13 and numpy) is run through {@link Ops} on the
 * {@link ReferenceBackend} and compared at the tolerance of its op (see {@link #TOLERANCE}).
 *
 * <p>Float ops are compared by normalised MSE and by the largest error relative to the largest expected
 * magnitude; F16/BF16 rounding, Q8_0/Q4_0 block bytes and top-k selections must match bit for bit.
 */
class ReferenceGoldenTest {
    /**
     * Largest allowed {max |got − want| / max |want|} per op. Ops the reference defines in double were
     * computed by PyTorch in float64 and rounded once, so both sides round a nearly exact value to float32:
     * 3e-7 is about two float32 ulps of the output scale. Bicubic resize and rope are float32 by
     * definition (as in PyTorch and Hugging Face), so they are compared with PyTorch's float32 output:
     * rope's operations are the same and agree to an ulp; PyTorch's float32 bicubic kernel sums its taps in
     * an order of its own (it is itself up to 2.3e-6 away from its float64 result), hence 5e-6.
     * The table this test prints shows the measured errors.
     */
    private static final Map<String, Double> TOLERANCE = Map.ofEntries(
        Map.entry("gelu", 3e-7), Map.entry("quick_gelu", 3e-7), Map.entry("silu", 3e-7), Map.entry("sigmoid", 3e-7),
        Map.entry("layer_norm", 3e-7), Map.entry("rms_norm", 3e-7), Map.entry("softmax", 3e-7),
        Map.entry("conv2d", 3e-7), Map.entry("adaptive_avg_pool2d", 3e-7), Map.entry("matmul", 3e-7), Map.entry("attention", 3e-7),
        Map.entry("rope", 3e-7), Map.entry("resize_bicubic", 5e-6));

    private static final Map<String, String> MEASURED = new TreeMap<>();
    private final Ops ops = new Ops(new ReferenceBackend());

    @TestFactory
    Stream<DynamicTest> referenceMatchesPyTorch() throws IOException {
        Object doc;
        try (InputStream in = ReferenceGoldenTest.class.getResourceAsStream("/golden/ops_golden.json")) {
            if (in == null) throw new IOException("golden/ops_golden.json is missing: run /usr/bin/python3 tools/golden/ops_golden.py");
            doc = Json.parse(in.readAllBytes(), "golden/ops_golden.json");
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : JsonObject.of(doc, "golden").getList("cases")) {
            JsonObject json = JsonObject.of(c, "case");
            tests.add(DynamicTest.dynamicTest(json.getString("name"), () -> run(json)));
        }
        return tests.stream();
    }

    @AfterAll
    static void printMeasuredErrors() {
        StringBuilder sb = new StringBuilder("Reference vs PyTorch, largest error relative to the output scale (tolerance):\n");
        MEASURED.forEach((name, m) -> sb.append(String.format("  %-70s %s%n", name, m)));
        System.out.print(sb);
    }

    private void run(JsonObject c) {
        String op = c.getString("op");
        switch (op) {
            case "gelu", "quick_gelu", "silu", "sigmoid" -> {
                Tensor x = tensor(c, "x");
                Tensor out = like(c, "out");
                ops.unary(UnaryOp.valueOf(op.toUpperCase()), out, x);
                compare(c, op, out);
            }
            case "layer_norm" -> {
                Tensor out = like(c, "out");
                ops.layerNorm(out, tensor(c, "x"), c.has("weight") ? tensor(c, "weight") : null, c.has("bias") ? tensor(c, "bias") : null, (float) c.getDouble("eps"));
                compare(c, op, out);
            }
            case "rms_norm" -> {
                Tensor out = like(c, "out");
                ops.rmsNorm(out, tensor(c, "x"), tensor(c, "weight"), (float) c.getDouble("eps"));
                compare(c, op, out);
            }
            case "softmax" -> {
                Tensor out = like(c, "out");
                ops.softmax(out, tensor(c, "x"), c.getBoolean("causal"), c.getLong("offset"));
                compare(c, op, out);
            }
            case "conv2d" -> {
                Tensor out = like(c, "out");
                ops.conv2d(out, tensor(c, "x"), tensor(c, "w"), c.getInt("stride"), c.getInt("padding"), c.getInt("groups"));
                compare(c, op, out);
            }
            case "adaptive_avg_pool2d", "resize_bicubic" -> {
                Tensor out = like(c, "out");
                if (op.equals("resize_bicubic")) ops.resizeBicubic(out, tensor(c, "x"));
                else ops.adaptiveAvgPool2d(out, tensor(c, "x"));
                compare(c, op, out);
            }
            case "rope" -> {
                Tensor out = like(c, "out");
                ops.rope(out, tensor(c, "x"), tensor(c, "positions"), tensor(c, "inv_freq"));
                compare(c, op, out);
            }
            case "matmul" -> {
                Tensor w32 = tensor(c, "w");
                Tensor w = Tensor.allocateHost(DType.byName(c.getString("w_dtype")), w32.shape());
                ops.copy(w, w32);
                assertEquals(0.0, ErrorBudget.nmse(w.toFloatArray(), w32.toFloatArray()), "the weights are exactly representable");
                Tensor out = like(c, "out");
                ops.matmul(out, tensor(c, "x"), w);
                compare(c, op, out);
            }
            case "attention" -> {
                Tensor out = like(c, "out");
                ops.attention(out, tensor(c, "q"), tensor(c, "k"), tensor(c, "v"), (float) c.getDouble("scale"), c.getBoolean("causal"), c.getLong("offset"));
                compare(c, op, out);
            }
            case "top_k" -> topK(c);
            case "round16" -> round16(c);
            case "quantize" -> quantize(c);
            default -> throw new AssertionError("unknown golden op " + op);
        }
    }

    private void compare(JsonObject c, String op, Tensor got) {
        float[] g = got.toFloatArray(), w = tensor(c, "out").toFloatArray();
        double maxWant = 0, maxErr = 0;
        for (int i = 0; i < w.length; i++) {
            assertTrue(Float.isFinite(g[i]), c.getString("name") + ": non-finite " + g[i] + " at " + i);
            maxWant = Math.max(maxWant, Math.abs(w[i]));
            maxErr = Math.max(maxErr, Math.abs((double) g[i] - w[i]));
        }
        double rel = maxErr / maxWant, tol = TOLERANCE.get(op);
        MEASURED.put(c.getString("name"), String.format("%.2e (%.0e), nmse %.1e", rel, tol, ErrorBudget.nmse(g, w)));
        assertTrue(rel <= tol, String.format("%s: max error %.3g relative to the output scale %.3g, tolerance %.1g", c.getString("name"), rel, maxWant, tol));
    }

    /** Values must match exactly; indices too where values are distinct, otherwise they must pick equal values, lower index first. */
    private void topK(JsonObject c) {
        Tensor x = tensor(c, "x");
        int k = c.getInt("k");
        long r = x.dim(0);
        Tensor values = Tensor.allocateHost(DType.F32, r, k), indices = Tensor.allocateHost(DType.I32, r, k);
        ops.topK(values, indices, x, k);
        float[] want = tensor(c, "values").toFloatArray(), got = values.toFloatArray(), xv = x.toFloatArray();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], c.getString("name") + " value " + i);
        int[] idx = indices.toIntArray();
        if (c.has("indices")) {
            assertEquals(List.of(box(tensor(c, "indices").toIntArray())), List.of(box(idx)), c.getString("name"));
            return;
        }
        int cols = (int) x.dim(1);
        for (int i = 0; i < idx.length; i++) {
            int row = i / k;
            assertEquals(got[i], xv[row * cols + idx[i]], "index " + i + " points at its value");
            if (i % k > 0 && got[i] == got[i - 1]) assertTrue(idx[i] > idx[i - 1], "ties go to the lower index first");
        }
    }

    private static Integer[] box(int[] a) {
        Integer[] b = new Integer[a.length];
        for (int i = 0; i < a.length; i++) b[i] = a[i];
        return b;
    }

    /** Quant's F16 and BF16 conversions give torch's .half() and .bfloat16() bits (any NaN for NaN). */
    private static void round16(JsonObject c) {
        long[] bits = c.getObject("bits").getLongs("i32"), f16 = c.getObject("f16").getLongs("i32"), bf16 = c.getObject("bf16").getLongs("i32");
        for (int i = 0; i < bits.length; i++) {
            float f = Float.intBitsToFloat((int) bits[i]);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Quant.f16ToF32(Quant.f32ToF16(f))) && Float.isNaN(Quant.bf16ToF32(Quant.f32ToBf16(f))), "NaN stays NaN");
                continue;
            }
            assertEquals(Integer.toHexString((int) f16[i]), Integer.toHexString(Quant.f32ToF16(f) & 0xffff), "F16 of " + f);
            assertEquals(Integer.toHexString((int) bf16[i]), Integer.toHexString(Quant.f32ToBf16(f) & 0xffff), "BF16 of " + f);
        }
    }

    /** Quant's Q8_0 and Q4_0 quantizers give the same bytes as ggml's reference algorithm in numpy. */
    private static void quantize(JsonObject c) {
        float[] x = tensor(c, "x").toFloatArray();
        for (DType t : new DType[] {DType.Q8_0, DType.Q4_0}) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(t.byteSize(x.length));
                Quant.encode(t, x, 0, x.length, seg, 0);
                String got = HexFormat.of().formatHex(seg.toArray(ValueLayout.JAVA_BYTE));
                assertEquals(c.getString(t.name().toLowerCase()), got, c.getString("name") + " " + t);
            }
        }
    }

    // ------------------------------------------------------------------ fixture tensors

    private static Tensor tensor(JsonObject c, String key) {
        JsonObject t = c.getObject(key);
        long[] shape = t.getLongs("shape");
        if (t.has("i32")) {
            long[] v = t.getLongs("i32");
            int[] iv = new int[v.length];
            for (int i = 0; i < v.length; i++) iv[i] = Math.toIntExact(v[i]);
            return Tensor.ofInts(iv, shape);
        }
        ByteBuffer bytes = ByteBuffer.wrap(HexFormat.of().parseHex(t.getString("f32"))).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[bytes.remaining() / 4];
        bytes.asFloatBuffer().get(v);
        return Tensor.of(v, shape);
    }

    private static Tensor like(JsonObject c, String key) {
        return Tensor.allocateHost(DType.F32, c.getObject(key).getLongs("shape"));
    }
}
