#!/usr/bin/env python3
"""Reference values for tests/extremes.rs: predictions at extreme (and ordinary) frequencies.

Writes, with mpmath 1.4 at mp.dps = 50:

* tests/data/extremes_conditional.csv  (model,params,quantity,x,t_x,T,arg,value)
  quantity p_alive (arg empty), expected_purchases (arg = horizon t) or
  dert (arg = continuous discount rate delta per time unit, infinite horizon);
* tests/data/extremes_pmf.csv          (model,params,n,t,value): P(X(t) = n), a new customer.

params are the model's parameters in its own order, space-separated: BG/NBD and MBG/NBD
"r alpha a b", Pareto/NBD "r alpha s beta", NBD "r alpha". Every input is a binary64 value
written as repr(float), so the Rust test sees exactly the arguments mpmath used. Values are
printed with 30 significant digits; values below the f64 range (P(alive) of a customer with
1e9 purchases in the first half of the period, ~1e-300000000) are printed as they are, and
parse to 0 in f64.

Each quantity is computed from the printed formula of its paper (cited at the function), at
50 digits. Where a printed formula is out of mpmath's reach (a 2F1 with parameters near 1e9,
whose plain series needs ~1e9 terms) it is evaluated through a classical identity, cited
there, and a second, independent expression of the same quantity (an integral over the
posterior of the customer's latent rates, from the model's story) is computed and asserted to
agree to 1e-20 (the quadratures of the checks, not the references, limit this).

Run from the repository root (about 5 minutes on 2 cores):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install mpmath
    /tmp/venv/bin/python tests/data/gen_extremes.py
"""
import csv
import math
import os
import sys
from multiprocessing import Pool

import mpmath as mp

DPS = 50
mp.mp.dps = DPS
HERE = os.path.dirname(os.path.abspath(__file__))


def f(v):
    """An input as an exact binary64 value."""
    return float(v)


def M(v):
    return mp.mpf(f(v))


# --------------------------------------------------------------------------------------------
# Parameter sets. First the CDNOW 39-week estimates: BG/NBD and Pareto/NBD as published by
# Fader, Hardie & Lee (2005a) (docs/reference.md §2.1); MBG/NBD, the published CDNOW MLE of
# lifetimes / BTYDplus (docs/reference.md §5.1; Batislam et al. fitted data that are not
# public). The second set of each model has a > 1 (s > 1) and b (beta) small, and for the
# Pareto/NBD alpha > beta, the other branch of A0 (CDNOW has alpha < beta).
# --------------------------------------------------------------------------------------------
SETS = {
    "BG/NBD": [(0.243, 4.414, 0.793, 2.426), (2.5, 0.8, 3.2, 0.45)],
    "MBG/NBD": [(0.525, 6.183, 0.891, 1.614), (2.5, 0.8, 3.2, 0.45)],
    "Pareto/NBD": [(0.553, 10.578, 0.606, 11.669), (2.5, 0.8, 3.2, 0.45)],
    "NBD": [(0.243, 4.414), (2.5, 0.8)],
}
# delta = ln(1.15)/52: 15% a year, continuously compounded, per week (docs/reference.md §4).
DELTA = f(math.log(1.15) / 52)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def hyp2f1(a, b, c, z):
    """2F1(a, b; c; z), 0 <= z < 1. mpmath's own hyp2f1 unless c >= 1000, where it becomes
    very slow (minutes) near z = 1; there the power series DLMF 15.2.1 is summed directly. It is
    only called with at most one of a, b of the order of c, so the term ratio
    (a+k)(b+k) z / ((c+k)(k+1)) soon falls below max(z, 1/2)."""
    if c < 1000:
        return mp.hyp2f1(a, b, c, z, maxterms=10**6)
    s = t = mp.mpf(1)
    k = 0
    while True:
        assert k < 10**6, ("2F1 series", a, b, c, z)
        t *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        s += t
        k += 1
        if abs(t) < abs(s) * mp.mpf(10) ** (-DPS - 5) and k > 2:
            return s


