"""Pre-norm versus post-norm at initialisation: how the gradient changes on its way down a deep stack.

Look at: the ratio ||dL/dx_l|| / ||dL/dx_L|| (gradient at the input of block l+1 over gradient at
the top), read from the top (l = L) down. Post-norm: it falls well below 1 on the way down; the
gradient passes through a LayerNorm after every sublayer. Pre-norm: it never drops below 1 and grows
towards the bottom, since the residual path carries the top gradient down unchanged and every block
adds to it. The price of pre-norm: the residual stream |x_l| grows with depth, so the stack needs a
final LayerNorm; post-norm keeps it at sqrt(d_model) = 8.
"""
import os
from pathlib import Path

import matplotlib
import torch
import torch.nn as nn
import torch.nn.functional as F

matplotlib.use("Agg")
import matplotlib.pyplot as plt

VOCAB, D_MODEL, N_HEADS = 100, 64, 4
BATCH, SEQ = 8, 16
N_LAYERS = 24
EVERY = 4                                  # print every 4th state x_l
SEED = 0

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
torch.set_num_threads(1)                   # tiny matrices: more CPU threads only add waiting
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))


def run(pre_norm):
    """Random init, random tokens and targets; returns gradient norms and mean token norms of x_0..x_L."""
    torch.manual_seed(SEED)                # same weights, tokens and targets for pre- and post-norm
    emb = nn.Embedding(VOCAB, D_MODEL)     # token vectors ~ N(0, 1): norm about sqrt(d) = 8
    blocks = [nn.TransformerEncoderLayer(D_MODEL, N_HEADS, 4 * D_MODEL, dropout=0.0,
                                         batch_first=True, norm_first=pre_norm)
              for _ in range(N_LAYERS)]
    final_ln, head = nn.LayerNorm(D_MODEL), nn.Linear(D_MODEL, VOCAB)
    for m in (emb, final_ln, head, *blocks):
        m.double().to(DEVICE)
    tokens = torch.randint(0, VOCAB, (BATCH, SEQ)).to(DEVICE)
    targets = torch.randint(0, VOCAB, (BATCH, SEQ)).to(DEVICE)

    xs = [emb(tokens)]                     # x_0 .. x_L: the residual stream, (B, T, d) each
    for blk in blocks:
        xs.append(blk(xs[-1]))
    for x in xs:
        x.retain_grad()
    top = final_ln(xs[-1]) if pre_norm else xs[-1]   # post-norm output is already normalised
    F.cross_entropy(head(top).reshape(-1, VOCAB), targets.reshape(-1)).backward()
    grads = torch.stack([x.grad.norm() for x in xs]).cpu()
    sizes = torch.stack([x.detach().norm(dim=-1).mean() for x in xs]).cpu()
    return grads / grads[-1], sizes        # gradient relative to the top, ||dL/dx_l|| / ||dL/dx_L||


g_post, s_post = run(pre_norm=False)
g_pre, s_pre = run(pre_norm=True)
L = N_LAYERS

print(f"one stack of {L} blocks, same random weights for both variants (d_model={D_MODEL})")
print("gradient ||dL/dx_l|| / ||dL/dx_L|| and mean token norm |x_l|, from the top (l = L) down")
print(f"{'l':>3}  {'post-norm grad':>14}  {'pre-norm grad':>13}  {'post-norm |x_l|':>15}  {'pre-norm |x_l|':>14}")
for l in range(L, -1, -EVERY):
    print(f"{l:>3}  {g_post[l].item():>14.2f}  {g_pre[l].item():>13.2f}  "
          f"{s_post[l].item():>15.2f}  {s_pre[l].item():>14.2f}")
low = int(g_post.argmin())
print(f"post-norm: smallest gradient ratio {g_post[low].item():.2f} (at l = {low})")
print(f"pre-norm:  stream grows {(s_pre[-1] / s_pre[0]).item():.2f}x from x_0 to x_{L}")

# post-norm: on its way down, the gradient loses a large part of its size
assert g_post.min() < 0.8
# pre-norm: the identity path keeps at least the top gradient, and each block adds to it
assert torch.all(g_pre[:-1] > 1.0) and torch.all(g_pre[:-1] >= g_pre[1:])
assert g_pre[0] > 1.3 > g_post[0]
# pre-norm's stream grows; post-norm's is fixed at sqrt(d_model) by the LayerNorm after each block
assert s_pre[-1] > 1.5 * s_pre[0]
assert torch.allclose(s_post[1:], torch.full((L,), D_MODEL ** 0.5, dtype=s_post.dtype), rtol=1e-3)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.5))
for g, s, name, style in ((g_post, s_post, "post-norm", "o-"), (g_pre, s_pre, "pre-norm", "s-")):
    ax1.plot(range(L + 1), g.numpy(), style, ms=3, label=name)
    ax2.plot(range(L + 1), s.numpy(), style, ms=3, label=name)
ax1.axhline(1.0, color="gray", lw=0.8)
ax1.set(xlabel="l  (x_0 = embeddings, x_l = output of block l)", ylabel="||dL/dx_l|| / ||dL/dx_L||",
        title=f"Gradient down a {L}-block stack")
ax2.set(xlabel="l", ylabel="mean token norm |x_l|", title="Size of the stream")
ax1.legend()
ax2.legend()
fig.tight_layout()
plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig.savefig(OUT_DIR / "block_norm.svg", metadata={"Date": None})
print("figure: block_norm.svg")
