package dev.mm1j.model.generation;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.model.text.DecodeBatch;
import dev.mm1j.model.text.KvCache;
import dev.mm1j.model.text.TextModel;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The generate loop for one sequence: prefill the prompt (reusing whatever prefix of it the KV cache already
 * holds, so a chat continues where the last turn ended), then sample and decode one token at a time until a
 * stop token, a stop string, the token limit or a full context. Owns its decode buffers; not thread-safe.
 */
public final class Generator implements AutoCloseable {
    private final TextModel model;
    private final DecodeBatch batch;
    private final Tensor lastLogits;     // [1, V] in the backend's memory
    private final float[] hostLogits;    // [V]
    private final MemorySegment hostLogitsSeg;
    private final KvCache[] one = new KvCache[1];
    private final int[] token = new int[1];

    public Generator(TextModel model) {
        this.model = model;
        this.batch = model.newDecodeBatch(1);
        int v = model.config().vocabSize();
        this.lastLogits = model.ops().allocate(DType.F32, 1, v);
        this.hostLogits = new float[v];
        this.hostLogitsSeg = MemorySegment.ofArray(hostLogits);
    }

    /**
     * Appends prompt positions [{@code from}, prompt length) to a cache and writes the last one's logits into
     * {@code lastLogits} [1, V]: by default {@link TextModel#prefill} of the ids; MM1 splices image embeddings in.
     */
    @FunctionalInterface
    public interface PromptFeeder {
        void feed(KvCache cache, int from, Tensor lastLogits);
    }

    /**
     * Continues {@code cache} with {@code prompt} and generates. {@code text} (nullable) turns ids into text
     * for stop strings and the listener; {@code listener} (nullable) sees every token as it comes.
     */
    public GenerationResult generate(KvCache cache, int[] prompt, GenerationParams params, TextStream text, TokenListener listener) {
        return generate(cache, prompt, (c, from, logits) -> model.prefill(c, Arrays.copyOfRange(prompt, from, prompt.length), logits),
            params, text, listener);
    }

    /**
     * As above, with the prompt positions fed by {@code feeder}. Ids below 0 in {@code prompt} mark positions that are
     * not tokens (MM1's image embeddings): they are never reused from the cache, so a cached prefix ends there.
     */
    public GenerationResult generate(KvCache cache, int[] prompt, PromptFeeder feeder, GenerationParams params, TextStream text, TokenListener listener) {
        if (prompt.length == 0) throw new Mm1jException("the prompt is empty (at least one token is needed, e.g. BOS)");
        if (prompt.length > cache.capacity()) {
            throw new Mm1jException("the prompt has " + prompt.length + " tokens but the context holds " + cache.capacity() + " (raise it with --ctx)");
        }
        if (!params.stopStrings().isEmpty() && text == null) throw new Mm1jException("stop strings need a tokenizer to decode the text");
        Sampler sampler = new Sampler(params.sampling(), model.config().vocabSize());
        sampler.acceptAll(prompt);
        StopStrings stops = new StopStrings(params.stopStrings());
        StringBuilder visible = new StringBuilder();

        // 1. reuse the cached prefix of the prompt; at least the last prompt position is recomputed for its logits
        int reuse = 0, held = cache.position();
        while (reuse < held && reuse < prompt.length - 1 && prompt[reuse] >= 0 && cache.token(reuse) == prompt[reuse]) reuse++;
        cache.truncate(reuse);
        long t0 = System.nanoTime();
        feeder.feed(cache, reuse, lastLogits);
        model.ops().backend().copyOut(lastLogits, hostLogitsSeg);
        long t1 = System.nanoTime();

        // 2. sample, emit, decode
        int[] out = new int[Math.max(16, Math.min(params.maxNewTokens(), 4096))];
        int n = 0, steps = 0;
        GenerationResult.StopReason reason = GenerationResult.StopReason.MAX_TOKENS;
        float[] logits = hostLogits;
        while (n < params.maxNewTokens()) {
            int id = sampler.sample(logits, 0);
            if (params.isStopToken(id)) {
                reason = GenerationResult.StopReason.STOP_TOKEN;
                break;
            }
            if (n == out.length) out = Arrays.copyOf(out, out.length * 2);
            out[n++] = id;
            sampler.accept(id);
            String piece = text == null ? "" : stops.push(text.step(id));
            visible.append(piece);
            if (listener != null) listener.onToken(id, piece);
            if (stops.stopped()) {
                reason = GenerationResult.StopReason.STOP_STRING;
                break;
            }
            if (n == params.maxNewTokens()) break;
            if (cache.position() == cache.capacity()) {
                reason = GenerationResult.StopReason.CONTEXT_FULL;
                break;
            }
            one[0] = cache;
            token[0] = id;
            batch.step(one, token, 1);
            logits = batch.copyLogitsToHost(1);
            steps++;
        }
        long t2 = System.nanoTime();
        if (text != null && !stops.stopped()) {
            String tail = stops.push(text.flush()) + stops.flush();
            visible.append(tail);
            if (listener != null) listener.onToken(-1, tail);
        } else if (listener != null) {
            listener.onToken(-1, "");
        }
        return new GenerationResult(Arrays.copyOf(out, n), visible.toString(), reason, prompt.length, reuse, t1 - t0, t2 - t1, steps);
    }

    @Override
    public void close() {
        batch.close();
        lastLogits.close();
    }
}