def hyp2f1_euler(a, b, c, z):
    """2F1(a, b; c; z) = (1 - z)^(c-a-b) 2F1(c-a, c-b; c; z), the Euler transformation
    (DLMF 15.8.1), for a, b near c (the 2F1 of E[Y(t) | x, t_x, T] at large x)."""
    return (1 - z) ** (c - a - b) * hyp2f1(c - a, c - b, c, z)


def nbd_tail(n, r, p):
    """P(N >= n) for the NBD count N (shape r, p = alpha/(alpha+t)): the regularised incomplete
    beta I_q(n, r), q = 1 - p (DLMF 8.17.5 and 8.17.4), from its definition DLMF 8.17.2
    as an integral, I_q(n, r) = q^n / (n B(n, r)) int_0^1 (1 - q v^(1/n))^(r-1) dv after
    u = q v^(1/n); 1 - q v^(1/n) = p - q expm1(ln(v)/n). mpmath's betainc takes minutes at
    n = 1e6, and the series of DLMF 8.17.8 needs ~100/p terms (1e10 at t = 1e8)."""
    n = mp.mpf(n)
    q = 1 - p
    g = lambda v: (p - q * mp.expm1(mp.log(v) / n)) ** (r - 1)
    w = n * p / q  # the width in v over which 1 - q v^(1/n) changes by p
    pts = sorted({mp.mpf(0), mp.mpf(1)} | {1 - w * k for k in (mp.mpf(1) / 1000, mp.mpf(1) / 100,
                                                              mp.mpf(1) / 10, 1, 10) if w * k < 1})
    pre = mp.exp(n * mp.log(q) - mp.log(n) - mp.log(mp.beta(n, r)))
    return pre * mp.quad(g, pts)


def agree(u, v, tol, what):
    if u == v:
        return
    rel = abs(u - v) / max(abs(u), abs(v))
    assert rel <= tol, (what, mp.nstr(u, 30), mp.nstr(v, 30), mp.nstr(rel, 3))


def gamma_quad(fun, shape, rate):
    """E[fun(lam)] for lam ~ Gamma(shape, rate), by tanh-sinh quadrature with break points
    around the mode (the density is a spike of relative width shape^-1/2 for large shape)."""
    lnorm = shape * mp.log(rate) - mp.loggamma(shape)
    g = lambda lam: mp.exp(lnorm + (shape - 1) * mp.log(lam) - rate * lam) * fun(lam)
    m, sd = shape / rate, mp.sqrt(shape) / rate
    pts = sorted({m + k * sd for k in (-60, -20, -5, 0, 5, 20, 60) if m + k * sd > 0})
    return mp.quad(g, [mp.mpf(0)] + pts + [mp.inf])


# --------------------------------------------------------------------------------------------
# BG/NBD (s = 0) and MBG/NBD (s = 1): k = x + s dropout opportunities.
# --------------------------------------------------------------------------------------------
def bg_shift(model):
    return 0 if model == "BG/NBD" else 1


def bg_p_alive(p, s, x, tx, T):
    """BG/NBD: note 021 eq. 2 (Fader, Hardie & Lee 2008),
    P(alive) = 1 / (1 + d_{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x));
    MBG/NBD: Batislam et al. (2007) (docs/reference.md §6.4),
    P(alive) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))."""
    r, al, a, b = p
    if x + s == 0:
        return mp.mpf(1)
    return 1 / (1 + a / (b + x + s - 1) * ((al + T) / (al + tx)) ** (r + x))


def bg_bracket(p, s, x, T, t):
    """E[Y(t) | x, t_x, T] / P(alive). BG/NBD: Fader, Hardie & Lee (2005a) eq. (10),
    (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))];
    MBG/NBD: Wagner & Hoppe (2008), the same with b+x+1 and a+b+x. The 2F1 through the Euler
    transformation (see hyp2f1_euler)."""
    r, al, a, b = p
    if t == 0:
        return mp.mpf(0)
    # 20 guard digits: at x = 1e15 the bracket's 1 - (...) loses ~15 of them.
    with mp.workdps(DPS + 20):
        rp, bp = r + x, b + x + s
        c = a + bp - 1
        z = t / (al + T + t)
        F = hyp2f1_euler(rp, bp, c, z)
        v = c / (a - 1) * (1 - ((al + T) / (al + T + t)) ** rp * F)
    return +v


