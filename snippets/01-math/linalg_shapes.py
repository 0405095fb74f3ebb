"""Every layer is a matrix multiplication: nn.Linear on [batch, seq_len, hidden_dim] is x @ W.T + b.

Look at: the shape after each step; nn.Linear stores its weight as [out_features, in_features] and
applies that one matrix to every token of every sequence, so flattening batch and sequence into rows
gives the same numbers; attention's scores and outputs are batched matrix products too;
(AB)^T = B^T A^T; solve() undoes a square full-rank matrix, while a low-rank bottleneck cannot be
undone; and almost all parameters of a Transformer layer sit in weight matrices.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

BATCH, SEQ_LEN, HIDDEN = 2, 5, 8     # x: [batch, seq_len, hidden_dim]
FFN = 4 * HIDDEN                     # width of the feed-forward layer inside a Transformer block
BOTTLENECK = 2                       # rank of a [HIDDEN, 2] @ [2, HIDDEN] product
BIG_D, BIG_HEADS, BIG_FFN = 768, 12, 3072   # a GPT-2-small-sized layer, only its parameters counted
ATOL = 1e-12                         # float64 keeps the comparisons tight

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64


def shape(t):
    return str(list(t.shape))


def row(name, t, note=""):
    print(f"{name:<28} {shape(t):<12} {note}".rstrip())


x = torch.randn(BATCH, SEQ_LEN, HIDDEN, dtype=DTYPE, device=DEVICE)   # [B, T, D]

print("== a linear layer on [batch, seq_len, hidden_dim] ==")
up = nn.Linear(HIDDEN, FFN).to(DEVICE, DTYPE)
W, b = up.weight, up.bias                                  # W: [out, in] = [FFN, D], b: [FFN]
y = up(x)                                                  # [B, T, FFN]
mine = x @ W.T + b                                         # [B, T, D] @ [D, FFN] + [FFN] (broadcast)
assert torch.allclose(y, mine, atol=ATOL, rtol=0)
rows = x.reshape(-1, HIDDEN) @ W.T + b                     # [B*T, D] @ [D, FFN] -> [B*T, FFN]
assert torch.allclose(rows.reshape(BATCH, SEQ_LEN, FFN), y, atol=ATOL, rtol=0)
one = W @ x[1, 3] + b                                      # one token as a column: [FFN, D] @ [D]
assert torch.allclose(one, y[1, 3], atol=ATOL, rtol=0)
row("x", x, "batch, seq_len, hidden_dim")
row("up.weight W", W, "out_features, in_features")
row("up.bias b", b)
row("up(x)", y)
row("x @ W.T + b", mine, "equals up(x): yes")
row("x as rows [B*T, D] @ W.T", rows, "equals up(x) after reshape: yes")
row("W @ x[1, 3] + b (one token)", one, "equals up(x)[1, 3]: yes")
print(f"{'multiply-adds':<28} {BATCH * SEQ_LEN * HIDDEN * FFN:<12,} B*T*D*FFN")

print()
print("== a feed-forward block: two matrix products ==")
down = nn.Linear(FFN, HIDDEN).to(DEVICE, DTYPE)
h = F.gelu(up(x))                                          # [B, T, FFN]
out = down(h)                                              # [B, T, FFN] @ [FFN, D] -> [B, T, D]
row("gelu(up(x))", h)
row("down(...)", out, "back to hidden_dim")

print()
print("== attention: three projections and two batched products ==")
W_q, W_k, W_v = (torch.randn(HIDDEN, HIDDEN, dtype=DTYPE, device=DEVICE) / math.sqrt(HIDDEN)
                 for _ in range(3))
q, k, v = x @ W_q, x @ W_k, x @ W_v                        # each [B, T, D]
scores = q @ k.transpose(-2, -1) / math.sqrt(HIDDEN)       # [B, T, D] @ [B, D, T] -> [B, T, T]
att = torch.softmax(scores, dim=-1) @ v                    # [B, T, T] @ [B, T, D] -> [B, T, D]
assert torch.allclose(att, F.scaled_dot_product_attention(q, k, v), atol=ATOL, rtol=0)
row("q, k, v = x @ W_q, ...", q)
row("k.transpose(-2, -1)", k.transpose(-2, -1))
row("scores = q @ k^T / sqrt(D)", scores, "one score per (query, key) pair")
row("softmax(scores) @ v", att, "equals F.scaled_dot_product_attention: yes")

print()
print("== transpose and inverse ==")
A = torch.randn(3, 4, dtype=DTYPE, device=DEVICE)
B = torch.randn(4, 2, dtype=DTYPE, device=DEVICE)
assert torch.allclose((A @ B).T, B.T @ A.T, atol=ATOL, rtol=0)
print(f"{'(A @ B).T == B.T @ A.T':<36} yes   shapes {shape(A)} @ {shape(B)} -> {shape((A @ B).T)}")
M = torch.randn(HIDDEN, HIDDEN, dtype=DTYPE, device=DEVICE)      # square, full rank
target = M @ x[0].T                                              # [D, T]: M applied to 5 tokens
recovered = torch.linalg.solve(M, target)                        # solves M z = target, no inverse formed
assert torch.allclose(recovered, x[0].T, atol=1e-10, rtol=0)
assert torch.allclose(M @ torch.linalg.inv(M), torch.eye(HIDDEN, dtype=DTYPE, device=DEVICE), atol=1e-10)
print(f"{'rank of M, a random [8, 8]':<36} {torch.linalg.matrix_rank(M).item()}")
print(f"{'solve(M, M @ x) recovers x':<36} yes")
squeeze = (torch.randn(HIDDEN, BOTTLENECK, dtype=DTYPE, device=DEVICE)
           @ torch.randn(BOTTLENECK, HIDDEN, dtype=DTYPE, device=DEVICE))   # [D, 2] @ [2, D]
rank_squeeze = torch.linalg.matrix_rank(squeeze).item()
assert rank_squeeze == BOTTLENECK
lost = HIDDEN - rank_squeeze
print(f"{'rank of [8, 2] @ [2, 8]':<36} {rank_squeeze}   (no inverse: {lost} directions are lost)")

print()
print(f"== where the parameters of a Transformer layer live (d={BIG_D}, ffn={BIG_FFN}) ==")
layer = nn.TransformerEncoderLayer(BIG_D, BIG_HEADS, BIG_FFN)
in_matrices = sum(p.numel() for p in layer.parameters() if p.ndim == 2)
in_vectors = sum(p.numel() for p in layer.parameters() if p.ndim == 1)
assert in_matrices == 4 * BIG_D * BIG_D + 2 * BIG_D * BIG_FFN    # Q, K, V, output; FFN up and down
assert in_matrices / (in_matrices + in_vectors) > 0.99
print(f"{'weight matrices':<20} {in_matrices:>10,}")
print(f"{'biases and norms':<20} {in_vectors:>10,}")
print(f"{'share in matrices':<20} {in_matrices / (in_matrices + in_vectors):>10.2%}")
