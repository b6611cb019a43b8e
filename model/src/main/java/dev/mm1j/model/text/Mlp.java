package dev.mm1j.model.text;

import dev.mm1j.core.backend.Ops;
import dev.mm1j.core.weights.Weights;
import dev.mm1j.model.nn.Linear;

/** The dense SwiGLU FFN (spec §6 step 4): {@code down(silu(gate(x)) · up(x))}. */
final class Mlp implements FeedForward {
    private final Linear gateProj; // [F, d]
    private final Linear upProj;   // [F, d]
    private final Linear downProj; // [d, F]

    Mlp(Weights w, Ops ops, TextConfig c) {
        long d = c.hiddenSize(), f = c.intermediateSize();
        this.gateProj = Linear.load(w, "gate_proj", ops, f, d, false);
        this.upProj = Linear.load(w, "up_proj", ops, f, d, false);
        this.downProj = Linear.load(w, "down_proj", ops, d, f, false);
    }

    @Override
    public long weightBytes() {
        return (long) bytesPerToken();
    }

    @Override
    public double bytesPerToken() {
        return gateProj.weight().byteSize() + upProj.weight().byteSize() + downProj.weight().byteSize();
    }

    @Override
    public void forward(Ops ops, RunState s) {
        int n = s.rows;
        gateProj.forward(ops, s.gate.first(n), s.xn.first(n));
        upProj.forward(ops, s.up.first(n), s.xn.first(n));
        ops.swiglu(s.gate.first(n), s.gate.first(n), s.up.first(n));
        downProj.forward(ops, s.out.first(n), s.gate.first(n));
    }
}
