package dev.mm1j.model.text;

import dev.mm1j.core.DType;
import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The activations of one forward step over at most {@link #capacity} rows, allocated once (llama2.c's
 * RunState): the decoder writes into views of these buffers, so a step allocates nothing. The rows of a
 * step belong to one or more sequences ({@link #segments}): a prefill chunk is one segment of many rows, a
 * batched decode step is one row for each sequence.
 */
final class RunState implements AutoCloseable {
    final int capacity;
    private final List<Tensor> owned = new ArrayList<>();

    // activations, each [capacity, ...]
    final Rows x;       // [R, d]      the residual stream
    final Rows xn;      // [R, d]      normalised input of the current block
    final Rows out;     // [R, d]      the block's output before the residual add
    final Rows q;       // [R, H·hd]
    final Rows q3;      // [R, H, hd]  (same memory)
    final Rows k;       // [R, KV·hd]
    final Rows k3;      // [R, KV, hd]
    final Rows v;       // [R, KV·hd]
    final Rows att;     // [R, H·hd]   attention output, input of o_proj
    final Rows att3;    // [R, H, hd]
    final Rows gate;    // [R, F]
    final Rows up;      // [R, F]
    final Rows positions; // I32 [R]   position of every row (RoPE angles and KV-cache rows)
    final Rows ids;       // I32 [R]   token ids to embed
    final Rows logits;    // [R, V] or null (prefill writes into the caller's tensor)

    // MoE (null for dense models)
    final Rows router;    // [R, E]    router logits
    final Rows xe;        // [R, d]    the rows routed to one expert
    final Rows ge;        // [R, F]
    final Rows ue;        // [R, F]
    final Rows ye;        // [R, d]
    final Rows expertIds; // I32 [R]   row of each routed token
    final Rows expertW;   // F32 [R]   its routing weight
    final float[] routerHost;   // [R·E]
    final MoeRouting routing;
    final MemorySegment routerHostSeg;

    // host staging for small integer/float inputs, wrapped once
    final int[] intStage;
    final MemorySegment intStageSeg;
    final float[] floatStage;
    final MemorySegment floatStageSeg;

    // the sequences of the current step: rows [segRow[s], segRow[s] + segLen[s]) continue cache segCache[s] at segPos[s]
    int rows;
    int segments;
    final KvCache[] segCache;
    final int[] segRow;
    final int[] segPos;
    final int[] segLen;

    RunState(Ops ops, TextConfig c, int capacity, int maxSegments, boolean withLogits) {
        this.capacity = capacity;
        long r = capacity, d = c.hiddenSize(), f = c.intermediateSize();
        try {
            x = rows(ops, DType.F32, r, d);
            xn = rows(ops, DType.F32, r, d);
            out = rows(ops, DType.F32, r, d);
            q = rows(ops, DType.F32, r, c.qDim());
            q3 = new Rows(q.base().reshape(r, c.numAttentionHeads(), c.headDim()));
            k = rows(ops, DType.F32, r, c.kvDim());
            k3 = new Rows(k.base().reshape(r, c.numKeyValueHeads(), c.headDim()));
            v = rows(ops, DType.F32, r, c.kvDim());
            att = rows(ops, DType.F32, r, c.qDim());
            att3 = new Rows(att.base().reshape(r, c.numAttentionHeads(), c.headDim()));
            gate = rows(ops, DType.F32, r, f);
            up = rows(ops, DType.F32, r, f);
            positions = rows(ops, DType.I32, r);
            ids = rows(ops, DType.I32, r);
            logits = withLogits ? rows(ops, DType.F32, r, c.vocabSize()) : null;
            if (c.numLocalExperts() > 0) {
                int e = c.numLocalExperts();
                router = rows(ops, DType.F32, r, e);
                xe = rows(ops, DType.F32, r, d);
                ge = rows(ops, DType.F32, r, f);
                ue = rows(ops, DType.F32, r, f);
                ye = rows(ops, DType.F32, r, d);
                expertIds = rows(ops, DType.I32, r);
                expertW = rows(ops, DType.F32, r);
                routerHost = new float[Math.multiplyExact(capacity, e)];
                routerHostSeg = MemorySegment.ofArray(routerHost);
                routing = new MoeRouting(capacity, e, c.numExpertsPerTok());
            } else {
                router = xe = ge = ue = ye = expertIds = expertW = null;
                routerHost = null;
                routerHostSeg = null;
                routing = null;
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            close();
            throw e;
        }
        intStage = new int[capacity];
        intStageSeg = MemorySegment.ofArray(intStage);
        floatStage = new float[capacity];
        floatStageSeg = MemorySegment.ofArray(floatStage);
        segCache = new KvCache[maxSegments];
        segRow = new int[maxSegments];
        segPos = new int[maxSegments];
        segLen = new int[maxSegments];
    }

    private Rows rows(Ops ops, DType dtype, long... shape) {
        Tensor t = ops.allocate(dtype, shape);
        owned.add(t);
        return new Rows(t);
    }

    /** Copies {@code n} ints from {@link #intStage} into {@code dst} (the first n rows of an I32 buffer). */
    void uploadInts(Ops ops, Tensor dst) {
        ops.copyIn(dst, intStageSeg);
    }

    /** Copies {@code n} floats from {@link #floatStage} into {@code dst}. */
    void uploadFloats(Ops ops, Tensor dst) {
        ops.copyIn(dst, floatStageSeg);
    }

    @Override
    public void close() {
        for (Tensor t : owned) t.close();
        owned.clear();
    }
}
