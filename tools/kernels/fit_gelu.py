#!/usr/bin/python3
"""Fits the coefficients of the CPU backend's vectorised GELU (kernels-cpu Activations.java).

Phi(x) = x*P(x^2) + 1/2 for |x| <= C, and for |x| > C with a = |x|:
    T = exp(-a^2/2) * N(a)/D(a)   (N, D with positive coefficients: well conditioned in float)
    Phi(x) = T if x < 0 else 1 - T
Prints Java constants and the worst relative error of Phi evaluated in float32 with fused multiply-adds.
Run with /usr/bin/python3 (numpy, scipy).
"""
import numpy as np
from scipy.special import erfcx, ndtr

C = 0.7
A_MAX = 13.0


def tail(a):  # Phi(-a) * exp(a^2/2)
    return 0.5 * erfcx(a / np.sqrt(2))


def fit_rational(lo, hi, m, n, iters=60):
    aa = np.cos(np.pi * (np.arange(6000) + 0.5) / 6000) * (hi - lo) / 2 + (hi + lo) / 2
    g = tail(aa)
    w = np.ones_like(aa)
    for it in range(iters):
        a = np.hstack([np.vander(aa, m + 1, increasing=True), -g[:, None] * np.vander(aa, n + 1, increasing=True)[:, 1:]])
        sol, *_ = np.linalg.lstsq(a * (w / g)[:, None], g * (w / g), rcond=None)
        p, q = sol[:m + 1], np.concatenate([[1.0], sol[m + 1:]])
        qv = np.polyval(q[::-1], aa)
        err = np.abs(np.polyval(p[::-1], aa) / qv / g - 1)
        w = (w * (err / err.max() + 1e-3) ** 0.5) if it > 0 else 1 / np.abs(qv)
        w /= w.max()
    return p, q


def fit_central(deg):
    xx = np.cos(np.pi * (np.arange(4000) + 0.5) / 4000) * C / 2 + C / 2  # (0, C)
    g = ndtr(xx) - 0.5
    # weight by the smallest Phi the value feeds (negative side): relative error of Phi(-x)
    wt = 1 / ndtr(-xx)
    v = xx[:, None] * np.vander(xx * xx, deg + 1, increasing=True)
    c, *_ = np.linalg.lstsq(v * wt[:, None], g * wt, rcond=None)
    return c


def f32(v):
    return np.asarray(v, dtype=np.float64).astype(np.float32).astype(np.float64)


def horner(c, x):
    r = f32(np.full_like(x, c[-1]))
    for k in c[-2::-1]:
        r = f32(r * x + f32(k))
    return r


def phi32(x, pc, pn, qd):
    x = f32(x)
    ax = np.abs(x)
    central = f32(f32(x * horner(pc, f32(x * x))) + 0.5)
    a = np.minimum(ax, A_MAX)
    ah = (a.astype(np.float32).view(np.uint32) & np.uint32(0xFFFFF000)).view(np.float32).astype(np.float64)
    al = f32(a - ah)
    d = f32(f32(al * f32(a + ah)) * 0.5)
    e = f32(np.exp(-f32(ah * ah * 0.5)))  # exp of an exact argument (1 ulp in Java)
    corr = horner([1.0, -1.0, 0.5, -1 / 6, 1 / 24], d)
    t = f32(f32(e * corr) * f32(horner(pn, a) / horner(qd, a)))
    t = np.where(ax > A_MAX, 0.0, t)
    tailphi = np.where(x < 0, t, f32(1 - t))
    return np.where(ax <= C, central, tailphi)


pc = fit_central(6)
pn, qd = fit_rational(C - 0.1, A_MAX + 0.5, 4, 5)
x = np.concatenate([np.linspace(-A_MAX, A_MAX, 400001), np.linspace(-1, 1, 100001)])
x = f32(x)
ref = ndtr(x)
rel = np.abs(phi32(x, pc, pn, qd) / ref - 1)
fmt = lambda name, c: "    private static final float[] %s = {%s};" % (name, ", ".join("%.9ef" % v for v in c))
print(fmt("CENTRAL", pc))
print(fmt("TAIL_NUM", pn))
print(fmt("TAIL_DEN", qd))
print("// worst relative error of Phi: %.3g (central %.3g, tail %.3g)" % (
    rel.max(), rel[np.abs(x) <= C].max(), rel[np.abs(x) > C].max()))
