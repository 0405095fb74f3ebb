"""Broadcasting and vectorisation: one array expression replaces a Python loop and gives the same numbers.

Look at: the shapes broadcasting produces (and the silent (5, 1) - (5,) -> (5, 5) trap); the distance
matrix computed by a triple Python loop, by broadcasting and by a matrix product, all equal; how many
Python-level steps and how large an intermediate array each needs; the same expression in PyTorch.
"""
import numpy as np
import torch

N_POINTS = 100   # number of embedding vectors
DIM = 16         # width of each vector
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
rng = np.random.default_rng(SEED)

print("== broadcasting: shapes are aligned from the right, size 1 stretches ==")
col = np.arange(3).reshape(3, 1)          # (3, 1)
row = 10 * np.arange(4).reshape(1, 4)     # (1, 4)
grid = col + row                          # (3, 1) + (1, 4) -> (3, 4)
assert grid.shape == (3, 4) and grid[2, 3] == 2 + 30
print(f"{str(col.shape):>8} + {str(row.shape):<8} -> {grid.shape}")
print(grid)

x = rng.normal(size=(4, 5))                        # a batch of 4 rows, 5 features
centred = x - x.mean(axis=1, keepdims=True)        # (4, 5) - (4, 1): each row minus its own mean
assert np.allclose(centred.mean(axis=1), 0.0)
print(f"{str(x.shape):>8} - {str((4, 1)):<8} -> {centred.shape}   row means after: "
      f"{np.abs(centred.mean(axis=1)).max():.1f}")

target = np.arange(5.0)                            # labels, shape (5,)
pred = (target + 0.5).reshape(5, 1)                # predictions with a trailing 1: (5, 1)
wrong = ((pred - target) ** 2).mean()              # (5, 1) - (5,) -> (5, 5): every pair!
right = ((pred[:, 0] - target) ** 2).mean()        # (5,) - (5,) -> (5,)
assert (pred - target).shape == (5, 5) and not np.isclose(wrong, right)
print(f"{str(pred.shape):>8} - {str(target.shape):<8} -> {(pred - target).shape}   "
      f"MSE wrong {wrong:.2f}, right {right:.2f}")

print()
print(f"== squared distances between {N_POINTS} vectors of width {DIM} ==")
emb = rng.normal(size=(N_POINTS, DIM))             # (N, D)

# 1. Plain Python: three nested loops over numbers.
rows = emb.tolist()
loop = [[0.0] * N_POINTS for _ in range(N_POINTS)]
steps = 0
for i in range(N_POINTS):
    for j in range(N_POINTS):
        s = 0.0
        for k in range(DIM):
            s += (rows[i][k] - rows[j][k]) ** 2
            steps += 1
        loop[i][j] = s
loop = np.array(loop)

# 2. Broadcasting: (N, 1, D) - (1, N, D) -> (N, N, D), then sum over D.
diff = emb[:, None, :] - emb[None, :, :]
bcast = (diff ** 2).sum(axis=-1)                   # (N, N)

# 3. Matrix product: |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, so no (N, N, D) array is needed.
sq = (emb ** 2).sum(axis=1)                        # (N,)
gram = emb @ emb.T                                 # (N, N), the same product as Q K^T in attention
matmul = np.maximum(sq[:, None] + sq[None, :] - 2 * gram, 0.0)

assert np.allclose(bcast, loop, rtol=0, atol=1e-12)
assert np.allclose(matmul, loop, rtol=0, atol=1e-10)
assert np.allclose(np.diag(loop), 0.0) and np.allclose(loop, loop.T)
print(f"{'method':<14}{'loop steps in Python':>22}{'largest array':>16}{'its bytes':>11}")
print(f"{'triple loop':<14}{steps:>22,}{'(scalars)':>16}{'-':>11}")
for name, biggest in (("broadcasting", diff), ("matmul", gram)):
    print(f"{name:<14}{0:>22}{str(biggest.shape):>16}{biggest.nbytes:>11,}")
print("all three agree to within 1e-10; the matrix is symmetric with a zero diagonal")
print()
print("== the same expression in PyTorch ==")
t = torch.from_numpy(emb).to(DEVICE)               # float64 kept, copied to DEVICE
t_bcast = ((t[:, None, :] - t[None, :, :]) ** 2).sum(dim=-1)
t_cdist = torch.cdist(t, t) ** 2                   # PyTorch's built-in pairwise distance
assert torch.allclose(t_bcast.cpu(), torch.from_numpy(bcast), rtol=0, atol=1e-12)
assert torch.allclose(t_cdist.cpu(), torch.from_numpy(loop), rtol=0, atol=1e-9)
print(f"torch broadcasting   shape {tuple(t_bcast.shape)}  dtype {t_bcast.dtype}  agrees with NumPy")
print(f"torch.cdist squared  shape {tuple(t_cdist.shape)}  dtype {t_cdist.dtype}  agrees with NumPy")
print(f"nearest neighbour of vector 0: vector {int(np.argsort(loop[0])[1])}, "
      f"squared distance {np.sort(loop[0])[1]:.4f}")
