package dev.mm1j.model.text;

import dev.mm1j.core.Tensor;
import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.nn.Linear;

/**
 * The sparse mixture-of-experts FFN (spec §6 step 5, Mixtral's {@code block_sparse_moe}): router logits in
 * F32, softmax over all E experts, the top k (ties: lower index first), their weights divided by their sum
 * ({@code norm_topk_prob}, the default; without it the softmax probabilities are used as they are), then {@code Σ w_e · w2_e(silu(w1_e(x)) · w3_e(x))}. Rows are grouped by expert so that each chosen expert
 * runs once over all its rows (one GEMM per expert in prefill); experts nobody chose are never read.
 */
final class Moe implements FeedForward {
    private final Tensor gate;      // F32 [E, d] router
    private final Linear[] w1;      // per expert [F, d] (gate)
    private final Linear[] w3;      // per expert [F, d] (up)
    private final Linear[] w2;      // per expert [d, F] (down)
    private final int experts;
    private final int topK;
    private final boolean normTopkProb;

    Moe(Weights w, Ops ops, TextConfig c) {
        long d = c.hiddenSize(), f = c.intermediateSize();
        this.experts = c.numLocalExperts();
        this.topK = c.numExpertsPerTok();
        this.normTopkProb = c.normTopkProb();
        this.gate = w.on(ops).f32("gate.weight", experts, d);
        this.w1 = new Linear[experts];
        this.w3 = new Linear[experts];
        this.w2 = new Linear[experts];
        for (int e = 0; e < experts; e++) {
            Weights x = w.prefix("experts").prefix(e);
            w1[e] = Linear.load(x, "w1", ops, f, d, false);
            w3[e] = Linear.load(x, "w3", ops, f, d, false);
            w2[e] = Linear.load(x, "w2", ops, d, f, false);
        }
    }

    @Override
    public long weightBytes() {
        long b = gate.byteSize();
        for (int e = 0; e < w1.length; e++) b += w1[e].weight().byteSize() + w3[e].weight().byteSize() + w2[e].weight().byteSize();
        return b;
    }

    @Override
    public double bytesPerToken() {
        double experts = 0;
        for (int e = 0; e < w1.length; e++) experts += w1[e].weight().byteSize() + w3[e].weight().byteSize() + w2[e].weight().byteSize();
        return gate.byteSize() + experts * topK / w1.length;
    }

    @Override
    public void forward(Ops ops, RunState s) {
        int n = s.rows;
        Tensor xn = s.xn.first(n), out = s.out.first(n);
        // 1. router logits [n, E] in F32, read back to the host
        Tensor logits = s.router.first(n);
        ops.matmul(logits, xn, gate);
        ops.copyOut(logits, s.routerHostSeg);
        // 2. route every row: softmax, top k, renormalise (unless norm_topk_prob is false); then group the (row, weight) pairs by expert
        MoeRouting r = s.routing;
        r.route(s.routerHost, n, experts, topK, normTopkProb);
        // 3. each chosen expert once over its rows, weighted sum scattered into out
        ops.fill(out, 0f);
        for (int e = 0; e < experts; e++) {
            int c = r.count(e);
            if (c == 0) continue;
            r.stage(e, s.intStage, s.floatStage);
            Tensor rowIds = s.expertIds.first(c), weights = s.expertW.first(c);
            s.uploadInts(ops, rowIds);
            s.uploadFloats(ops, weights);
            Tensor in = xn;
            if (c != n) { // a subset of the rows: gather them
                in = s.xe.first(c);
                ops.getRows(in, xn, rowIds);
            }
            w1[e].forward(ops, s.ge.first(c), in);
            w3[e].forward(ops, s.ue.first(c), in);
            ops.swiglu(s.ge.first(c), s.ge.first(c), s.ue.first(c));
            w2[e].forward(ops, s.ye.first(c), s.ge.first(c));
            ops.indexAdd(out, s.ye.first(c), rowIds, weights);
        }
    }
}