def bg_bracket_posterior(p, s, x, T, t):
    """Independent check of bg_bracket: given alive, the customer's purchase rate is
    lam ~ Gamma(r+x, alpha+T) and dropout probability p ~ Beta(a, b+k) (Bayes on FHL 2005a §3),
    and E[Y(t) | lam, p] = (1 - e^(-lam p t))/p (FHL 2005a, the step before eq. 7); averaging
    over lam gives E_p[(1 - (1 + p t/(alpha+T))^-(r+x))/p], integrated here over p."""
    r, al, a, b = p
    bp, rp, be = b + x + s, r + x, al + T
    lnB = mp.log(mp.beta(a, bp))
    g = lambda q: mp.exp((a - 2) * mp.log(q) + (bp - 1) * mp.log1p(-q) - lnB) * (
        -mp.expm1(-rp * mp.log1p(q * t / be)))
    m = a / (a + bp)
    pts = [mp.mpf(0)] + [m * k for k in (0.01, 0.1, 1, 3, 10, 30, 100) if m * k < 1] + [mp.mpf(1)]
    return mp.quad(g, pts)


def bg_dert_cond(p, s, x, T, delta):
    """DERT / P(alive) at an infinite horizon: the definition DERT = int_0^inf e^(-delta t)
    dE[Y(t)] (the quantity FHL 2005b, eq. 2, evaluates for the Pareto/NBD), integrated by parts
    into delta int_0^inf e^(-delta t) E[Y(t)] dt, with E[Y(t)] / P(alive) = bg_bracket."""
    r, al, a, b = p
    be = al + T
    g = lambda t: mp.exp(-delta * t) * bg_bracket(p, s, x, T, t)
    pts = sorted({mp.mpf(0)} | {be * k for k in (0.01, 0.1, 1, 10)}
                 | {k / delta for k in (0.1, 1, 10, 100)})
    return delta * mp.quad(g, pts + [mp.inf])


def bg_dert_cond_posterior(p, s, x, T, delta):
    """Independent check of bg_dert_cond: an alive customer with (lam, p) buys at rate
    lam e^(-lam p t) at time t, so DERT | lam, p = lam / (delta + lam p); over p ~ Beta(a, b+k)
    this is (lam/delta) 2F1(1, a; a+b+k; -lam/delta) (Euler's integral, DLMF 15.6.1), then
    averaged over lam ~ Gamma(r+x, alpha+T). Only for moderate x (mpmath's 2F1 of large
    negative argument and large c fails beyond)."""
    r, al, a, b = p
    bp = b + x + s
    fun = lambda lam: lam / delta * mp.hyp2f1(1, a, a + bp, -lam / delta)
    return gamma_quad(fun, r + x, al + T)


def bg_pmf(p, s, n, t):
    """P(X(t) = n). BG/NBD: FHL (2005a) eq. (8),
    B(a, b+n)/B(a, b) NB_n + d_{n>0} B(a+1, b+n-1)/B(a, b) [1 - sum_{j<n} NB_j];
    MBG/NBD (Batislam et al. 2007, docs/reference.md §6.4): B(a, b+n+1)/B(a, b) NB_n
    + B(a+1, b+n)/B(a, b) [1 - sum_{j<n} NB_j]. NB_j is the NBD probability (nbd_pmf); the
    bracket is the NBD tail P(N >= n) (nbd_tail), checked against the printed sum for
    n <= 200 (to 1e-40 absolute: the sum cancels)."""
    r, al, a, b = p
    lB = mp.log(mp.beta(a, b))
    first = mp.exp(mp.log(mp.beta(a, b + n + s)) - lB) * nbd_pmf((r, al), n, t)
    if n + s == 0:
        return first
    tail = nbd_tail(n, r, al / (al + t)) if n > 0 else mp.mpf(1)
    if 0 < n <= 200:
        # The printed sum keeps only absolute accuracy (the tail can be 1e-76).
        direct = 1 - mp.fsum(nbd_pmf((r, al), j, t) for j in range(n))
        assert abs(tail - direct) < mp.mpf(10) ** -40, ("NBD tail", n, t, tail, direct)
    return first + mp.exp(mp.log(mp.beta(a + 1, b + n + s - 1)) - lB) * tail


