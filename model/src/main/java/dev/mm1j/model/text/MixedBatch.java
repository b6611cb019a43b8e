package dev.mm1j.model.text;

import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * One forward over the new positions of several sequences at once, decode rows (one token each) and prompt chunks
 * (many rows) mixed, as continuous-batching servers run them: every projection and FFN is one GEMM over all the
 * rows, attention runs per sequence against its own cache. The caller writes the rows' embeddings into
 * {@link #input} (token embeddings with {@link TextModel#embed}, or anything else: MM1's image rows), then
 * {@link #step} appends them to the caches and returns the logits of each sequence's last row. Buffers are
 * allocated once. Not thread-safe.
 */
public final class MixedBatch implements AutoCloseable {
    private final TextModel model;
    private final RunState s;
    private final Tensor logits;        // [maxSequences, V]
    private final float[] hostLogits;   // [maxSequences·V]
    private final MemorySegment hostLogitsSeg;

    MixedBatch(TextModel model, int maxRows, int maxSequences) {
        if (maxRows < 1 || maxSequences < 1 || maxSequences > maxRows) {
            throw new Mm1jException("a mixed batch needs 1 <= sequences <= rows, got " + maxSequences + " sequences and " + maxRows + " rows");
        }
        this.model = model;
        this.s = new RunState(model.ops(), model.config(), maxRows, maxSequences, false);
        Tensor l = null;
        try {
            l = model.ops().allocate(dev.mm1j.core.DType.F32, maxSequences, model.config().vocabSize());
        } catch (RuntimeException | OutOfMemoryError e) {
            s.close();
            throw e;
        }
        this.logits = l;
        this.hostLogits = new float[Math.multiplyExact(maxSequences, model.config().vocabSize())];
        this.hostLogitsSeg = MemorySegment.ofArray(hostLogits);
    }

    public int maxRows() {
        return s.capacity;
    }

    public int maxSequences() {
        return s.segCache.length;
    }

    /** Rows [from, from + n) of the input F32 [maxRows, d]: write the embeddings of the step's positions here. */
    public Tensor input(int from, int n) {
        if (from < 0 || n < 1 || from + n > s.capacity) throw new Mm1jException("[mixed batch] input rows " + from + ".." + (from + n) + " of " + s.capacity);
        return s.x.range(from, n);
    }

    /**
     * Appends input rows to the caches: sequence i takes the next {@code lens[i]} rows (in order, from row 0) at its
     * next positions, recording {@code ids} of those rows (-1: an embedding without an id). Returns the logits
     * F32 [n, V] of each sequence's last row, in the backend's memory (valid until the next step).
     */
    public Tensor step(KvCache[] caches, int[] lens, int n, int[] ids) {
        if (n < 1 || n > maxSequences()) throw new Mm1jException("[mixed batch] a step takes 1 to " + maxSequences() + " sequences, got " + n);
        int rows = 0;
        for (int i = 0; i < n; i++) {
            if (lens[i] < 1) throw new Mm1jException("[mixed batch] sequence " + i + " has " + lens[i] + " rows");
            rows += lens[i];
        }
        if (rows > s.capacity) throw new Mm1jException("[mixed batch] " + rows + " rows, more than the " + s.capacity + " the batch holds");
        for (int r = 0; r < rows; r++) {
            if (ids[r] < -1 || ids[r] >= model.config().vocabSize()) throw new Mm1jException("[mixed batch] token id " + ids[r] + " (row " + r + ") is outside the vocabulary");
        }
        for (int i = 0; i < n; i++) {
            model.checkCache(caches[i]);
            caches[i].requireRoom(lens[i], "a batch step");
            for (int j = 0; j < i; j++) if (caches[j] == caches[i]) throw new Mm1jException("[mixed batch] sequence " + i + " repeats sequence " + j);
        }
        // 1. sequence i owns rows [row, row + len) at positions p .. p + len - 1 of its cache
        model.setSegments(s, rows, n);
        int row = 0;
        for (int i = 0; i < n; i++) {
            int p = caches[i].position();
            s.segCache[i] = caches[i];
            s.segRow[i] = row;
            s.segPos[i] = p;
            s.segLen[i] = lens[i];
            for (int j = 0; j < lens[i]; j++) s.intStage[row + j] = p + j;
            row += lens[i];
        }
        s.uploadInts(model.ops(), s.positions.first(rows));
        // 2. the layers over every row
        model.runLayers(s);
        // 3. each sequence's last row moved up to row i (last rows only grow with i, so no source is overwritten), then the head
        var ops = model.ops();
        for (int i = 0; i < n; i++) {
            int last = s.segRow[i] + s.segLen[i] - 1;
            if (last != i) ops.copy(s.x.range(i, 1), s.x.range(last, 1));
        }
        Tensor out = logits.slice(0, 0, n);
        model.head(s, 0, n, out);
        row = 0;
        for (int i = 0; i < n; i++) {
            caches[i].advance(ids, row, lens[i]);
            s.segCache[i] = null;
            row += lens[i];
        }
        return out;
    }

    /** Copies the last step's n rows of logits to the host (row i at offset i·V) and returns them. */
    public float[] copyLogitsToHost(int n) {
        model.ops().backend().copyOut(logits.slice(0, 0, n), hostLogitsSeg);
        return hostLogits;
    }

    @Override
    public void close() {
        logits.close();
        s.close();
    }
}
