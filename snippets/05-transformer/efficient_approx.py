"""Linformer- and Performer-style approximations versus exact softmax attention.

Linformer: keys and values are compressed along the sequence, T -> k rows (here by averaging blocks
of T/k neighbours, a fixed stand-in for the learned projections of the paper). Performer: exp(q.k) is
replaced by phi(q).phi(k) with m positive random features (FAVOR+, here with independent rather than
orthogonal w_i), so attention becomes linear in T.
Look at the relative error of the attention output, averaged over seeds: Linformer needs neighbouring
tokens to be similar; Performer's error shrinks like 1/sqrt(m) but explodes for large |q|, |k|.
"""
import math

import torch

T, D = 256, 16                       # sequence length, head dimension
KS = (8, 16, 32, 64, 128, 256)       # Linformer: compressed length k
MS = (16, 64, 256, 1024)             # Performer: number of random features m
SCALES = (0.5, 1.0)                  # Performer: q and k entries have this standard deviation
N_SEEDS = 8
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
gen = torch.Generator().manual_seed(SEED)                 # drawn on the CPU: same numbers on any device
randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=torch.float64).to(DEVICE)


def make_qkv(kind, scale=1.0):
    if kind == "iid":                                        # independent tokens
        return [scale * randn(T, D) for _ in range(3)]
    x = randn(T, 32).cumsum(dim=0) * 3 / math.sqrt(T)       # "smooth": a random walk, neighbours alike
    return [x @ randn(32, D) / math.sqrt(32) for _ in range(3)]


def exact(q, k, v):
    return torch.softmax(q @ k.T / math.sqrt(D), dim=-1) @ v              # (T, D), O(T^2 D)


def linformer(q, k, v, n_rows):
    E = torch.eye(n_rows, dtype=q.dtype, device=q.device).repeat_interleave(T // n_rows, dim=1)
    E = E / (T // n_rows)                                                 # (k, T): mean of T/k neighbours
    return torch.softmax(q @ (E @ k).T / math.sqrt(D), dim=-1) @ (E @ v)  # scores (T, k), O(T k D)


def performer(q, k, v, m):
    w = randn(m, D)                                                       # w_i ~ N(0, I)
    def phi(x):                                          # E_w[phi(q) . phi(k)] = exp(q.k / sqrt(D))
        x = x / D ** 0.25
        return torch.exp(x @ w.T - (x * x).sum(-1, keepdim=True) / 2) / math.sqrt(m)  # (T, m)
    qp, kp = phi(q), phi(k)
    numerator = qp @ (kp.T @ v)                                           # (T, m) @ (m, D): no T x T
    denominator = qp @ kp.sum(dim=0)                                      # (T,): the softmax row sums
    return numerator / denominator[:, None]


def rel_err(approx, ref):
    return ((approx - ref).norm() / ref.norm()).item()


lin = {kind: {n: 0.0 for n in KS} for kind in ("iid", "smooth")}
perf = {s: {m: 0.0 for m in MS} for s in SCALES}
for _ in range(N_SEEDS):
    for kind in lin:
        q, k, v = make_qkv(kind)
        ref = exact(q, k, v)
        for n in KS:
            lin[kind][n] += rel_err(linformer(q, k, v, n), ref) / N_SEEDS
    for s in SCALES:
        q, k, v = make_qkv("iid", s)
        ref = exact(q, k, v)
        for m in MS:
            perf[s][m] += rel_err(performer(q, k, v, m), ref) / N_SEEDS

print(f"Linformer (mean-pooled K and V), T={T}, relative error, mean of {N_SEEDS} seeds")
print(f"{'k':>5} {'iid tokens':>11} {'smooth sequence':>16}")
for n in KS:
    print(f"{n:>5} {lin['iid'][n]:>11.4f} {lin['smooth'][n]:>16.4f}")
print()
print(f"Performer (positive random features, i.i.d.), T={T}, relative error, mean of {N_SEEDS} seeds")
print(f"{'':>5} {'entries of q and k have std':>27}")
print(f"{'m':>5} " + " ".join(f"{s:>13.1f}" for s in SCALES))
for m in MS:
    print(f"{m:>5} " + " ".join(f"{perf[s][m]:>13.4f}" for s in SCALES))

assert lin["iid"][T] < 1e-12 and lin["smooth"][T] < 1e-12    # k = T: pooling is the identity, exact
errs = [lin["smooth"][n] for n in KS]
assert all(a > b for a, b in zip(errs, errs[1:]))            # smooth input: more rows, less error
assert lin["smooth"][32] < lin["iid"][32] / 10               # pooling relies on neighbours being alike
assert min(lin["iid"][n] for n in KS[:-1]) > 0.5             # unrelated neighbours: no k < T is close
errs = [perf[0.5][m] for m in MS]
assert all(a > b for a, b in zip(errs, errs[1:]))            # more features, less error
assert 4 < errs[0] / errs[-1] < 16                           # about 1/sqrt(m): 64x features, ~8x less
assert perf[1.0][MS[-1]] > perf[0.5][MS[-1]] * 3             # larger |q|, |k|: far noisier estimate