# --------------------------------------------------------------------------------------------
# NBD (Ehrenberg 1959; Morrison & Schmittlein 1988): no dropout.
# --------------------------------------------------------------------------------------------
def nbd_pmf(p, n, t):
    """P(X(t) = n) = Gamma(r+n)/(Gamma(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n
    (Ehrenberg 1959; FHL 2005a eq. (8)'s NB_n)."""
    r, al = p[0], p[1]
    n = mp.mpf(n)
    return mp.exp(mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)
                  + r * mp.log(al / (al + t)) + n * mp.log(t / (al + t)))


def nbd_expected(p, x, T, t):
    """E[Y(t) | x, T] = (r+x) t / (alpha+T): the posterior of lam is Gamma(r+x, alpha+T)."""
    r, al = p
    return (r + x) * t / (al + T)


def nbd_dert(p, x, T, delta):
    """DERT = int_0^inf e^(-delta t) (r+x)/(alpha+T) dt = (r+x) / ((alpha+T) delta)."""
    r, al = p
    return (r + x) / ((al + T) * delta)


# --------------------------------------------------------------------------------------------
# Pareto/NBD: notes 009 and 012 (Fader & Hardie), FHL (2005b).
# --------------------------------------------------------------------------------------------
def pnbd_A0(p, x, tx, T):
    """A0 of note 009, eqs. (19)-(20) (docs/reference.md §6.2). The 2F1(A, r+x; A+1; z) of the
    alpha < beta branch through the Euler transformation (DLMF 15.8.1), its plain series
    needing ~(r+x) z/(1-z) terms."""
    r, al, s, be = p
    A = r + s + x

    def G(y):
        if al >= be:
            return hyp2f1(A, s + 1, A + 1, (al - be) / (al + y)) / (al + y) ** A
        return hyp2f1_euler(A, r + x, A + 1, (be - al) / (be + y)) / (be + y) ** A

    return G(tx) - G(T)


def pnbd_p_alive(p, x, tx, T):
    """Note 009, eqs. (36)-(37): P(alive) = 1 / {1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0}."""
    r, al, s, be = p
    if tx == T:
        return mp.mpf(1)
    odds = s / (r + s + x) * (al + T) ** (r + x) * (be + T) ** s * pnbd_A0(p, x, tx, T)
    return 1 / (1 + odds)


def pnbd_p_alive_check(p, x, tx, T):
    """Independent check of pnbd_p_alive: the likelihood is the sum of 'alive at T' and 'died
    at tau in (t_x, T]' (note 009's derivation); averaging lam^x e^(-lam tau) over
    lam ~ Gamma(r, alpha) and the lifetime terms over mu ~ Gamma(s, beta), their ratio is
    int_{t_x}^T ((alpha+T)/(alpha+tau))^(r+x) s (beta+T)^s (beta+tau)^-(s+1) dtau."""
    r, al, s, be = p
    if tx == T:
        return mp.mpf(1)
    g = lambda tau: mp.exp((r + x) * (mp.log(al + T) - mp.log(al + tau))
                           + s * mp.log(be + T) - (s + 1) * mp.log(be + tau)) * s
    w = (al + tx) / (r + x)
    pts = sorted({tx} | {tx + w * k for k in (1, 10, 100, 1000) if tx + w * k < T} | {T})
    return 1 / (1 + mp.quad(g, pts))


