package dev.mm1j.model.text;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;

/**
 * The decoder of MM1 and of the Llama / Mistral / Qwen2 / Mixtral family (spec §6): token embeddings, the
 * layers, the final RMSNorm and the output head, run against per-sequence {@link KvCache}s.
 *
 * <ul>
 *   <li>{@link #prefill}: a prompt of ids appended to one sequence, batched (GEMM), in chunks.</li>
 *   <li>{@link #embed} then {@link #forward}: the same from embeddings, so that callers can splice in rows
 *       that are not token embeddings (MM1's images, spec §7).</li>
 *   <li>{@link #newDecodeBatch}: one position for each of N sequences per step, allocation-free.</li>
 *   <li>{@link #newMixedBatch}: decode rows and prompt chunks of several sequences in one forward (servers).</li>
 * </ul>
 * A model runs one forward at a time (the prefill buffers are shared); use it from one thread.
 */
public final class TextModel implements AutoCloseable {
    /** Rows per prefill chunk: bounds the activation memory of long prompts. */
    public static final int DEFAULT_PREFILL_CHUNK = 512;

    private final TextConfig config;
    private final Ops ops;
    private final Tensor embedTokens;   // [V, d] as stored (any dtype getRows reads)
    private final DecoderLayer[] layers;
    private final Tensor norm;          // F32 [d]
    private final Tensor lmHead;        // [V, d] prepared for matmul; from embed_tokens when tie_word_embeddings
    private final Tensor invFreq;       // F32 [hd/2]
    private final int prefillChunk;
    private RunState prefillState;      // made on first use

    private TextModel(TextConfig c, Weights w, Ops ops, int prefillChunk) {
        this.config = c;
        this.ops = ops;
        this.prefillChunk = prefillChunk;
        long v = c.vocabSize(), d = c.hiddenSize();
        this.embedTokens = w.on(ops).embedding("model.embed_tokens.weight", v, d);
        float[] inv = Rope.invFreq(c);
        this.invFreq = ops.upload(Tensor.of(inv, inv.length));
        this.layers = new DecoderLayer[c.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new DecoderLayer(w.prefix("model.layers").prefix(i), ops, c, i, invFreq);
        }
        this.norm = w.on(ops).f32("model.norm.weight", d);
        if (c.tieWordEmbeddings()) {
            w.getOptional("lm_head.weight", v, d); // a tied copy some exporters write: same values, not used
            // with quantize-on-load the head gets its own quantized copy; the gather table stays as stored
            this.lmHead = w.matrixDtype() == null ? ops.prepareWeight(embedTokens) : w.on(ops).matrix("model.embed_tokens.weight", v, d);
        } else {
            if (!w.has("lm_head.weight")) {
                throw new Mm1jException("missing tensor '" + w.fullName("lm_head.weight") + "' in " + w.source().describe()
                    + " (config.json has tie_word_embeddings=false)");
            }
            this.lmHead = w.on(ops).matrix("lm_head.weight", v, d);
        }
    }

    /**
     * Loads the decoder from {@code w}, whose names are those of spec §6 without the {@code language_model.}
     * prefix (pass {@code weights.prefix("language_model")} for an MM1 checkpoint).
     */
    public static TextModel load(TextConfig c, Weights w, Ops ops) {
        return load(c, w, ops, DEFAULT_PREFILL_CHUNK);
    }

    public static TextModel load(TextConfig c, Weights w, Ops ops, int prefillChunk) {
        if (prefillChunk < 1) throw new Mm1jException("the prefill chunk must be at least 1 row, got " + prefillChunk);
        return new TextModel(c, w, ops, prefillChunk);
    }

    public TextConfig config() {
        return config;
    }

    public Ops ops() {
        return ops;
    }

    /** Whether layer {@code i} has the MoE FFN. */
    public boolean isMoeLayer(int i) {
        return layers[i].isMoe();
    }

    /** A new empty cache holding {@code capacity} positions of keys and values in {@code dtype}. */
    public KvCache newCache(int capacity, DType dtype) {
        return new KvCache(ops, config, capacity, dtype);
    }

