"""Checks the fused/vectorised pieces of mm1_torch against plain-loop versions written straight from
the spec text (bicubic resize, adaptive pooling bins, GQA causal attention, MoE routing).

    cd tools && /usr/bin/python3 -m mm1ref.selfcheck
"""
import math

import torch

from .mm1_torch import (Attention, SparseMoE, TextConfig, resize_pos_grid, rope_inv_freq,
                        rotate_half)


def keys(t, a=-0.75):
    t = abs(t)
    if t <= 1:
        return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1
    if t < 2:
        return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a
    return 0.0


def bicubic_loop(grid, g_from, g_to):
    """§4 step 2: align_corners=False source coordinate, Keys a=-0.75, border taps clamped."""
    w = grid.shape[-1]
    src = grid.reshape(g_from, g_from, w).double()
    out = torch.zeros(g_to, g_to, w, dtype=torch.float64)
    scale = g_from / g_to

    def taps(i):
        x = (i + 0.5) * scale - 0.5
        x0 = math.floor(x)
        return [(min(max(x0 + k, 0), g_from - 1), keys(x - (x0 + k))) for k in (-1, 0, 1, 2)]

    for i in range(g_to):
        for j in range(g_to):
            for (r, wr) in taps(i):
                for (c, wc) in taps(j):
                    out[i, j] += wr * wc * src[r, c]
    return out.reshape(g_to * g_to, w).float()


def check(name, a, b, tol):
    err = (a - b).abs().max().item()
    print(f"{name:40s} max abs err {err:.2e} {'ok' if err <= tol else 'FAIL'}")
    assert err <= tol, name


def main():
    torch.manual_seed(0)
    for gf, gt in ((6, 8), (6, 4), (27, 48), (5, 5)):
        g = torch.randn(gf * gf, 7)
        check(f"bicubic resize {gf}->{gt}", resize_pos_grid(g, gf, gt), bicubic_loop(g, gf, gt), 1e-5)

    x = torch.randn(1, 5, 8, 8)
    for g, n in ((8, 3), (6, 3), (7, 3), (24, 12)):
        x = torch.randn(1, 5, g, g)
        ref = torch.zeros(1, 5, n, n)
        for i in range(n):
            for j in range(n):
                r0, r1 = (i * g) // n, -(-((i + 1) * g) // n)
                c0, c1 = (j * g) // n, -(-((j + 1) * g) // n)
                ref[0, :, i, j] = x[0, :, r0:r1, c0:c1].mean((1, 2))
        check(f"adaptive avg pool {g}->{n}", torch.nn.AdaptiveAvgPool2d(n)(x), ref, 1e-6)

    c = TextConfig(hidden_size=24, intermediate_size=20, num_hidden_layers=1, num_attention_heads=6,
                   num_key_value_heads=2, vocab_size=10, head_dim=8, num_local_experts=5,
                   num_experts_per_tok=2)
    att = Attention(c)
    t = 7
    h = torch.randn(1, t, 24)
    inv = rope_inv_freq(c)
    emb = torch.outer(torch.arange(t).float(), inv)
    emb = torch.cat([emb, emb], -1)
    got = att(h, emb.cos(), emb.sin())
    q = att.q_proj(h)[0].view(t, 6, 8)
    k = att.k_proj(h)[0].view(t, 2, 8)
    v = att.v_proj(h)[0].view(t, 2, 8)
    out = torch.zeros(t, 6, 8)
    for p in range(t):
        for hh in range(6):
            kv = hh // 3

            def rope(vec, pos):
                r = torch.zeros(8)
                for j in range(4):
                    th = pos * inv[j]
                    r[j] = vec[j] * math.cos(th) - vec[j + 4] * math.sin(th)
                    r[j + 4] = vec[j + 4] * math.cos(th) + vec[j] * math.sin(th)
                return r
            qs = rope(q[p, hh], p)
            sc = torch.tensor([float(qs @ rope(k[s, kv], s)) / math.sqrt(8) for s in range(p + 1)])
            out[p, hh] = torch.softmax(sc, 0) @ v[: p + 1, kv]
    check("GQA causal attention + RoPE", got[0], att.o_proj(out.reshape(t, 48)), 1e-5)
    assert torch.equal(rotate_half(torch.arange(4.)), torch.tensor([-2., -3., 0., 1.]))

    moe = SparseMoE(c)
    x = torch.randn(9, 24)
    ref = torch.zeros(9, 24)
    for i in range(9):
        pr = torch.softmax(moe.gate(x[i]).float(), 0)
        order = sorted(range(5), key=lambda e: (-float(pr[e]), e))[:2]
        tot = sum(float(pr[e]) for e in order)
        for e in order:
            ref[i] += float(pr[e]) / tot * moe.experts[e](x[i])
    check("MoE top-2 routing", moe(x), ref, 1e-5)
    with torch.no_grad():
        moe.gate.weight.zero_()  # all ties: experts 0 and 1, weight 1/2 each
    ref = 0.5 * (moe.experts[0](x) + moe.experts[1](x))
    check("MoE ties go to the lower index", moe(x), ref, 1e-6)
    print("all checks passed")


if __name__ == "__main__":
    main()