def pnbd_bracket(p, x, T, t):
    """E[Y(t) | x, t_x, T] / P(alive): note 009, eq. (41),
    (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]."""
    r, al, s, be = p
    return (r + x) * (be + T) / ((al + T) * (s - 1)) * (1 - ((be + T) / (be + T + t)) ** (s - 1))


def pnbd_dert(p, x, tx, T, delta):
    """FHL (2005b), eq. (2): DERT = alpha^r beta^s delta^(s-1) Gamma(r+x+1) U(s, s; delta(beta+T))
    / [Gamma(r) (alpha+T)^(r+x+1) L], with L of note 009, eq. (18):
    L = Gamma(r+x) alpha^r beta^s / Gamma(r) {(alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) A0}."""
    r, al, s, be = p
    A0 = pnbd_A0(p, x, tx, T) if tx < T else 0
    lnL = (mp.loggamma(r + x) + r * mp.log(al) + s * mp.log(be) - mp.loggamma(r)
           + mp.log((al + T) ** -(r + x) * (be + T) ** -s + s / (r + s + x) * A0))
    return mp.exp(r * mp.log(al) + s * mp.log(be) + (s - 1) * mp.log(delta)
                  + mp.loggamma(r + x + 1) + mp.log(mp.hyperu(s, s, delta * (be + T)))
                  - mp.loggamma(r) - (r + x + 1) * mp.log(al + T) - lnL)


def pnbd_dert_check(p, x, tx, T, delta):
    """Independent check of pnbd_dert: alive at T, the customer has lam ~ Gamma(r+x, alpha+T)
    and mu ~ Gamma(s, beta+T) (note 009), and DERT | lam, mu = lam / (delta + mu), so
    DERT = P(alive) (r+x)/(alpha+T) E[1/(delta + mu)]."""
    r, al, s, be = p
    e = gamma_quad(lambda mu: 1 / (delta + mu), s, be + T)
    return pnbd_p_alive(p, x, tx, T) * (r + x) / (al + T) * e


def pnbd_pmf(p, n, t):
    """P(X(t) = n) for a new customer, from the expression note 012 starts its derivation with:
    alive throughout (0, t] with n purchases, or dead at tau <= t after n purchases,
    P = NB_n(t) (beta/(beta+t))^s + int_0^t NB_n(tau) s beta^s (beta+tau)^-(s+1) dtau,
    NB_n(tau) the NBD probability (nbd_pmf). With u = tau/(alpha+tau) the integral is
    Gamma(r+n)/(Gamma(r) n!) s alpha beta^s int_0^q u^n (1-u)^(r+s-1) (beta + (alpha-beta)u)^-(s+1) du,
    q = t/(alpha+t), integrated in w = -n ln(u/q) (n >= 1) or v = -ln(1-u) (n = 0).
    Checked against note 012's closed form (pnbd_pmf_note012) for n <= 100, t <= 1e4."""
    r, al, s, be = p
    q = t / (al + t)
    first = nbd_pmf((r, al), n, t) * (be / (be + t)) ** s
    c = mp.exp(mp.loggamma(r + n) - mp.loggamma(r) - mp.loggamma(n + 1)) * s * al * be ** s
    h = lambda u, l1mu: mp.exp((r + s - 1) * l1mu - (s + 1) * mp.log(be + (al - be) * u))
    if n == 0:
        vmax = -mp.log1p(-q)
        g = lambda v: mp.exp(-v) * h(-mp.expm1(-v), -v)
        pts = sorted({mp.mpf(0)} | {k for k in (mp.mpf(1) / 10, 1, 3, 10, 30) if k < vmax} | {vmax})
        return first + c * mp.quad(g, pts)
    nn = mp.mpf(n)

    # u^n du = q^n/n e^(-w) u dw; the factor q^n/n is kept out of the integrand, whose size
    # must be of order 1 (mp.quad's tolerance is absolute).
    def g(w):
        lu = mp.log(q) - w / nn
        return mp.exp(lu - w) * h(mp.exp(lu), mp.log(-mp.expm1(lu)))

    scale = nn * (1 - q) / q
    pts = sorted({mp.mpf(0)} | {k for k in (mp.mpf(1) / 10, 1, 5, 20, 60, 200)}
                 | {scale * k for k in (mp.mpf(1) / 10, 1, 10) if 0 < scale * k < 200})
    return first + c * mp.exp(nn * mp.log(q) - mp.log(nn)) * mp.quad(g, pts + [mp.inf])


