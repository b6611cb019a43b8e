package dev.mm1j.core.quant;

import dev.mm1j.core.DType;
import dev.mm1j.core.ShapeException;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * Whole-tensor dtype conversion on the host, row by row (a row is the last dimension), in parallel: decode
 * a row to floats, encode it in the target dtype. Used for quantize-on-load and for dequantizing GGUF
 * block types the engine does not compute on. The result is a new contiguous tensor that owns its memory.
 */
public final class Convert {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Rows per parallel task. */
    private static final int ROWS_PER_TASK = 16;

    private Convert() {}

    /** Produces row {@code row} (of {@code out.length} values) as floats. */
    @FunctionalInterface
    public interface RowSource {
        void row(long row, float[] out);
    }

    /** {@code t} itself when it is contiguous F32, else a new contiguous F32 copy (host tensors). */
    public static Tensor asF32(Tensor t) {
        return t.dtype() == DType.F32 && t.isContiguous() ? t : to(t, DType.F32);
    }

    /** {@code src} (any host dtype, any strides) converted to a new contiguous tensor of {@code target}. */
    public static Tensor to(Tensor src, DType target) {
        if (!src.isHost()) throw new ShapeException("[convert] " + src + " is not in host memory");
        long[] shape = src.shape();
        long cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        return rows(shape, target, rowSource(src, cols));
    }

    /**
     * A new contiguous {@code target} tensor of {@code shape} whose rows come from {@code source}.
     *
     * @throws ShapeException if a row is longer than a Java array or not a multiple of the target's block
     */
    public static Tensor rows(long[] shape, DType target, RowSource source) {
        long cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        if (cols > Integer.MAX_VALUE - 8) throw new ShapeException("[convert] rows of " + cols + " values are too long");
        if (cols % target.blockSize() != 0) throw new ShapeException("[convert] " + Arrays.toString(shape) + " to " + target + ": rows must be a multiple of " + target.blockSize());
        Tensor out = Tensor.allocateHost(target, shape);
        long rows = cols == 0 ? 0 : out.numel() / cols;
        long rowBytes = target.byteSize(cols);
        MemorySegment dst = out.segment();
        long tasks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        try {
            LongStream.range(0, tasks).parallel().forEach(task -> {
                float[] buf = new float[(int) cols];
                long end = Math.min(rows, (task + 1) * ROWS_PER_TASK);
                for (long r = task * ROWS_PER_TASK; r < end; r++) {
                    source.row(r, buf);
                    encode(target, buf, dst, r * rowBytes);
                }
            });
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** Row reader for a host tensor: fast paths for contiguous F32/F16/BF16/Q8_0/Q4_0, element access otherwise. */
    private static RowSource rowSource(Tensor src, long cols) {
        DType dt = src.dtype();
        MemorySegment seg = src.segment();
        int rank = src.rank();
        if (src.isContiguous()) {
            long base = src.byteOffset();
            long rowBytes = dt.byteSize(cols);
            return (r, out) -> decode(dt, seg, base + r * rowBytes, out);
        }
        long[] shape = src.shape(), strides = src.strides();
        long lastStride = strides[rank - 1];
        return (r, out) -> {
            long e = src.offset();
            long rem = r;
            for (int d = rank - 2; d >= 0; d--) {
                e += (rem % shape[d]) * strides[d];
                rem /= shape[d];
            }
            for (int j = 0; j < out.length; j++) out[j] = Quant.getFloat(seg, dt, e + j * lastStride);
        };
    }

    /** Decodes {@code out.length} consecutive values of {@code dt} starting at byte {@code off}. */
    public static void decode(DType dt, MemorySegment seg, long off, float[] out) {
        int n = out.length;
        switch (dt) {
            case F32 -> MemorySegment.copy(seg, F32, off, out, 0, n);
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(seg.get(I16, off + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) out[i] = Quant.bf16ToF32(seg.get(I16, off + 2L * i));
            }
            case Q8_0 -> Quant.dequantizeQ8_0(seg, off, out, 0, n);
            case Q4_0 -> Quant.dequantizeQ4_0(seg, off, out, 0, n);
            default -> {
                long first = off / dt.blockBytes();
                for (int i = 0; i < n; i++) out[i] = Quant.getFloat(seg, dt, first + i);
            }
        }
    }

    /** Encodes {@code src} as {@code dt} at byte {@code off} (F32, F16, BF16, Q8_0, Q4_0). */
    public static void encode(DType dt, float[] src, MemorySegment seg, long off) {
        int n = src.length;
        switch (dt) {
            case F32 -> MemorySegment.copy(src, 0, seg, F32, off, n);
            case F16 -> {
                for (int i = 0; i < n; i++) seg.set(I16, off + 2L * i, Float.floatToFloat16(src[i]));
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) seg.set(I16, off + 2L * i, Quant.f32ToBf16(src[i]));
            }
            case Q8_0 -> Quant.quantizeQ8_0(src, 0, n, seg, off);
            case Q4_0 -> Quant.quantizeQ4_0(src, 0, n, seg, off);
            default -> throw new ShapeException("[convert] cannot convert into " + dt);
        }
    }
}
