"""Tiled attention with an online softmax (FlashAttention's idea) equals exact softmax attention.

Keys and values are visited one block at a time. For each block of queries we keep only a running
row maximum m, a running sum of exponentials ell and a running weighted sum of values acc; when a new
block raises the maximum, what was accumulated so far is rescaled by exp(m_old - m_new).
Look at: the error against exact attention (float64 rounding), the largest score tensor ever held
(one tile instead of T x T), and the matrix-multiply FLOPs, which are the same as for exact attention.
"""
import math

import torch
import torch.nn.functional as F

T = 512        # sequence length
D = 64         # head dimension
BLOCK_Q = 64   # queries per tile
BLOCK_K = 128  # keys per tile
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

q, k, v = (torch.randn(T, D, dtype=torch.float64).to(DEVICE) for _ in range(3))
flops = 0


def mm(a, b):
    """a @ b for 2-D tensors, counting its FLOPs: 2 * m * k * n (a multiply and an add per term)."""
    global flops
    flops += 2 * a.shape[0] * a.shape[1] * b.shape[1]
    return a @ b


def exact_attention(q, k, v, causal):
    s = mm(q, k.T) / math.sqrt(D)                                # (T, T): the quadratic tensor
    if causal:
        future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
        s = s.masked_fill(future, float("-inf"))
    return mm(torch.softmax(s, dim=-1), v), s.numel()


def tiled_attention(q, k, v, causal):
    out, largest = torch.empty_like(q), 0
    for i0 in range(0, T, BLOCK_Q):
        qi = q[i0:i0 + BLOCK_Q]                                  # (Bq, D)
        m = torch.full((len(qi), 1), float("-inf"), dtype=q.dtype, device=q.device)
        ell = torch.zeros(len(qi), 1, dtype=q.dtype, device=q.device)
        acc = torch.zeros(len(qi), D, dtype=q.dtype, device=q.device)
        for j0 in range(0, T, BLOCK_K):
            if causal and j0 > i0 + len(qi) - 1:
                break                                            # every key in this block is in the future
            s = mm(qi, k[j0:j0 + BLOCK_K].T) / math.sqrt(D)      # (Bq, Bk): the only score tile alive
            if causal:
                rows = torch.arange(i0, i0 + len(qi), device=q.device)[:, None]
                cols = torch.arange(j0, j0 + s.shape[1], device=q.device)[None, :]
                s = s.masked_fill(cols > rows, float("-inf"))
            largest = max(largest, s.numel())
            m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))  # new running max per row
            p = torch.exp(s - m_new)                             # (Bq, Bk), entries in [0, 1]
            rescale = torch.exp(m - m_new)                       # fixes sums taken with the old max
            ell = ell * rescale + p.sum(dim=-1, keepdim=True)    # ell = sum_j exp(s_j - m)
            acc = acc * rescale + mm(p, v[j0:j0 + BLOCK_K])      # acc = sum_j exp(s_j - m) v_j
            m = m_new
        out[i0:i0 + len(qi)] = acc / ell                         # normalise once, at the end
    return out, largest


print("tiled versus exact attention (float64)")
print(f"{'variant':<13} {'largest score tensor':>21} {'matmul GFLOP':>13} {'max |diff| < 1e-12':>19}")
for causal in (False, True):
    flops = 0
    ref, n_exact = exact_attention(q, k, v, causal)
    flops_exact, flops = flops, 0
    mine, n_tiled = tiled_attention(q, k, v, causal)
    flops_tiled = flops
    sdpa = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=causal)[0]
    assert torch.allclose(ref, sdpa, atol=1e-12, rtol=0)         # our exact version is the real thing
    assert torch.allclose(mine, ref, atol=1e-12, rtol=0)         # tiling changes nothing but rounding
    assert n_tiled == BLOCK_Q * BLOCK_K and n_exact == T * T
    assert flops_exact == 4 * T * T * D                          # QK^T and PV: 2*T*T*D each
    if causal:
        assert flops_tiled < flops_exact                         # tiles wholly in the future are skipped
    else:
        assert flops_tiled == flops_exact                        # same arithmetic, less memory
    name = "causal" if causal else "full"
    print(f"{name + ' exact':<13} {n_exact:>21,} {flops_exact / 1e9:>13.4f} {'reference':>19}")
    print(f"{name + ' tiled':<13} {n_tiled:>21,} {flops_tiled / 1e9:>13.4f} {'yes':>19}")

print()
print("memory held per query tile (numbers of float64 values)")
print(f"  scores, exact    : {T * T:>8,}  (T x T)")
print(f"  scores, one tile : {BLOCK_Q * BLOCK_K:>8,}  (BLOCK_Q x BLOCK_K)")
print(f"  m, ell, acc      : {BLOCK_Q * (D + 2):>8,}  (BLOCK_Q x (D + 2))")
