"""Attention weights of a six-word sentence with hand-made embeddings, without and with a causal mask.

Look at: each row (a query) puts its weight on the keys that match what it looks for ("sat" finds
its subject "cat", "on" finds the place "mat"); the two "the" rows are identical without a mask,
because attention alone ignores word order; with the causal mask every row sees only the past, so
the weights form a lower triangle and the first "the" can only attend to itself.
"""
import math
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TOKENS = ["the", "cat", "sat", "on", "the", "mat"]
FEATURES = ["det", "noun", "verb", "prep", "animate", "place"]   # one column each
TAGS = {"the": ["det"], "cat": ["noun", "animate"], "sat": ["verb"],
        "on": ["prep"], "mat": ["noun", "place"]}
# What each kind of word looks for (query), written in the same feature columns as the keys.
LOOKS_FOR = {"det": ["noun"], "noun": ["det"], "verb": ["noun", "animate"], "prep": ["noun", "place"]}
STRENGTH = 4.0                                                    # how sharply a query matches

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))

# Hand-made embeddings x: [seq_len, d] with d = 6 named features.
idx = {f: i for i, f in enumerate(FEATURES)}
x = torch.zeros(len(TOKENS), len(FEATURES), device=DEVICE)
for t, tok in enumerate(TOKENS):
    for f in TAGS[tok]:
        x[t, idx[f]] = 1.0
# W_q turns "what I am" into "what I look for"; keys are the features themselves (W_k = I).
W_q = torch.zeros(len(FEATURES), len(FEATURES), device=DEVICE)
for have, wants in LOOKS_FOR.items():
    for f in wants:
        W_q[idx[have], idx[f]] = STRENGTH
q, k = x @ W_q, x                                                 # [T, d] each

scores = q @ k.T / math.sqrt(k.size(-1))                          # [T, T] = QK^T / sqrt(d_k)
causal = torch.tril(torch.ones(len(TOKENS), len(TOKENS), dtype=torch.bool, device=DEVICE))
w_full = torch.softmax(scores, dim=-1)
w_causal = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)

# Checks: rows sum to 1; causal weights are exactly lower-triangular; the matches we built in.
for w in (w_full, w_causal):
    assert torch.allclose(w.sum(-1), torch.ones(len(TOKENS), device=DEVICE))
assert torch.equal(w_causal, torch.tril(w_causal)) and w_causal[0, 0] == 1
assert torch.equal(w_full[0], w_full[4])                          # same word, same row: no order
assert not torch.equal(w_causal[0], w_causal[4])                  # the mask makes position matter
assert w_full[2].argmax() == TOKENS.index("cat") and w_full[3].argmax() == TOKENS.index("mat")

for title, w in (("no mask", w_full), ("causal mask", w_causal)):
    print(f"== {title} (rows: queries, columns: keys) ==")
    print(" " * 6 + "".join(f"{tok:>6}" for tok in TOKENS))
    for tok, row in zip(TOKENS, w.tolist()):
        print(f"{tok:>6}" + "".join(f"{p:>6.2f}" for p in row))
    print()

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
cmap = plt.get_cmap("Blues").with_extremes(bad="#d9d9d9")          # masked cells drawn grey
fig, axes = plt.subplots(1, 2, figsize=(8, 4), constrained_layout=True)
panels = (("no mask", w_full, None), ("causal mask (grey: masked)", w_causal, causal))
for ax, (title, w, allowed) in zip(axes, panels):
    shown = w if allowed is None else w.masked_fill(~allowed, float("nan"))
    im = ax.imshow(shown.cpu().numpy(), cmap=cmap, vmin=0, vmax=1)
    ax.set_xticks(range(len(TOKENS)), TOKENS)
    ax.set_yticks(range(len(TOKENS)), TOKENS)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    ax.set_title(title)
    for i in range(len(TOKENS)):
        for j in range(len(TOKENS)):
            p = shown[i, j].item()
            if not math.isnan(p):
                ax.text(j, i, f"{p:.2f}", ha="center", va="center", fontsize=7,
                        color="white" if p > 0.5 else "black")
fig.colorbar(im, ax=axes, shrink=0.8, label="attention weight")
fig.savefig(OUT_DIR / "attention_heatmap.svg", metadata={"Date": None})
print("figure: attention_heatmap.svg")
