"""Pre-train once with many labels, then a new task needs far fewer: scratch vs linear probe vs fine-tune.

Look at: the table of test accuracy against the number of labelled examples of the NEW task. With
only a handful of labels, a network trained from scratch stays near chance, while the pre-trained
features (frozen + a linear probe, or fine-tuned with a fast new head) are both clearly above it. The
figure paradigm_transfer.svg draws the same three curves (mean over seeds).

The synthetic world: a signal of 32 numbers that contains one random "motif" (6 numbers long) at a
random position, plus noise. Task A (pre-training, 20,000 labels): which of 16 motifs is it? Task B
(the new task, few labels): which of 4 groups does the motif belong to, where task B uses 16 NEW motifs
the body has never seen. Pre-training here is supervised (labelled motifs, like ImageNet pre-training),
not the self-supervised kind used for language models; what transfers is what both tasks need: finding
a motif wherever it sits. Features help only when the new task depends on what pre-training learned.
"""
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F

LENGTH, MOTIF_LEN, N_MOTIFS = 32, 6, 16  # signal length, motif length, task-A classes
CLASSES_B = 4                       # task B: 4 groups of motifs
NOISE = 0.2
HIDDEN = 128                        # feature width
N_PRETRAIN = 20000                  # "plenty of labels" for task A
PRETRAIN_STEPS, BATCH = 1000, 256
N_LABELS = [8, 16, 32, 64, 256]     # labelled examples of task B
N_TEST = 2000
STEPS = 100                         # full-batch steps for each task-B run
SEEDS = [0, 1, 2]                   # task-B training sets (and scratch inits) per label count

torch.manual_seed(0)
torch.set_num_threads(1)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

MOTIFS = torch.randn(N_MOTIFS, MOTIF_LEN)            # task A's 16 patterns, fixed once
NEW_MOTIFS = torch.randn(N_MOTIFS, MOTIF_LEN, generator=torch.Generator().manual_seed(77))  # task B's: never seen
GROUP = torch.randperm(N_MOTIFS) % CLASSES_B         # task B's label of each new motif


def sample(n, gen, motifs=MOTIFS):
    """n signals [n, 32] and the index of the motif (from `motifs`) each contains [n]."""
    motif = torch.randint(0, len(motifs), (n,), generator=gen)
    pos = torch.randint(0, LENGTH - MOTIF_LEN + 1, (n,), generator=gen)
    x = NOISE * torch.randn(n, LENGTH, generator=gen)
    cols = pos[:, None] + torch.arange(MOTIF_LEN)                # [n, 6] where the motif goes
    x.scatter_add_(1, cols, motifs[motif])
    return x.to(DEVICE), motif.to(DEVICE)


def body():
    # the part that is pre-trained and reused: x [N, 32] -> features [N, 128]
    return nn.Sequential(nn.Linear(LENGTH, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN), nn.ReLU())


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(-1) == y).float().mean().item()


# 1. Pre-training on task A (many labels).
gen = torch.Generator().manual_seed(1)
xa, ya = sample(N_PRETRAIN, gen)
xa_test, ya_test = sample(N_TEST, gen)
pretrained = body().to(DEVICE)
net_a = nn.Sequential(pretrained, nn.Linear(HIDDEN, N_MOTIFS)).to(DEVICE)
opt = torch.optim.Adam(net_a.parameters(), lr=3e-3)
for step in range(PRETRAIN_STEPS):
    idx = torch.randint(0, N_PRETRAIN, (BATCH,), generator=gen)
    loss = F.cross_entropy(net_a(xa[idx]), ya[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"pre-training on task A: {N_PRETRAIN:,} labels, test accuracy {accuracy(net_a, xa_test, ya_test):.3f}")
pretrained_state = {k: v.clone() for k, v in pretrained.state_dict().items()}

# 2. Task B with few labels, three ways.
xb_test, motif_test = sample(N_TEST, torch.Generator().manual_seed(2), NEW_MOTIFS)
yb_test = GROUP.to(DEVICE)[motif_test]
chance = torch.bincount(yb_test, minlength=CLASSES_B).max().item() / N_TEST


def train_b(method, x, y, seed):
    torch.manual_seed(100 + seed)
    feats = body().to(DEVICE)
    if method != "scratch":
        feats.load_state_dict(pretrained_state)            # start from the pre-trained weights
    model = nn.Sequential(feats, nn.Linear(HIDDEN, CLASSES_B)).to(DEVICE)
    if method == "probe":
        feats.requires_grad_(False)                         # frozen features: train the head only
        groups = [{"params": model[1].parameters(), "lr": 3e-2}]
    elif method == "finetune":                              # everything: the new head as fast as the
        groups = [{"params": model[1].parameters(), "lr": 3e-2},  # probe's, the body 100x slower
                  {"params": feats.parameters(), "lr": 3e-4}]
    else:
        groups = [{"params": model.parameters(), "lr": 3e-3}]  # random init, everything
    opt = torch.optim.Adam(groups, weight_decay=1e-4)
    for _ in range(STEPS):                                  # full batch: x is at most 256 rows
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return accuracy(model, xb_test, yb_test)


METHODS = ["scratch", "probe", "finetune"]
results = {m: [] for m in METHODS}                          # mean test accuracy per label count
print(f"task B: {CLASSES_B} groups of {N_MOTIFS} new motifs, test accuracy (mean over {len(SEEDS)} seeds), chance = {chance:.3f}")
print(f"{'labels':>7} {'scratch':>8} {'probe':>8} {'finetune':>9}")
for n in N_LABELS:
    accs = {m: [] for m in METHODS}
    for seed in SEEDS:
        x, motif = sample(n, torch.Generator().manual_seed(1000 + 10 * n + seed), NEW_MOTIFS)
        y = GROUP.to(DEVICE)[motif]
        for m in METHODS:
            accs[m].append(train_b(m, x, y, seed))
    for m in METHODS:
        results[m].append(sum(accs[m]) / len(SEEDS))
    print(f"{n:>7} {results['scratch'][-1]:>8.3f} {results['probe'][-1]:>8.3f} {results['finetune'][-1]:>9.3f}")

# The claim: at the smallest label counts, pre-trained features win by a clear margin.
print(f"advantage over scratch, mean of the {N_LABELS[0]} and {N_LABELS[1]}-label rows:")
for m in ["probe", "finetune"]:
    gain = (results[m][0] + results[m][1] - results["scratch"][0] - results["scratch"][1]) / 2
    print(f"  {m:<9} {gain:+.3f}")
    assert gain > 0.05, m
assert max(results["scratch"][:2]) < chance + 0.05          # scratch: still at chance level

OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, ax = plt.subplots(figsize=(6, 4))
styles = {"scratch": ("from scratch", "o-"), "probe": ("pre-trained, linear probe", "s-"),
          "finetune": ("pre-trained, fine-tuned", "^-")}
for m in METHODS:
    label, fmt = styles[m]
    ax.plot(N_LABELS, results[m], fmt, label=label)
ax.axhline(chance, color="grey", ls=":", label="chance")
ax.set_xscale("log", base=2)
ax.set_xticks(N_LABELS, [str(n) for n in N_LABELS])
ax.set_xlabel("labelled examples of the new task (log scale)")
ax.set_ylabel("test accuracy")
ax.set_title("Pre-trained features need far fewer labels")
ax.legend(loc="upper left")   # the lines rise to the right; the top left is empty
fig.tight_layout()
fig.savefig(OUT_DIR / "paradigm_transfer.svg", metadata={"Date": None})
print("figure: paradigm_transfer.svg")
