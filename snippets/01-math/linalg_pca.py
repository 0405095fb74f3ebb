"""PCA two ways: eigenvectors of the covariance matrix are the right singular vectors of the centred data.

Look at: in the 2x2 example A v = lambda v holds for the eigenvectors and fails for other vectors;
the variances from eigh(C) and s^2/(N-1) from svd(X_c) are the same numbers; each component agrees
up to its sign (|dot| = 1); PCA finds the directions the data was made with; the squared
reconstruction error with k components is exactly the variance left out; without centring, the
first "component" points at the mean instead.
"""
import torch

N, D = 500, 6                                   # 500 points (rows) in 6 dimensions
STDS = [3.0, 2.0, 1.0, 0.5, 0.3, 0.1]           # spread along 6 hidden orthogonal directions
K = 2                                           # components kept
ATOL = 1e-10

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
randn = lambda *shape: torch.randn(*shape, dtype=DTYPE).to(DEVICE)   # drawn on the CPU: same on any device

print("== eigenvectors of A = [[2, 1], [1, 2]] ==")
A = torch.tensor([[2.0, 1.0], [1.0, 2.0]], dtype=DTYPE, device=DEVICE)
lam, vecs = torch.linalg.eigh(A)                # symmetric: real eigenvalues, ascending order
for i in range(2):
    v = vecs[:, i] * torch.sign(vecs[-1, i])               # fix the sign: last entry positive
    assert torch.allclose(A @ v, lam[i] * v, atol=ATOL)    # A v = lambda v
    print(f"lambda = {lam[i].item():.4f}   v = {[round(c, 4) + 0.0 for c in v.tolist()]}   "
          f"A v = {[round(c, 4) + 0.0 for c in (A @ v).tolist()]}")
u = torch.tensor([1.0, 0.0], dtype=DTYPE, device=DEVICE)
print(f"not an eigenvector: u = {u.tolist()}   A u = {(A @ u).tolist()}   (direction changed)")

# Data: independent coordinates with spreads STDS, rotated by a random orthogonal R, then shifted.
R, _ = torch.linalg.qr(randn(D, D))                                       # true directions = columns
Z = randn(N, D) * torch.tensor(STDS, dtype=DTYPE, device=DEVICE)
X = Z @ R.T + 5.0 * randn(D)                                             # [N, D], mean far from 0

# Way 1: eigendecomposition of the covariance matrix C = X_c^T X_c / (N - 1).
Xc = X - X.mean(dim=0)                                                    # centre every column
C = Xc.T @ Xc / (N - 1)                                                   # [D, D], symmetric
assert torch.allclose(C, torch.cov(X.T), atol=ATOL)
evals, evecs = torch.linalg.eigh(C)
evals, evecs = evals.flip(0), evecs.flip(1)                               # largest first

# Way 2: SVD of the centred data, X_c = U diag(S) V^T.
U, S, Vh = torch.linalg.svd(Xc, full_matrices=False)                      # [N, D], [D], [D, D]
V = Vh.T                                                                  # components = columns
var_svd = S**2 / (N - 1)
assert torch.allclose(evals, var_svd, atol=ATOL)                          # same variances
dots = (evecs * V).sum(dim=0)                                             # v_eig . v_svd per component
assert torch.allclose(dots.abs(), torch.ones_like(dots), atol=1e-8)       # same directions, up to sign
assert torch.allclose(evecs[:, :K] @ evecs[:, :K].T, V[:, :K] @ V[:, :K].T, atol=ATOL)  # same subspace
assert torch.allclose(C @ evecs, evecs * evals, atol=ATOL)                # C v = lambda v, each column
assert torch.allclose(Xc @ V, U * S, atol=ATOL)                           # scores: X_c V = U S
true_cos = (V * R).sum(dim=0).abs()                                       # |cos| with the hidden axes
assert (true_cos > 0.99).all()                                            # PCA recovers the hidden axes

print()
print("== PCA: eigh of the covariance versus SVD of the centred data ==")
print(f"{'i':>2} {'eig(C)':>9} {'s^2/(N-1)':>10} {'share':>7} {'cumul.':>7} {'|v_eig.v_svd|':>14} "
      f"{'|cos| true':>11}")
ratio = evals / evals.sum()
for i in range(D):
    print(f"{i + 1:>2} {evals[i].item():>9.4f} {var_svd[i].item():>10.4f} {ratio[i].item():>7.2%} "
          f"{ratio[:i + 1].sum().item():>7.2%} {dots[i].abs().item():>14.4f} {true_cos[i].item():>11.4f}")
print(f"true variances STDS^2: {[round(s * s, 4) for s in STDS]}")

print()
print(f"== keep k = {K} components: [N, {D}] -> [N, {K}] -> back to [N, {D}] ==")
codes = Xc @ V[:, :K]                                                     # [N, K]: the reduced data
X_hat = codes @ V[:, :K].T                                                # [N, D]: back in 6-D
err = ((Xc - X_hat) ** 2).sum() / (N - 1)
assert torch.allclose(err, evals[K:].sum(), atol=ATOL)                    # error = variance left out
print(f"codes shape                          {list(codes.shape)}")
print(f"squared error / (N-1)                {err.item():.4f}")
print(f"sum of the discarded variances       {evals[K:].sum().item():.4f}")
print(f"variance kept                        {ratio[:K].sum().item():.2%}")

print()
print("== forgetting to centre ==")
_, _, Vh_raw = torch.linalg.svd(X, full_matrices=False)
mean_dir = X.mean(dim=0) / X.mean(dim=0).norm()
cos_mean = (Vh_raw[0] @ mean_dir).abs().item()
cos_pc1 = (Vh_raw[0] @ V[:, 0]).abs().item()
assert cos_mean > 0.9 and cos_pc1 < cos_mean
print(f"|cos(first direction, mean)|         {cos_mean:.4f}")
print(f"|cos(first direction, true PC1)|     {cos_pc1:.4f}")
