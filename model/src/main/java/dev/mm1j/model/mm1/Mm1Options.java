package dev.mm1j.model.mm1;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.model.vision.ImageDecoder;
import java.util.function.Consumer;

/**
 * How {@link Mm1#load} sets a model up. Immutable; start from {@link #defaults()} and change what you need:
 * {@code Mm1Options.defaults().threads(4).weights(DType.Q8_0)}.
 *
 * @param backend        compute backend name ({@code auto}: the best available; {@code cpu}, {@code reference}, {@code cuda})
 * @param threads        worker threads (0: all cores)
 * @param weights        convert matmul weights on load (quantize-on-load: Q8_0, Q4_0, BF16, F16, F32), or null: as stored
 * @param contextLength  KV-cache positions (0: the model's max_position_embeddings, at most 4096)
 * @param kvCache        KV-cache dtype F32, F16 or BF16, or null: F32 up to 256 MiB of cache, beyond that F16 where the
 *                       backend computes on it
 * @param template       the chat format by name (mm1, llama3, chatml, mistral, raw), or null: from the checkpoint
 * @param maxImagePixels refuse images whose header declares more pixels
 * @param log            where loading notes and warnings go (one line each), or null: nowhere
 * @param mmproj         llama.cpp's mmproj GGUF that goes with a text GGUF (a LLaVA pair, spec §9.1), or null
 */
public record Mm1Options(String backend, int threads, DType weights, int contextLength, DType kvCache, String template,
                         long maxImagePixels, Consumer<String> log, java.nio.file.Path mmproj) {

    public Mm1Options {
        if (backend == null || backend.isBlank()) throw new Mm1jException("options: backend must be named (auto for the best available)");
        if (threads < 0) throw new Mm1jException("options: threads must be >= 0 (0 = all cores), got " + threads);
        if (contextLength < 0) throw new Mm1jException("options: context length must be >= 0 (0 = the model's), got " + contextLength);
        if (kvCache != null && kvCache != DType.F32 && kvCache != DType.F16 && kvCache != DType.BF16) {
            throw new Mm1jException("options: the KV cache must be F32, F16 or BF16, got " + kvCache);
        }
        if (maxImagePixels < 1) throw new Mm1jException("options: the image pixel limit must be positive, got " + maxImagePixels);
    }

    /** The best backend, all cores, weights as stored, the model's context, the checkpoint's chat format. */
    public static Mm1Options defaults() {
        return new Mm1Options("auto", 0, null, 0, null, null, ImageDecoder.withDefaultLimit().maxPixels(), null, null);
    }

    public Mm1Options backend(String name) {
        return new Mm1Options(name, threads, weights, contextLength, kvCache, template, maxImagePixels, log, mmproj);
    }

    public Mm1Options threads(int n) {
        return new Mm1Options(backend, n, weights, contextLength, kvCache, template, maxImagePixels, log, mmproj);
    }

    public Mm1Options weights(DType dtype) {
        return new Mm1Options(backend, threads, dtype, contextLength, kvCache, template, maxImagePixels, log, mmproj);
    }

    public Mm1Options contextLength(int n) {
        return new Mm1Options(backend, threads, weights, n, kvCache, template, maxImagePixels, log, mmproj);
    }

    public Mm1Options kvCache(DType dtype) {
        return new Mm1Options(backend, threads, weights, contextLength, dtype, template, maxImagePixels, log, mmproj);
    }

    public Mm1Options template(String name) {
        return new Mm1Options(backend, threads, weights, contextLength, kvCache, name, maxImagePixels, log, mmproj);
    }

    public Mm1Options maxImagePixels(long n) {
        return new Mm1Options(backend, threads, weights, contextLength, kvCache, template, n, log, mmproj);
    }

    public Mm1Options log(Consumer<String> sink) {
        return new Mm1Options(backend, threads, weights, contextLength, kvCache, template, maxImagePixels, sink, mmproj);
    }

    public Mm1Options mmproj(java.nio.file.Path file) {
        return new Mm1Options(backend, threads, weights, contextLength, kvCache, template, maxImagePixels, log, file);
    }
}
