"""Attention's cost grows with the square of the sequence length T; sparse patterns cut it down.

Part 1 runs a small layer, counts the FLOPs of every matrix product from the shapes of its operands,
and checks the per-layer formulas and the size of the score tensor; then it evaluates them for a
LLaMA-7B-like layer (d = 4096, 32 heads, 16-bit numbers): the
T x T scores become gigabytes, and the 4*T^2*d term overtakes the 24*T*d^2 of the projections and the
feed-forward network at T = 6d. Part 2 counts the query-key pairs that sparse patterns keep.
Look at the two figures: a slope of 2 on log-log axes is quadratic, a slope of 1 linear.
"""
import math
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt

D_MODEL, N_HEAD, BYTES = 4096, 32, 2         # LLaMA-7B-like layer, fp16/bf16 numbers
SMALL_D, SMALL_H, SMALL_T = 64, 4, (8, 32, 128)
T_SPARSE, WINDOW = 1024, 64                  # part 2: sequence length, local window
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
plt.rcParams["svg.hashsalt"] = "llm-roadmap"


def attn_flops(T, d):
    return 4 * T * T * d         # QK^T (2*T*T*d) + PV (2*T*T*d)


def rest_flops(T, d):
    return 24 * T * d * d        # Q, K, V, O projections (8*T*d^2) + FFN d->4d->d (16*T*d^2)


def score_bytes(T, h, b):
    return h * T * T * b         # one T x T score matrix per head, b bytes per number


flops = 0


def mm(a, b):
    """a @ b, counting 2 FLOPs (a multiply and an add) per term: 2 * batch * m * k * n."""
    global flops
    assert a.shape[-1] == b.shape[-2] and b.dim() in (2, a.dim())    # no hidden broadcasting of b
    flops += 2 * a.shape[:-1].numel() * a.shape[-1] * b.shape[-1]  # a.shape[:-1] = (batch..., m)
    return a @ b


# Part 1: the formulas equal what a real layer computes (small sizes, counted, not timed)
print(f"counted matmul FLOPs of one layer, d={SMALL_D}, {SMALL_H} heads, float32 scores")
print(f"{'T':>7} {'counted':>12} {'4T^2d':>12} {'24Td^2':>12} {'score bytes':>12}")
for T in SMALL_T:
    d, h = SMALL_D, SMALL_H
    x = torch.randn(1, T, d, device=DEVICE)
    w_q, w_k, w_v, w_o = (torch.randn(d, d, device=DEVICE) for _ in range(4))
    w_1, w_2 = torch.randn(d, 4 * d, device=DEVICE), torch.randn(4 * d, d, device=DEVICE)
    flops = 0
    q, k, v = (mm(x, w).view(1, T, h, d // h).transpose(1, 2) for w in (w_q, w_k, w_v))  # (1, h, T, d/h)
    scores = mm(q, k.transpose(-2, -1)) / math.sqrt(d // h)                               # (1, h, T, T)
    flops_scores = flops
    y = mm(mm(torch.softmax(scores, dim=-1), v).transpose(1, 2).reshape(1, T, d), w_o)   # (1, T, d)
    y = mm(torch.relu(mm(y, w_1)), w_2)                                                   # FFN d -> 4d -> d
    assert y.shape == x.shape
    assert flops_scores == 6 * T * d * d + 2 * T * T * d          # Q, K, V projections, then QK^T
    assert flops == attn_flops(T, d) + rest_flops(T, d)           # the whole layer
    assert scores.numel() * scores.element_size() == score_bytes(T, h, 4)   # float32: 4 bytes
    print(f"{T:>7} {flops:>12,} {attn_flops(T, d):>12,} {rest_flops(T, d):>12,} "
          f"{scores.numel() * scores.element_size():>12,}")
print()
print(f"one layer, d={D_MODEL}, {N_HEAD} heads, {BYTES}-byte numbers")
print(f"{'T':>7} {'scores GiB':>11} {'4T^2d TFLOP':>12} {'24Td^2 TFLOP':>13} {'attention share':>16}")
for T in (512, 2048, 8192, 24576, 131072):
    a, r = attn_flops(T, D_MODEL), rest_flops(T, D_MODEL)
    print(f"{T:>7} {score_bytes(T, N_HEAD, BYTES) / 2**30:>11.3f} {a / 1e12:>12.3f} {r / 1e12:>13.3f} "
          f"{a / (a + r):>16.3f}")
assert attn_flops(6 * D_MODEL, D_MODEL) == rest_flops(6 * D_MODEL, D_MODEL)  # crossover at T = 6d

Ts = [2 ** i for i in range(8, 18)]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
ax1.loglog(Ts, [score_bytes(T, N_HEAD, BYTES) / 2**30 for T in Ts], "o-", label=r"$h T^2 \cdot 2$ bytes")
ax1.set(xlabel="sequence length T", ylabel="GiB per layer", title="T x T scores, 32 heads, fp16")
ax2.loglog(Ts, [attn_flops(T, D_MODEL) for T in Ts], "o-", label=r"$4T^2d$ (scores, weighted sum)")
ax2.loglog(Ts, [rest_flops(T, D_MODEL) for T in Ts], "s-", label=r"$24Td^2$ (projections, FFN)")
ax2.set(xlabel="sequence length T", ylabel="FLOPs per layer", title="compute, d = 4096")
for ax in (ax1, ax2):
    ax.legend(fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
fig.tight_layout()
fig.savefig(OUT_DIR / "efficient_cost.svg", metadata={"Date": None})
print("figure: efficient_cost.svg")


# Part 2: causal sparse patterns (True = the query in this row may look at the key in this column)
def patterns(T, w):
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    causal = j <= i
    stride = math.isqrt(T)                                   # Child et al.: stride about sqrt(T)
    return {
        "dense causal": causal,
        "sliding window": causal & (i - j < w),              # the last w tokens
        "strided": causal & ((i - j < stride) | ((i - j) % stride == 0)),
        "window + global": causal & ((i - j < w) | (j < 2)),  # Longformer-style global tokens 0, 1
    }

print()
print(f"query-key pairs kept, causal, T={T_SPARSE}, window={WINDOW}, stride={math.isqrt(T_SPARSE)}")
print(f"{'pattern':<16} {'pairs':>9} {'of dense':>9} {'max per row':>12}")
masks = patterns(T_SPARSE, WINDOW)
for name, mask in masks.items():
    pairs, per_row = int(mask.sum()), int(mask.sum(dim=1).max())
    print(f"{name:<16} {pairs:>9,} {pairs / int(masks['dense causal'].sum()):>9.3f} {per_row:>12}")
T, w, s = T_SPARSE, WINDOW, math.isqrt(T_SPARSE)
assert int(masks["dense causal"].sum()) == T * (T + 1) // 2
assert int(masks["sliding window"].sum()) == T * w - w * (w - 1) // 2
assert int(masks["strided"].sum(dim=1).max()) <= s + T // s    # O(sqrt T) per row, O(T sqrt T) total

fig, axes = plt.subplots(1, 4, figsize=(9, 2.6))
for ax, (name, mask) in zip(axes, patterns(32, 6).items()):
    ax.imshow(mask.float(), cmap="Blues", vmin=0, vmax=1.3, interpolation="nearest")
    ax.set(title=name, xticks=[], yticks=[], xlabel="key", ylabel="query")
fig.tight_layout()
fig.savefig(OUT_DIR / "efficient_sparse_patterns.svg", metadata={"Date": None})
print("figure: efficient_sparse_patterns.svg")
