package dev.mm1j.spark;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How the executors run the model. Immutable and serializable: it travels to the executors inside the job's
 * closures (a few strings and numbers; the weights never leave storage).
 *
 * @param model          the checkpoint folder as every executor sees it (shared storage), or the name of a folder or
 *                       archive shipped with {@code --archives}/{@code --files} (looked up in the executor's working
 *                       folder and in {@code SparkFiles}); see {@link ModelLocation}
 * @param backend        the compute backend (null: the default, {@code cpu})
 * @param threads        kernel threads of each executor's model (0: the executor's cores)
 * @param weights        convert the matmul weights on load (q8_0, f16, ...; null: as stored)
 * @param context        KV-cache positions per sequence (0: the model's, at most 4096)
 * @param parallel       rows decoded together by one executor's engine (one KV cache each)
 * @param maxTokens      answer tokens per row at most (bounded by what the context leaves)
 * @param maxImagePixels width × height of one decoded image at most (larger images are error rows)
 * @param rowTimeout     one row's limit, from its submission to its last token (an expired row is an error row)
 * @param timings        whether the output carries the {@code image_ms} and {@code answer_ms} columns
 */
public record Mm1SparkOptions(String model, String backend, int threads, String weights, int context, int parallel, int maxTokens,
                              long maxImagePixels, Duration rowTimeout, boolean timings) implements Serializable {

    public static final int DEFAULT_PARALLEL = 16;
    public static final int DEFAULT_MAX_TOKENS = 256;
    public static final long DEFAULT_MAX_IMAGE_PIXELS = 4096L * 4096;
    public static final Duration DEFAULT_ROW_TIMEOUT = Duration.ofMinutes(30);

    public Mm1SparkOptions {
        Objects.requireNonNull(model, "model");
        if (model.isBlank()) throw new IllegalArgumentException("mm1j-spark: the model path must not be empty");
        if (threads < 0) throw new IllegalArgumentException("mm1j-spark: threads must be >= 0 (0: the executor's cores), got " + threads);
        if (context < 0) throw new IllegalArgumentException("mm1j-spark: context must be >= 0 (0: the model's), got " + context);
        if (parallel < 1 || parallel > 4096) throw new IllegalArgumentException("mm1j-spark: parallel must be in 1..4096, got " + parallel);
        if (maxTokens < 1) throw new IllegalArgumentException("mm1j-spark: maxTokens must be >= 1, got " + maxTokens);
        if (maxImagePixels < 1) throw new IllegalArgumentException("mm1j-spark: maxImagePixels must be >= 1, got " + maxImagePixels);
        Objects.requireNonNull(rowTimeout, "rowTimeout");
        if (rowTimeout.isNegative() || rowTimeout.isZero()) throw new IllegalArgumentException("mm1j-spark: rowTimeout must be positive");
    }

    /** The defaults for {@code model}: cpu backend, the executor's cores, weights as stored, greedy answers. */
    public static Mm1SparkOptions of(String model) {
        return new Mm1SparkOptions(model, null, 0, null, 0, DEFAULT_PARALLEL, DEFAULT_MAX_TOKENS, DEFAULT_MAX_IMAGE_PIXELS, DEFAULT_ROW_TIMEOUT, true);
    }

    public Mm1SparkOptions backend(String name) {
        return new Mm1SparkOptions(model, name, threads, weights, context, parallel, maxTokens, maxImagePixels, rowTimeout, timings);
    }

    public Mm1SparkOptions threads(int n) {
        return new Mm1SparkOptions(model, backend, n, weights, context, parallel, maxTokens, maxImagePixels, rowTimeout, timings);
    }

    public Mm1SparkOptions weights(String dtype) {
        return new Mm1SparkOptions(model, backend, threads, dtype, context, parallel, maxTokens, maxImagePixels, rowTimeout, timings);
    }

    public Mm1SparkOptions context(int n) {
        return new Mm1SparkOptions(model, backend, threads, weights, n, parallel, maxTokens, maxImagePixels, rowTimeout, timings);
    }

    public Mm1SparkOptions parallel(int n) {
        return new Mm1SparkOptions(model, backend, threads, weights, context, n, maxTokens, maxImagePixels, rowTimeout, timings);
    }

    public Mm1SparkOptions maxTokens(int n) {
        return new Mm1SparkOptions(model, backend, threads, weights, context, parallel, n, maxImagePixels, rowTimeout, timings);
    }

    public Mm1SparkOptions maxImagePixels(long n) {
        return new Mm1SparkOptions(model, backend, threads, weights, context, parallel, maxTokens, n, rowTimeout, timings);
    }

    public Mm1SparkOptions rowTimeout(Duration d) {
        return new Mm1SparkOptions(model, backend, threads, weights, context, parallel, maxTokens, maxImagePixels, d, timings);
    }

    public Mm1SparkOptions timings(boolean on) {
        return new Mm1SparkOptions(model, backend, threads, weights, context, parallel, maxTokens, maxImagePixels, rowTimeout, on);
    }

    /** What decides which model an executor opens: rows with options that differ only in {@link #timings} share it. */
    String modelKey() {
        return String.join("|", model, String.valueOf(backend), String.valueOf(threads), String.valueOf(weights), String.valueOf(context),
            String.valueOf(parallel), String.valueOf(maxTokens), String.valueOf(maxImagePixels), rowTimeout.toString());
    }
}
