package dev.mm1j.model.text;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import java.lang.foreign.MemorySegment;

/**
 * The decode step: one new token for each of up to {@link #capacity()} sequences, computed together (one GEMM
 * over the N rows for every projection and FFN; attention per sequence against its own cache). Buffers are
 * allocated once; a step allocates nothing. Not thread-safe.
 */
public final class DecodeBatch implements AutoCloseable {
    private final TextModel model;
    private final RunState s;
    private final float[] hostLogits;         // [N·V] after copyLogitsToHost
    private final MemorySegment hostLogitsSeg;

    DecodeBatch(TextModel model, RunState s) {
        this.model = model;
        this.s = s;
        this.hostLogits = new float[Math.multiplyExact(s.capacity, model.config().vocabSize())];
        this.hostLogitsSeg = MemorySegment.ofArray(hostLogits);
    }

    public int capacity() {
        return s.capacity;
    }

    /**
     * Feeds {@code tokens[i]} to sequence {@code caches[i]} for i &lt; n (distinct caches), at each cache's next
     * position, and returns the logits F32 [n, V] in the backend's memory (valid until the next step).
     */
    public Tensor step(KvCache[] caches, int[] tokens, int n) {
        if (n < 1 || n > s.capacity) throw new Mm1jException("a decode step takes 1 to " + s.capacity + " sequences, got " + n);
        model.checkIds(tokens, 0, n);
        for (int i = 0; i < n; i++) {
            model.checkCache(caches[i]);
            caches[i].requireRoom(1, "a decode step");
            for (int j = 0; j < i; j++) if (caches[j] == caches[i]) throw new Mm1jException("sequence " + i + " of a decode step repeats sequence " + j);
        }
        Ops ops = model.ops();
        // 1. embeddings of the new tokens
        System.arraycopy(tokens, 0, s.intStage, 0, n);
        s.uploadInts(ops, s.ids.first(n));
        ops.getRows(s.x.first(n), model.embedTable(), s.ids.first(n));
        // 2. row i continues sequence i at its next position
        model.setSegments(s, n, n);
        for (int i = 0; i < n; i++) {
            int p = caches[i].position();
            s.segCache[i] = caches[i];
            s.segRow[i] = i;
            s.segPos[i] = p;
            s.segLen[i] = 1;
            s.intStage[i] = p;
        }
        s.uploadInts(ops, s.positions.first(n));
        // 3. layers and head
        model.runLayers(s);
        Tensor logits = s.logits.first(n);
        model.head(s, 0, n, logits);
        for (int i = 0; i < n; i++) caches[i].advance(tokens, i, 1);
        return logits;
    }

    /** Copies the last step's n rows of logits to {@link #hostLogits()} (row i at offset i·V) and returns it. */
    public float[] copyLogitsToHost(int n) {
        model.ops().backend().copyOut(s.logits.first(n), hostLogitsSeg);
        return hostLogits;
    }

    /** The host copy of the logits made by {@link #copyLogitsToHost}. */
    public float[] hostLogits() {
        return hostLogits;
    }

    @Override
    public void close() {
        s.close();
    }
}
