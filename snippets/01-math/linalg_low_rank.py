"""Truncated SVD is the best low-rank approximation (Eckart-Young), tested against strong rivals.

Look at: for every rank k the Frobenius error of the truncated SVD equals sqrt(sum_{i>k} s_i^2), an
identity of the SVD (what its error is, not yet that nothing does better); then Eckart-Young itself:
rank-k fits found by alternating least squares from many random starts never beat the truncated SVD
and, at best, reach exactly its error, while a random rank-k projection is far worse. A matrix with
structure (low rank plus noise) is captured by a few components, a pure-noise matrix is not; rank-k
factors store k(m+n) numbers instead of m*n, as LoRA does. The SVD's outer factors can be reflections,
and in the thin SVD they are not square.
"""
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

M, N = 128, 64                   # a weight matrix W: [d_out, d_in]
TRUE_RANK = 8                    # rank of the structured part
NOISE = 0.3                      # standard deviation of the noise added to every entry
N_RANDOM = 10                    # random subspaces per rank
RIVAL_RANKS = (1, 2, 4, 8, 16)   # ranks at which alternating least squares competes
ALS_STARTS, ALS_ITERS = 20, 300  # random starts per rank (run as one batch), iterations
SHOWN = (1, 2, 4, 8, 16, 32, 64)
LORA_D, LORA_R = 4096, 8         # a 4096 x 4096 projection and a LoRA rank

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
randn = lambda *shape: torch.randn(*shape, dtype=DTYPE).to(DEVICE)   # drawn on the CPU: same on any device

W = randn(M, TRUE_RANK) @ randn(TRUE_RANK, N) / TRUE_RANK**0.5 + NOISE * randn(M, N)
G = randn(M, N)
G = G * W.norm() / G.norm()                                  # pure noise with the same total energy


def svd_errors(A):
    """Frobenius error of the truncated SVD for k = 0..n, built explicitly, and the singular values."""
    U, S, Vh = torch.linalg.svd(A, full_matrices=False)      # A = U diag(S) Vh, S descending
    errs = []
    for k in range(len(S) + 1):
        A_k = U[:, :k] @ torch.diag(S[:k]) @ Vh[:k]          # sum of the first k rank-1 terms
        assert torch.linalg.matrix_rank(A_k).item() == k
        errs.append((A - A_k).norm())                        # Frobenius norm
        tail = S[k:].pow(2).sum()                            # sum of the discarded s_i^2
        assert torch.allclose(errs[-1] ** 2, tail, rtol=1e-9, atol=1e-9), k   # SVD identity: pieces orthogonal
    return torch.stack(errs), S


err_w, S_w = svd_errors(W)
err_g, S_g = svd_errors(G)

# Random rank-k: keep W's rows only along a random k-dimensional subspace, W Q Q^T.
err_rand = torch.zeros(N + 1, dtype=DTYPE, device=DEVICE)
for k in range(1, N + 1):
    for _ in range(N_RANDOM):
        Q, _ = torch.linalg.qr(randn(N, k))                  # [N, k], orthonormal columns
        e = (W.norm() ** 2 - (W @ Q).norm() ** 2).clamp(min=0).sqrt()   # = ||W - W Q Q^T||_F
        assert e >= err_w[k] - 1e-9                          # never beats the truncated SVD
        err_rand[k] += e / N_RANDOM
err_rand[0] = W.norm()
expected = torch.tensor([(1 - k / N) ** 0.5 for k in range(N + 1)], dtype=DTYPE, device=DEVICE)
assert torch.allclose(err_rand / W.norm(), expected, atol=0.05)   # random keeps about k/n of the energy


def als(A, k, gen):
    """Rank-k fits X @ Y by alternating least squares from ALS_STARTS random starts; each half-step is
    the exact least-squares optimum given the other factor, so the error never goes up."""
    X = torch.randn(ALS_STARTS, A.shape[0], k, generator=gen, dtype=DTYPE).to(DEVICE)   # [S, M, k]
    for _ in range(ALS_ITERS):
        Y = torch.linalg.solve(X.mT @ X, X.mT @ A)                # best Y for each X: [S, k, N]
        X = torch.linalg.solve(Y @ Y.mT, Y @ A.T).mT              # best X for each Y: [S, M, k]
    return (A - X @ Y).norm(dim=(-2, -1))                         # Frobenius error of each start: [S]


# Eckart-Young: no rank-k matrix is closer to W than W_k. Rivals: ALS fits from many random starts.
gen = torch.Generator().manual_seed(1)
rivals = {k: als(W, k, gen) for k in RIVAL_RANKS}
for k, errs in rivals.items():
    assert (errs >= err_w[k] * (1 - 1e-12)).all(), k        # no start beats the truncated SVD
    assert errs.min() <= err_w[k] * (1 + 1e-6), k           # and the best start reaches it

