"""Scaled dot-product attention written from scratch equals PyTorch's built-in one.

Look at: every case matches F.scaled_dot_product_attention; each row of the weights sums to 1;
the causal weights are zero above the diagonal; padded keys get weight exactly 0; cross-attention
returns one output per query, [batch, L_q, d_v], however many keys there are. Last lines: a query
that may see no key at all gets NaN from a hand-written softmax but zeros (PyTorch >= 2.5) from
F.scaled_dot_product_attention.
"""
import math

import torch
import torch.nn.functional as F

BATCH, SEQ_LEN, D_MODEL = 2, 5, 16   # x: [batch, seq_len, d_model]
D_K, D_V = 8, 6                      # query/key width and value width
LENGTHS = [5, 3]                     # real tokens per sequence; the rest is padding
L_Q, L_KV = 3, 7                     # cross-attention: 3 queries read from 7 keys/values
ATOL = 1e-12                         # float64 keeps the comparison tight

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64


def attention(q, k, v, mask=None):
    """q: [B, L_q, d_k], k: [B, L_k, d_k], v: [B, L_k, d_v]; mask: bool, True = may attend."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))    # [B, L_q, L_k]
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))       # forbidden -> -inf
    weights = torch.softmax(scores, dim=-1)                     # each row sums to 1
    return weights @ v, weights                                 # [B, L_q, d_v], [B, L_q, L_k]


def check(name, mine, weights, reference):
    assert torch.allclose(mine, reference, atol=ATOL, rtol=0), name
    assert torch.allclose(weights.sum(-1), torch.ones_like(weights.sum(-1)), atol=ATOL), name
    print(f"{name:<8} out {str(list(mine.shape)):<10} weights {str(list(weights.shape)):<10} "
          f"= torch: yes, rows sum to 1")


def show(title, w):
    print(title)
    for row in w.tolist():
        print("  " + " ".join(f"{p:.3f}" for p in row))


# Self-attention: queries, keys and values all come from the same sequence x.
x = torch.randn(BATCH, SEQ_LEN, D_MODEL, dtype=DTYPE, device=DEVICE)
W_q = torch.randn(D_MODEL, D_K, dtype=DTYPE, device=DEVICE) / math.sqrt(D_MODEL)
W_k = torch.randn(D_MODEL, D_K, dtype=DTYPE, device=DEVICE) / math.sqrt(D_MODEL)
W_v = torch.randn(D_MODEL, D_V, dtype=DTYPE, device=DEVICE) / math.sqrt(D_MODEL)
q, k, v = x @ W_q, x @ W_k, x @ W_v                             # [B, T, d_k], [B, T, d_k], [B, T, d_v]

print("== checks against F.scaled_dot_product_attention ==")
out, w = attention(q, k, v)
check("no mask", out, w, F.scaled_dot_product_attention(q, k, v))

# Causal mask: position i may look at positions j <= i (lower triangle, diagonal included).
causal = torch.tril(torch.ones(SEQ_LEN, SEQ_LEN, dtype=torch.bool, device=DEVICE))  # [T, T]
out_c, w_c = attention(q, k, v, causal)
check("causal", out_c, w_c, F.scaled_dot_product_attention(q, k, v, is_causal=True))
assert torch.all(w_c[:, ~causal] == 0)                          # exactly zero, not just small

# Padding mask: key j of sequence b is real if j < LENGTHS[b]; broadcast over queries.
lengths = torch.tensor(LENGTHS, device=DEVICE)
key_ok = torch.arange(SEQ_LEN, device=DEVICE)[None, :] < lengths[:, None]           # [B, T]
pad = key_ok[:, None, :]                                        # [B, 1, T] -> every query row
out_p, w_p = attention(q, k, v, pad)
check("padding", out_p, w_p, F.scaled_dot_product_attention(q, k, v, attn_mask=pad))
assert torch.all(w_p[1, :, LENGTHS[1]:] == 0)                   # padded keys: weight exactly 0

# Cross-attention: queries from one sequence (length L_q), keys/values from another (L_kv).
y = torch.randn(BATCH, L_Q, D_MODEL, dtype=DTYPE, device=DEVICE)       # e.g. decoder states
mem = torch.randn(BATCH, L_KV, D_MODEL, dtype=DTYPE, device=DEVICE)    # e.g. encoder output
out_x, w_x = attention(y @ W_q, mem @ W_k, mem @ W_v)
check("cross", out_x, w_x, F.scaled_dot_product_attention(y @ W_q, mem @ W_k, mem @ W_v))
assert out_x.shape == (BATCH, L_Q, D_V) and w_x.shape == (BATCH, L_Q, L_KV)

print()
show("== causal weights, sequence 0 (rows: queries, columns: keys) ==", w_c[0])
print()
show(f"== padding weights, sequence 1 (only the first {LENGTHS[1]} keys are real) ==", w_p[1])

# A query with every key masked has nothing to normalise. A hand-written softmax of all -inf is NaN;
# since PyTorch 2.5, F.scaled_dot_product_attention returns zeros for such a row instead (and a zero
# gradient), so the same mask gives different answers on the two code paths.
all_masked = torch.softmax(torch.full((3,), float("-inf"), dtype=DTYPE), dim=-1)
assert torch.isnan(all_masked).all()
none_ok = pad.expand(BATCH, SEQ_LEN, SEQ_LEN).clone()          # [B, T, T]: one row per query
none_ok[1, -1, :] = False                                       # query 4 of sequence 1 may see no key
q_g = q.detach().clone().requires_grad_(True)
out_none = F.scaled_dot_product_attention(q_g, k, v, attn_mask=none_ok)     # [B, T, d_v]
out_none.sum().backward()
assert torch.all(out_none[1, -1] == 0) and torch.all(q_g.grad[1, -1] == 0)
assert torch.allclose(out_none[1, :-1], out_p[1, :-1], atol=ATOL)           # other rows unchanged
print()
print("== a query that may see no key ==")
print(f"  softmax by hand (all -inf)        : {all_masked.tolist()}")
# + 0.0 prints -0.0 as 0.0
print(f"  F.scaled_dot_product_attention    : {[round(t, 4) + 0.0 for t in out_none[1, -1].tolist()]}")
print(f"  its gradient w.r.t. that query    : max abs {q_g.grad[1, -1].abs().max().item():.4f}")
