#!/usr/bin/env python3
"""Reference values for tests/pareto_corners.rs: the Pareto/NBD log-likelihood and its gradient
at hard-corner parameters, where the Gauss functions of the likelihood have z close to 1
(beta -> infinity with s -> 0, tiny or huge alpha or beta) or large parameters.

Writes tests/data/pareto_corners_mpmath.csv with columns
    r,alpha,s,beta,x,t_x,T,ln_l,d_r,d_alpha,d_s,d_beta
(ln L per customer and d ln L / d parameter), with mpmath at mp.dps = 60.

ln L is note 009 eq. (18),
    L = G(r+x) a^r b^s / G(r) * [ (a+T)^-(r+x) (b+T)^-s + s * I ],
    I = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau  ( = A0 / (r+s+x) ),
with I from the closed form A0 = G(t_x) - G(T), G from eqs. (19)-(20) with mpmath's hyp2f1,
and cross-checked by tanh-sinh quadrature of the integral in u = ln(min(alpha, beta) + tau)
(the script stops if the two differ by more than 1e-30 relative). The gradient is mpmath's
numerical differentiation (mp.diff) of the closed form at 60 digits.
Inputs are the exact binary64 values written to the CSV (repr(float)).

Run from the repository root with mpmath installed (e.g. in a venv outside the repository):
    python3 tests/data/gen_pareto_corners.py
"""
import csv
import os

import mpmath as mp

mp.mp.dps = 60
HERE = os.path.dirname(os.path.abspath(__file__))


def ln_a0_closed(r, alpha, s, beta, x, t_x, T):
    """ln A0 by note 009 eqs. (19)-(20); -inf when t_x = T."""
    a = r + s + x
    if t_x >= T:
        return mp.ninf

    def G(y):
        if alpha >= beta:
            return mp.hyp2f1(a, s + 1, a + 1, (alpha - beta) / (alpha + y)) / (alpha + y) ** a
        return mp.hyp2f1(a, r + x, a + 1, (beta - alpha) / (beta + y)) / (beta + y) ** a

    return mp.log(G(t_x) - G(T))


def ln_integral_quad(r, alpha, s, beta, x, t_x, T):
    """ln of int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau by quadrature."""
    near = min(alpha, beta)
    u0, u1 = mp.log(near + t_x), mp.log(near + T)
    f = lambda u: mp.exp(u) * (alpha - near + mp.exp(u)) ** (-(r + x)) * (
        beta - near + mp.exp(u)) ** (-(s + 1))
    # mp.quad judges convergence by an absolute error, so the integrand is scaled to be of
    # order 1 (it is log-concave in u: its maximum over a panel is at an end or inside).
    scale = max(f(u0), f(u1))
    n = max(1, int(mp.ceil((u1 - u0) * 4)))
    pts = [u0 + (u1 - u0) * k / n for k in range(n + 1)]
    return mp.log(mp.quad(lambda u: f(u) / scale, pts)) + mp.log(scale)


def ln_l(r, alpha, s, beta, x, t_x, T):
    c = mp.loggamma(r + x) - mp.loggamma(r) + r * mp.log(alpha) + s * mp.log(beta)
    l1 = -(r + x) * mp.log(alpha + T) - s * mp.log(beta + T)
    if t_x >= T:
        return c + l1
    l2 = mp.log(s) - mp.log(r + s + x) + ln_a0_closed(r, alpha, s, beta, x, t_x, T)
    m = max(l1, l2)
    return c + m + mp.log(mp.exp(l1 - m) + mp.exp(l2 - m))


params = [
    # The path of a fit on steady buyers (NBD r = 0.5, alpha = 10): s -> 0, beta -> infinity.
    (0.5, 10.0, 1e-3, 1e3),
    (0.5, 10.0, 1e-5, 1e5),
    (0.4987243312994058, 10.163404362847563, 8.805508927211593e-5, 48205.60352628099),
    (0.5, 10.0, 1e-8, 1e9),
    (0.5, 10.0, 1e-12, 1e14),
    # ... and towards s -> infinity with s/beta -> 0 (a homogeneous, tiny dropout rate).
    (0.5005575165047845, 10.012058555882264, 5.162341777882939, 43736.90594683401),
    (0.5, 10.0, 60.0, 6e5),
    # Penalised CDNOW fits (lifetimes' penalizer 0.01): beta -> 0, or alpha and beta -> 0.
    (0.19191259926327353, 0.5038748676714545, 0.04777020805892596, 5.925362276294929e-12),
    (0.025908057006493162, 8.236967267794745e-8, 0.002009787499589871, 1.7887231895160538e-9),
    # Tiny or huge alpha or beta.
    (0.5, 1e-6, 1e-3, 1e3),
    (0.5, 1e6, 1e-3, 1e3),
    (0.5, 1e9, 0.5, 1e-9),
    (0.5, 1e-9, 0.5, 1e9),
    # Homogeneous purchase rate (r, alpha large, r/alpha = 0.1 per week): large parameters.
    (1e4, 1e5, 0.6, 12.0),
    (50.0, 500.0, 0.5, 5.0),
    # r + x at or near an integer (poles of the 1 - z connection formula's parts).
    (1.0, 0.5, 0.05, 1e-6),
    (0.999, 10.0, 0.01, 1e4),
    (2.0, 3.0, 0.3, 3e3),
    (1.0000001, 20.0, 2.0, 1e5),
    # Interior: the published CDNOW estimates (Fader, Hardie & Lee 2005).
    (0.553, 10.578, 0.606, 11.669),
]
histories = [
    (0, 0.0, 26.0), (0, 0.0, 52.0), (1, 1 / 7, 30.0), (2, 144 / 7, 38.86), (5, 30.0, 39.0),
    (30, 1.0, 40.0), (30, 38.9, 39.0), (200, 37.0, 38.0), (3, 2.0, 40.0), (1, 279 / 7, 40.0),
    (7, 40.0, 40.0),
]

rows = []
for (r, alpha, s, beta) in params:
    for (x, t_x, T) in histories:
        args = [mp.mpf(v) for v in (r, alpha, s, beta)]
        xs = (mp.mpf(x), mp.mpf(t_x), mp.mpf(T))
        if t_x < T:
            la0 = ln_a0_closed(*args, *xs)
            lq = mp.log(args[0] + args[2] + xs[0]) + ln_integral_quad(*args, *xs)
            if abs(la0 - lq) > mp.mpf("1e-30") * max(1, abs(la0)):
                raise SystemExit(f"closed form and quadrature differ at {r, alpha, s, beta, x, t_x, T}: {la0} {lq}")
        v = ln_l(*args, *xs)
        grad = []
        for i in range(4):
            def f(p, i=i):
                a2 = list(args)
                a2[i] = p
                return ln_l(*a2, *xs)
            grad.append(mp.diff(f, args[i]))
        rows.append([repr(float(t)) for t in (r, alpha, s, beta, x, t_x, T)]
                    + [mp.nstr(v, 25)] + [mp.nstr(g, 25) for g in grad])

with open(os.path.join(HERE, "pareto_corners_mpmath.csv"), "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["r", "alpha", "s", "beta", "x", "t_x", "T", "ln_l", "d_r", "d_alpha", "d_s", "d_beta"])
    w.writerows(rows)
print(len(rows), "rows")
