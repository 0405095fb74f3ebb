"""Four heads of one multi-head attention layer, hand-set to look at four different things.

Look at: with a causal mask, head 0 attends to the previous token, head 1 to the current token,
head 2 to the first token and head 3 to earlier copies of the same word, each with weight > 0.99
on its target; the weights PyTorch returns by default (the mean over heads) blur the four patterns;
the output slice of head 0 holds the previous word, copied into each position.
"""
import math
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TOKENS = ["the", "cat", "saw", "the", "dog", "and", "the", "cat"]
VOCAB = sorted(set(TOKENS))
T, V = len(TOKENS), len(VOCAB)
D_MODEL, N_HEADS = 32, 4
D_HEAD = D_MODEL // N_HEADS                      # 8: wide enough for a one-hot position
TOK, POS = 0, V                                  # x = [one-hot word | one-hot position | zeros]
S = 8 * math.sqrt(D_HEAD)                        # a match scores S / sqrt(d_head) = 8
HEADS = ["previous token", "current token", "first token", "same word"]

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))

ids = torch.tensor([VOCAB.index(w) for w in TOKENS], device=DEVICE)
x = torch.zeros(1, T, D_MODEL, device=DEVICE)                        # [B=1, T, d_model]
x[0, torch.arange(T), TOK + ids] = 1.0
x[0, torch.arange(T), POS + torch.arange(T)] = 1.0

# nn.Linear layout [out, in]; rows 8i..8i+7 of each matrix belong to head i
w_q, w_k, w_v = (torch.zeros(D_MODEL, D_MODEL, device=DEVICE) for _ in range(3))
b_q = torch.zeros(D_MODEL, device=DEVICE)
for j in range(T):
    w_q[0 + j, POS + j] = S                      # head 0: query "I am at t" ...
    if j >= 1:
        w_k[0 + j, POS + j - 1] = 1.0            # ... key "I am at s, so t = s+1 should pick me"
    w_q[8 + j, POS + j] = S                      # head 1: query position t, key position s
    w_k[8 + j, POS + j] = 1.0
b_q[16] = S                                      # head 2: a constant query (bias only) ...
w_k[16, POS + 0] = 1.0                           # ... that only the key at position 0 matches
for j in range(V):
    w_q[24 + j, TOK + j] = S                     # head 3: query word, key word
    w_k[24 + j, TOK + j] = 1.0
    for i in range(N_HEADS):
        w_v[8 * i + j, TOK + j] = 1.0            # every head's value: the attended word, one-hot

mha = torch.nn.MultiheadAttention(D_MODEL, N_HEADS, batch_first=True, device=DEVICE)
with torch.no_grad():
    mha.in_proj_weight.copy_(torch.cat([w_q, w_k, w_v]))           # [3*d_model, d_model]
    mha.in_proj_bias.copy_(torch.cat([b_q, torch.zeros(2 * D_MODEL, device=DEVICE)]))
    mha.out_proj.weight.copy_(torch.eye(D_MODEL, device=DEVICE))   # W^O = I: output = Concat(heads)
    mha.out_proj.bias.zero_()
    future = ~torch.tril(torch.ones(T, T, dtype=torch.bool, device=DEVICE))  # True = masked
    out, w = mha(x, x, x, attn_mask=future, average_attn_weights=False)   # w: [1, h, T, T]
    _, w_avg = mha(x, x, x, attn_mask=future)                             # [1, T, T]
w, w_avg, out = w[0], w_avg[0], out[0]

# The target of each head, as a 0/1 matrix [T, T] (rows: queries, columns: keys)
t_idx = torch.arange(T, device=DEVICE)
targets = torch.zeros(N_HEADS, T, T, device=DEVICE)
targets[0, t_idx, (t_idx - 1).clamp(min=0)] = 1                  # position 0 has only itself
targets[1, t_idx, t_idx] = 1
targets[2, :, 0] = 1
targets[3] = ((ids[:, None] == ids[None, :]) & ~future).float()  # same word, not in the future

print("weight each head puts on its target (minimum over the 8 queries)")
for i, name in enumerate(HEADS):
    on_target = (w[i] * targets[i]).sum(-1)                      # [T]
    assert on_target.min() > 0.99
    print(f"  head {i}  {name:<15}: {on_target.min().item():.4f}")
assert torch.allclose(w_avg, w.mean(0), atol=1e-6)
print(f"  mean over heads (PyTorch default): largest weight in row 'saw' = "
      f"{w_avg[2].max().item():.4f}")

print("\nwhat head 0 copies into each position (its slice of the output, W^O = I)")
read = out[:, 0:V].argmax(-1)                                    # head 0 writes dims 0..7
for t in range(T):
    assert read[t] == ids[max(t - 1, 0)]
    print(f"  {t}  {TOKENS[t]:<4} <- {VOCAB[read[t]]}")

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
cmap = plt.get_cmap("Blues").with_extremes(bad="#d9d9d9")          # masked cells drawn grey
fig, axes = plt.subplots(2, 3, figsize=(9, 6), constrained_layout=True)
panels = [(f"head {i}: {name}", w[i]) for i, name in enumerate(HEADS)]
panels.append(("mean over heads", w_avg))
labels = [f"{t}:{tok}" for t, tok in enumerate(TOKENS)]
for ax, (title, weights) in zip(axes.flat, panels):
    im = ax.imshow(weights.masked_fill(future, float("nan")).cpu().numpy(),
                   cmap=cmap, vmin=0, vmax=1)
    ax.set_xticks(range(T), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(T), labels, fontsize=7)
    ax.set_xlabel("key (attended to)", fontsize=8)
    ax.set_ylabel("query", fontsize=8)
    ax.set_title(title, fontsize=9)
axes.flat[-1].axis("off")
fig.colorbar(im, ax=axes, shrink=0.6, label="attention weight (grey: masked)")
fig.savefig(OUT_DIR / "mha_head_patterns.svg", metadata={"Date": None})
print("figure: mha_head_patterns.svg")