rel = lambda e: (e / W.norm()).item()
print(f"== W [{M}, {N}] = rank-{TRUE_RANK} structure + noise: relative Frobenius error ==")
print(f"{'k':>3} {'svd':>8} {'sqrt(tail)':>11} {'random':>8} {'sqrt(1-k/n)':>12} {'noise svd':>10} "
      f"{'stored':>7}")
for k in SHOWN:
    tail = S_w[k:].pow(2).sum().sqrt()
    print(f"{k:>3} {rel(err_w[k]):>8.4f} {rel(tail):>11.4f} {rel(err_rand[k]):>8.4f} "
          f"{(1 - k / N) ** 0.5:>12.4f} {rel(err_g[k]):>10.4f} {k * (M + N) / (M * N):>7.1%}")
print(f"singular values 1-{TRUE_RANK + 2} of W: {[round(s, 2) for s in S_w[:TRUE_RANK + 2].tolist()]}")
assert rel(err_w[TRUE_RANK]) < 0.35 < rel(err_g[TRUE_RANK])   # structure: a few components suffice

print()
print(f"== Eckart-Young: best and worst of {ALS_STARTS} alternating-least-squares fits, relative error ==")
print(f"{'k':>3} {'svd':>9} {'ALS best':>9} {'ALS worst':>10}")
for k, errs in rivals.items():
    print(f"{k:>3} {rel(err_w[k]):>9.6f} {rel(errs.min()):>9.6f} {rel(errs.max()):>10.6f}")

# The outer factors of the SVD are orthogonal, not always rotations, and in the thin SVD not square.
R = torch.tensor([[1.0, 0.0], [0.0, -1.0]], dtype=DTYPE)       # a reflection, determinant -1
U_r, S_r, Vh_r = torch.linalg.svd(R)
assert torch.allclose(S_r, torch.ones(2, dtype=DTYPE))         # a reflection stretches nothing
assert torch.det(U_r) * torch.det(Vh_r) < 0                    # so U or V^T must itself be a reflection
U_w = torch.linalg.svd(W, full_matrices=False).U               # thin: [M, N], not [M, M]
assert torch.allclose(U_w.T @ U_w, torch.eye(N, dtype=DTYPE, device=DEVICE), atol=1e-12)
assert torch.linalg.matrix_rank(U_w @ U_w.T).item() == N       # U U^T projects R^M onto N dimensions
print()
print("== the factors of an SVD ==")
print(f"diag(1, -1): singular values {S_r.tolist()}, det(U) * det(V^T) = {(torch.det(U_r) * torch.det(Vh_r)).item():+.0f}")
print(f"thin SVD of W: U is {list(U_w.shape)}, U^T U = I, U U^T has rank {N}, not {M}")

print()
print(f"== LoRA-style update for a {LORA_D} x {LORA_D} weight, rank r = {LORA_R} ==")
full, lora = LORA_D * LORA_D, LORA_R * (LORA_D + LORA_D)     # dW = B A, B: [d, r], A: [r, d]
assert lora == 65_536 and full == 16_777_216
print(f"{'full update':<16} {full:>12,}")
print(f"{'B A factors':<16} {lora:>12,}   ({lora / full:.2%})")

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
pts = lambda t: [round(v, 4) for v in t.tolist()]           # rounded: same drawing on any thread count
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
fig.subplots_adjust(left=0.1, right=0.98, bottom=0.14, top=0.92, wspace=0.3)   # fixed margins: cheap
ranks = list(range(1, N + 1))
ax1.semilogy(ranks, pts(S_w), "o-", ms=3, label="W (rank 8 + noise)")
ax1.semilogy(ranks, pts(S_g), "s-", ms=3, label="pure noise")
ax1.set(xlabel="index i", ylabel=r"singular value $s_i$", title="Singular values")
ax1.legend(fontsize="small")
ks = list(range(N + 1))
ax2.plot(ks, pts(err_w / W.norm()), label="truncated SVD of W")
ax2.plot(ks, pts(err_rand / W.norm()), "--", label="random rank-k projection of W")
ax2.plot(ks, pts(err_g / W.norm()), ":", label="truncated SVD of pure noise")
ax2.axvline(TRUE_RANK, color="grey", lw=0.8)
ax2.text(TRUE_RANK + 1, 0.02, "rank of the structure", color="grey", fontsize="small")
ax2.set(xlabel="rank k", ylabel=r"$\|W - W_k\|_F \,/\, \|W\|_F$", title="Reconstruction error",
        ylim=(0, 1.35))
ax2.legend(fontsize="small")
fig.savefig(OUT_DIR / "low_rank_error.svg", metadata={"Date": None})
print("figure: low_rank_error.svg")