def pnbd_pmf_note012(p, n, t):
    """Note 012's closed form (docs/reference.md §6.2), for the check of pnbd_pmf:
    NB_n(t) (beta/(beta+t))^s + alpha^r beta^s B(r+n, s+1)/B(r, s)
      {B1 - sum_{i=0}^n Gamma(r+s+i)/(Gamma(r+s) i!) t^i B2_i}."""
    with mp.workdps(DPS + 300):  # the brace cancels: 1e-108 from terms of order 1 at n = 100
        return +_pnbd_pmf_note012(p, n, t)


def _pnbd_pmf_note012(p, n, t):
    r, al, s, be = p
    first = nbd_pmf((r, al), n, t) * (be / (be + t)) ** s
    if al >= be:
        b2, base = s + 1, al
    else:
        b2, base = r + n, be
    d = abs(al - be)
    c = r + s + n + 1
    B1 = mp.hyp2f1(r + s, b2, c, d / base) / base ** (r + s)
    tot = mp.mpf(0)
    for i in range(n + 1):
        B2 = mp.hyp2f1(r + s + i, b2, c, d / (base + t)) / (base + t) ** (r + s + i)
        tot += mp.exp(mp.loggamma(r + s + i) - mp.loggamma(r + s) - mp.loggamma(i + 1)) * t ** i * B2
    return first + al ** r * be ** s * mp.beta(r + n, s + 1) / mp.beta(r, s) * (B1 - tot)


# --------------------------------------------------------------------------------------------
# The grid
# --------------------------------------------------------------------------------------------
def histories():
    """(x, t_x, T): the extreme grid, the issue's cases, and ordinary ones."""
    out = []
    for x in [1e4, 1e5, 1e6, 1e7, 1e8, 1e9]:
        for T in [1e2, 1e3, 1e4, 1e5, 1e6]:
            # t_x = T/2 (P(alive) underflows for most), t_x = T, and t_x = T (1 - ln(x)/x),
            # where the log-odds of P(alive) are of order 1 and ~ x ln((alpha+T)/(alpha+t_x)).
            for tx in [T / 2, T * (1 - math.log(x) / x), T]:
                out.append((f(x), f(tx), f(T)))
    # The reports: x = 1e9 with t_x = T = 1e12, and x = 1e15.
    out += [(1e9, 1e12, 1e12), (1e15, 1e12, 1e12), (1e15, 1e6, 1e6)]
    # Ordinary customers (CDNOW-like, T = 38.86 weeks).
    out += [(0.0, 0.0, 0.0), (0.0, 0.0, 38.86)]
    for x in [1, 2, 5, 10, 30, 100]:
        for tx in [19.43, 30.43, 38.86]:
            out.append((f(x), f(tx), 38.86))
    return out


def horizons(x):
    return [10.0, 52.0] if x >= 1e4 else [10.0, 39.0, 52.0, 520.0, 5200.0]


PMF_N = [0, 1, 2, 5, 10, 100, 1000, 10**4, 10**5, 10**6]
PMF_T = [1.0, 52.0, 1e4, 1e6, 1e8]

CHECK = mp.mpf(10) ** -20


