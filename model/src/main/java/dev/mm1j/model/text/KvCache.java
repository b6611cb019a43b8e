package dev.mm1j.model.text;

import dev.mm1j.core.DType;
import dev.mm1j.core.Mm1jException;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import java.util.Arrays;

/**
 * One sequence's key/value cache: for every layer, keys and values {@code [capacity, KV, hd]} in F32, F16 or
 * BF16, allocated once in the backend's memory, plus the ids of the positions held (-1 where the input was
 * an embedding, e.g. an image). {@link #position()} positions are filled; the decoder appends after them.
 * Going past {@link #capacity()} is an error, never a silent overwrite. Not thread-safe.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;     // per layer [capacity, KV, hd]
    private final Tensor[] values;   // per layer [capacity, KV, hd]
    private final Tensor[] keyRows;  // per layer [capacity, KV·hd] views (rows written with set_rows)
    private final Tensor[] valueRows;
    private final int[] tokens;      // [capacity] ids of the filled positions
    private final DType dtype;
    private final int kvHeads;
    private final int headDim;
    private int position;
    private boolean closed;

    KvCache(Ops ops, TextConfig c, int capacity, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new Mm1jException("KV cache dtype must be F32, F16 or BF16, got " + dtype);
        }
        if (capacity < 1) throw new Mm1jException("the context length must be at least 1, got " + capacity);
        if (capacity > c.maxContext()) {
            throw new Mm1jException("context length " + capacity + " is longer than the model's sliding_window=" + c.slidingWindow()
                + ", which this decoder does not implement; use a context of at most " + c.maxContext());
        }
        int layers = c.numHiddenLayers();
        this.dtype = dtype;
        this.kvHeads = c.numKeyValueHeads();
        this.headDim = c.headDim();
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.keyRows = new Tensor[layers];
        this.valueRows = new Tensor[layers];
        this.tokens = new int[capacity];
        try {
            for (int l = 0; l < layers; l++) {
                keys[l] = ops.allocate(dtype, capacity, kvHeads, headDim);
                values[l] = ops.allocate(dtype, capacity, kvHeads, headDim);
                keyRows[l] = keys[l].reshape(capacity, (long) kvHeads * headDim);
                valueRows[l] = values[l].reshape(capacity, (long) kvHeads * headDim);
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
    }

    /** Bytes of cache memory for {@code capacity} positions of model {@code c} in {@code dtype}. */
    public static long bytes(TextConfig c, int capacity, DType dtype) {
        return 2L * c.numHiddenLayers() * dtype.byteSize((long) capacity * c.kvDim());
    }

    /** The number of positions this cache holds at most (the context length). */
    public int capacity() {
        return tokens.length;
    }

    /** Positions filled so far; the next input goes to this position. */
    public int position() {
        return position;
    }

    public DType dtype() {
        return dtype;
    }

    /** The ids of positions [0, position) (-1 where an embedding was given instead of an id). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, position);
    }

    /** The id at position {@code i} (< position). */
    public int token(int i) {
        if (i < 0 || i >= position) throw new IndexOutOfBoundsException("position " + i + " of " + position);
        return tokens[i];
    }

    /** Forgets everything (the memory is kept). */
    public void reset() {
        position = 0;
    }

    /** Keeps the first {@code n} positions and forgets the rest, e.g. to rewind to a shared prompt prefix. */
    public void truncate(int n) {
        if (n < 0 || n > position) throw new Mm1jException("cannot truncate a KV cache of " + position + " positions to " + n);
        position = n;
    }

    /** Room check before appending {@code n} positions. */
    void requireRoom(int n, String what) {
        if (closed) throw new Mm1jException("the KV cache was closed");
        if ((long) position + n > capacity()) {
            throw new Mm1jException(what + " of " + n + " position" + (n == 1 ? "" : "s") + " does not fit: the context holds "
                + capacity() + " positions and " + position + " are used (raise the context length, e.g. --ctx)");
        }
    }

    /** Records {@code n} appended positions (ids may be null: embeddings). */
    void advance(int[] ids, int idsOffset, int n) {
        for (int i = 0; i < n; i++) tokens[position + i] = ids == null ? -1 : ids[idsOffset + i];
        position += n;
    }

    Tensor keys(int layer) {
        return keys[layer];
    }

    Tensor values(int layer) {
        return values[layer];
    }

    Tensor keyRows(int layer) {
        return keyRows[layer];
    }

    Tensor valueRows(int layer) {
        return valueRows[layer];
    }

    boolean fits(TextConfig c) {
        return keys.length == c.numHiddenLayers() && kvHeads == c.numKeyValueHeads() && headDim == c.headDim();
    }

    @Override
    public void close() {
        closed = true;
        for (Tensor[] ts : new Tensor[][] {keys, values}) {
            for (int l = 0; l < ts.length; l++) {
                if (ts[l] != null) ts[l].close();
                ts[l] = null;
            }
        }
    }
}