    /** A decode step for up to {@code maxSequences} sequences at once, with its buffers allocated now. */
    public DecodeBatch newDecodeBatch(int maxSequences) {
        if (maxSequences < 1) throw new Mm1jException("a decode batch needs at least 1 sequence, got " + maxSequences);
        return new DecodeBatch(this, new RunState(ops, config, maxSequences, maxSequences, true));
    }

    /**
     * A step over up to {@code maxRows} new positions of up to {@code maxSequences} sequences at once (decode rows
     * and prompt chunks mixed, for servers), with its buffers allocated now.
     */
    public MixedBatch newMixedBatch(int maxRows, int maxSequences) {
        return new MixedBatch(this, maxRows, maxSequences);
    }

    // ================================================================== embeddings in, logits out

    /** {@code out[t] = embed_tokens[ids[t]]}: out F32 [T, d] in the backend's memory. */
    public void embed(Tensor out, int[] ids) {
        checkIds(ids, 0, ids.length);
        if (out.dtype() != DType.F32 || out.rank() != 2 || out.dim(0) != ids.length || out.dim(1) != config.hiddenSize()) {
            throw new Mm1jException("[embed] out=" + out + ": expected F32[" + ids.length + ", " + config.hiddenSize() + "]");
        }
        try (Tensor idt = ops.allocate(DType.I32, ids.length)) {
            ops.copyIn(idt, java.lang.foreign.MemorySegment.ofArray(ids));
            ops.getRows(out, embedTokens, idt);
        }
    }

    /**
     * Appends the prompt {@code ids} to {@code cache}, batched. {@code logits} is null, [1, V] (the last
     * position's logits) or [T, V] (every position's).
     */
    public void prefill(KvCache cache, int[] ids, Tensor logits) {
        checkIds(ids, 0, ids.length);
        run(cache, null, ids, ids.length, logits);
    }

    /**
     * Appends positions given as embeddings {@code hidden} F32 [T, d] (read, not modified) to {@code cache}.
     * {@code ids} (nullable, length T) are recorded in the cache, -1 marking embedding-only positions.
     * {@code logits} as in {@link #prefill}.
     */
    public void forward(KvCache cache, Tensor hidden, int[] ids, Tensor logits) {
        if (hidden.dtype() != DType.F32 || hidden.rank() != 2 || hidden.dim(1) != config.hiddenSize()) {
            throw new Mm1jException("[forward] hidden=" + hidden + ": expected F32[T, " + config.hiddenSize() + "]");
        }
        int t = (int) hidden.dim(0);
        if (ids != null && ids.length != t) throw new Mm1jException("[forward] " + ids.length + " ids for " + t + " positions");
        run(cache, hidden, ids, t, logits);
    }

    private void run(KvCache cache, Tensor hidden, int[] ids, int t, Tensor logits) {
        if (t == 0) throw new Mm1jException("[forward] empty input");
        checkCache(cache);
        checkLogits(logits, t);
        cache.requireRoom(t, "an input");
        RunState s = prefillState();
        for (int a = 0; a < t; a += prefillChunk) {
            int n = Math.min(prefillChunk, t - a);
            // 1. the chunk's input rows into the residual stream
            if (hidden != null) {
                ops.copy(s.x.first(n), hidden.slice(0, a, a + n));
            } else {
                System.arraycopy(ids, a, s.intStage, 0, n);
                s.uploadInts(ops, s.ids.first(n));
                ops.getRows(s.x.first(n), embedTokens, s.ids.first(n));
            }
            // 2. one sequence, positions p .. p+n-1
            int p = cache.position();
            setSegments(s, n, 1);
            s.segCache[0] = cache;
            s.segRow[0] = 0;
            s.segPos[0] = p;
            s.segLen[0] = n;
            for (int i = 0; i < n; i++) s.intStage[i] = p + i;
            s.uploadInts(ops, s.positions.first(n));
            // 3. the layers, then the head on the rows that were asked for
            runLayers(s);
            if (logits != null && logits.dim(0) == t) head(s, 0, n, logits.slice(0, a, a + n));
            else if (logits != null && a + n == t) head(s, n - 1, 1, logits);
            cache.advance(ids, a, n);
        }
    }

