"""Why attention divides by sqrt(d_k): dot products grow with d_k and saturate the softmax.

Look at: var(q.k) is close to d_k, and close to 1 after dividing by sqrt(d_k). Without the
scaling, the largest softmax weight heads towards 1 (nearly one-hot), the entropy towards 0 and the
softmax Jacobian (its gradient) vanishes; with it, all three stay put as d_k grows.
"""
import math

import torch

D_KS = [4, 16, 64, 256, 1024]   # key/query widths to compare
N_PAIRS = 10000                 # random (q, k) pairs for the variance estimate
N_QUERIES, N_KEYS = 500, 16     # softmax over 16 keys, averaged over 500 queries

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64


def softmax_stats(scores):
    """scores: [N, L] -> mean max weight, mean entropy (nats), mean Frobenius norm of the Jacobian."""
    p = torch.softmax(scores, dim=-1)                                   # [N, L]
    entropy = -(p * torch.log(p.clamp_min(1e-300))).sum(-1)            # 0 .. ln L
    jac = torch.diag_embed(p) - p.unsqueeze(-1) * p.unsqueeze(-2)      # dp/ds = diag(p) - p p^T
    return p.max(-1).values.mean(), entropy.mean(), jac.flatten(1).norm(dim=-1).mean()


print(f"entries of q and k ~ N(0, 1); softmax over {N_KEYS} keys (uniform entropy = "
      f"ln {N_KEYS} = {math.log(N_KEYS):.2f})")
print()
print(f"{'':>6} {'variance':^17} | {'max weight':^15} | {'entropy':^15} | {'|Jacobian|':^15}".rstrip())
print(f"{'d_k':>6} {'q.k':>8} {'scaled':>8} | {'raw':>7} {'scaled':>7} | {'raw':>7} {'scaled':>7} | "
      f"{'raw':>7} {'scaled':>7}")
rows = {}
for d_k in D_KS:
    # Var(q.k) = sum_i E[q_i^2] E[k_i^2] = d_k for independent unit-variance entries.
    q = torch.randn(N_PAIRS, d_k, dtype=DTYPE, device=DEVICE)
    k = torch.randn(N_PAIRS, d_k, dtype=DTYPE, device=DEVICE)
    dots = torch.linalg.vecdot(q, k)                                  # [N_PAIRS]
    var_raw, var_scaled = dots.var().item(), (dots / math.sqrt(d_k)).var().item()
    assert abs(var_raw / d_k - 1) < 0.1 and abs(var_scaled - 1) < 0.1

    # One softmax row per query: scores against N_KEYS random keys.
    Q = torch.randn(N_QUERIES, d_k, dtype=DTYPE, device=DEVICE)
    K = torch.randn(N_KEYS, d_k, dtype=DTYPE, device=DEVICE)
    scores = Q @ K.T                                                  # [N_QUERIES, N_KEYS]
    raw = [t.item() for t in softmax_stats(scores)]
    scaled = [t.item() for t in softmax_stats(scores / math.sqrt(d_k))]
    rows[d_k] = raw, scaled
    print(f"{d_k:>6} {var_raw:>8.1f} {var_scaled:>8.2f} | {raw[0]:>7.3f} {scaled[0]:>7.3f} | "
          f"{raw[1]:>7.3f} {scaled[1]:>7.3f} | {raw[2]:>7.3f} {scaled[2]:>7.3f}")

# Unscaled: nearly one-hot at large d_k, with a vanishing gradient.
raw_big, scaled_big = rows[D_KS[-1]]
assert raw_big[0] > 0.9 and raw_big[1] < 0.3 and raw_big[2] < 0.2
assert all(rows[a][0][0] < rows[b][0][0] for a, b in zip(D_KS, D_KS[1:]))  # sharper and sharper
# Scaled: the statistics stay in a narrow band for every d_k.
for i in range(3):
    values = [rows[d_k][1][i] for d_k in D_KS]
    assert max(values) - min(values) < 0.15