def conditional_rows(job):
    """All rows of one (model, parameter set, x, T): the t_x-free parts are computed once."""
    model, pf, x, T, txs = job
    p = [M(v) for v in pf]
    X, TT = M(x), M(T)
    rows = []
    ps = " ".join(repr(f(v)) for v in pf)
    hs = horizons(x)
    if model in ("BG/NBD", "MBG/NBD"):
        s = bg_shift(model)
        br = {}
        for t in hs:
            br[t] = bg_bracket(p, s, X, TT, M(t))
            agree(br[t], bg_bracket_posterior(p, s, X, TT, M(t)), CHECK, (model, x, T, t))
        dc = bg_dert_cond(p, s, X, TT, M(DELTA))
        if x <= 100:
            agree(dc, bg_dert_cond_posterior(p, s, X, TT, M(DELTA)), CHECK, (model, x, T))
        for tx in txs:
            pa = bg_p_alive(p, s, X, M(tx), TT)
            rows.append((model, ps, "p_alive", x, tx, T, "", pa))
            for t in hs:
                rows.append((model, ps, "expected_purchases", x, tx, T, repr(t), pa * br[t]))
            rows.append((model, ps, "dert", x, tx, T, repr(DELTA), pa * dc))
    elif model == "Pareto/NBD":
        for tx in txs:
            pa = pnbd_p_alive(p, X, M(tx), TT)
            agree(pa, pnbd_p_alive_check(p, X, M(tx), TT), CHECK, (model, x, tx, T))
            rows.append((model, ps, "p_alive", x, tx, T, "", pa))
            for t in hs:
                rows.append((model, ps, "expected_purchases", x, tx, T, repr(t),
                             pa * pnbd_bracket(p, X, TT, M(t))))
            d = pnbd_dert(p, X, M(tx), TT, M(DELTA))
            agree(d, pnbd_dert_check(p, X, M(tx), TT, M(DELTA)), CHECK, (model, x, tx, T))
            rows.append((model, ps, "dert", x, tx, T, repr(DELTA), d))
    else:
        for tx in txs:
            for t in hs:
                rows.append((model, ps, "expected_purchases", x, tx, T, repr(t),
                             nbd_expected(p, X, TT, M(t))))
            rows.append((model, ps, "dert", x, tx, T, repr(DELTA), nbd_dert(p, X, TT, M(DELTA))))
    return rows


def pmf_rows(job):
    model, pf, t = job
    p = [M(v) for v in pf]
    ps = " ".join(repr(f(v)) for v in pf)
    rows = []
    for n in PMF_N:
        if model in ("BG/NBD", "MBG/NBD"):
            v = bg_pmf(p, bg_shift(model), n, M(t))
        elif model == "NBD":
            v = nbd_pmf(p, n, M(t))
        else:
            v = pnbd_pmf(p, n, M(t))
            if n <= 100 and t <= 1e4:
                agree(v, pnbd_pmf_note012(p, n, M(t)), CHECK, (model, n, t))
        rows.append((model, ps, n, t, v))
    return rows


def fmt(v):
    return mp.nstr(v, 30, min_fixed=-5, max_fixed=6)


def main():
    by_xt = {}
    for (x, tx, T) in histories():
        by_xt.setdefault((x, T), []).append(tx)
    jobs = [(m, pf, x, T, txs) for m, sets in SETS.items() for pf in sets
            for (x, T), txs in by_xt.items()]
    pjobs = [(m, pf, t) for m, sets in SETS.items() for pf in sets for t in PMF_T]
    with Pool(int(os.environ.get("JOBS", "2"))) as pool:
        cond = pool.map(conditional_rows, jobs, chunksize=1)
        pmf = pool.map(pmf_rows, pjobs, chunksize=1)
    with open(os.path.join(HERE, "extremes_conditional.csv"), "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["model", "params", "quantity", "x", "t_x", "T", "arg", "value"])
        n = 0
        for rows in cond:
            for (m, ps, qn, x, tx, T, arg, v) in rows:
                w.writerow([m, ps, qn, repr(x), repr(tx), repr(T), arg, fmt(v)])
                n += 1
    with open(os.path.join(HERE, "extremes_pmf.csv"), "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["model", "params", "n", "t", "value"])
        k = 0
        for rows in pmf:
            for (m, ps, nn, t, v) in rows:
                w.writerow([m, ps, nn, repr(t), fmt(v)])
                k += 1
    print(n, "conditional rows,", k, "pmf rows", file=sys.stderr)


if __name__ == "__main__":
    main()