    // ================================================================== shared by prefill and decode

    void setSegments(RunState s, int rows, int segments) {
        s.rows = rows;
        s.segments = segments;
    }

    void runLayers(RunState s) {
        for (DecoderLayer layer : layers) layer.forward(ops, s);
    }

    /** logits [n, V] = RMSNorm(x[from, from+n)) · lm_headᵀ. */
    void head(RunState s, int from, int n, Tensor logits) {
        Tensor xn = s.xn.range(from, n);
        ops.rmsNorm(xn, s.x.range(from, n), norm, config.rmsNormEps());
        ops.matmul(logits, xn, lmHead);
    }

    Tensor embedTable() {
        return embedTokens;
    }

    void checkIds(int[] ids, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
                throw new Mm1jException("token id " + ids[i] + " (at " + i + ") is outside the vocabulary [0, " + config.vocabSize() + ")");
            }
        }
    }

    void checkCache(KvCache cache) {
        if (cache == null) throw new Mm1jException("no KV cache given");
        if (!cache.fits(config)) throw new Mm1jException("the KV cache was made for a model of another shape");
    }

    private void checkLogits(Tensor logits, int t) {
        if (logits == null) return;
        long v = config.vocabSize();
        if (logits.dtype() != DType.F32 || logits.rank() != 2 || logits.dim(1) != v || (logits.dim(0) != 1 && logits.dim(0) != t) || !logits.isContiguous()) {
            throw new Mm1jException("[forward] logits=" + logits + ": expected contiguous F32[1, " + v + "] or F32[" + t + ", " + v + "]");
        }
    }

    private RunState prefillState() {
        if (prefillState == null) prefillState = new RunState(ops, config, prefillChunk, 1, false);
        return prefillState;
    }

    /**
     * Bytes of weights a decode step reads per token: every layer's projections (for MoE layers the router and,
     * on average, k of the E experts), the norms and the output head. Times tokens/s, the memory bandwidth used.
     */
    public double bytesPerToken() {
        double b = norm.byteSize() + lmHead.byteSize() + (double) embedTokens.byteSize() / config.vocabSize();
        for (DecoderLayer l : layers) b += l.bytesPerToken();
        return b;
    }

    /** Bytes of every weight the model holds (embeddings, layers, head), as loaded. */
    public long weightBytes() {
        long b = embedTokens.byteSize() + norm.byteSize() + (lmHead != embedTokens ? lmHead.byteSize() : 0);
        for (DecoderLayer l : layers) b += l.weightBytes();
        return b;
    }

    /** The number of parameters (from the config). */
    public long parameterCount() {
        TextConfig c = config;
        long d = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize();
        long attn = d * c.qDim() * 2L + d * c.kvDim() * 2L + (c.attentionBias() ? c.qDim() + 2L * c.kvDim() : 0);
        long total = v * d * (c.tieWordEmbeddings() ? 1 : 2) + d;
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            long ffn = c.isMoeLayer(i) ? c.numLocalExperts() * (d + 3 * f * d) : 3 * f * d;
            total += 2 * d + attn + ffn;
        }
        return total;
    }

    /** A one-line description: family, sizes, parameter dtype. */
    public String describe() {
        TextConfig c = config;
        return c.modelType() + ": " + c.numHiddenLayers() + " layers, hidden " + c.hiddenSize() + ", heads " + c.numAttentionHeads() + "/"
            + c.numKeyValueHeads() + " (head_dim " + c.headDim() + "), FFN " + c.intermediateSize()
            + (c.numLocalExperts() > 0 ? ", " + c.numLocalExperts() + " experts (top " + c.numExpertsPerTok() + ", every " + c.moeLayerFrequency() + ")" : "")
            + ", vocab " + c.vocabSize() + ", weights " + layers[0].weightDtype();
    }

    @Override
    public void close() {
        if (prefillState != null) prefillState.close();
        prefillState = null;
    }

    @Override
    public String toString() {
        return describe();
    }
}
