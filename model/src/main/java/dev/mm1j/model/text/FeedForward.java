package dev.mm1j.model.text;

import dev.mm1j.core.backend.Ops;

/** A decoder layer's FFN: dense ({@link Mlp}) or mixture of experts ({@link Moe}). */
interface FeedForward {
    /** s.out[0, n) = FFN(s.xn[0, n)). */
    void forward(Ops ops, RunState s);

    /** Bytes of all its weights. */
    long weightBytes();

    /** Bytes of weights one token reads on average (for MoE: the router plus k of the E experts). */
    double bytesPerToken();
}
