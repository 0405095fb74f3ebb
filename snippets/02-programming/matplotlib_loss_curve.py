"""Draw a loss curve with Matplotlib: noisy mini-batch losses, their moving average and a validation loss.

Look at: the vectorised NumPy gradient agrees with PyTorch's autograd; the raw batch loss jumps around
while its exponential moving average (EMA) shows the trend; the validation loss levels off near the
noise floor (the noise variance, 0.25), not at zero; the learned weights end up close to the true ones.
"""
import os
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

N_TRAIN, N_VAL = 512, 256
TRUE_W, TRUE_B = np.array([2.0, -3.0, 0.5]), 1.0
NOISE_STD = 0.5               # so the best possible mean squared error is 0.25
BATCH, LR, STEPS = 16, 0.05, 300
EVAL_EVERY = 20
EMA_BETA = 0.9
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
rng = np.random.default_rng(SEED)

X = rng.normal(size=(N_TRAIN + N_VAL, len(TRUE_W)))              # (N, 3)
y = X @ TRUE_W + TRUE_B + NOISE_STD * rng.normal(size=len(X))    # (N,)
X_tr, y_tr, X_val, y_val = X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def loss_and_grad(w, b, xb, yb):
    """Mean squared error of the line x.w + b and its gradient: dL/dw = 2/B X^T r, dL/db = 2 mean(r)."""
    r = xb @ w + b - yb                                          # residuals, (B,)
    return (r ** 2).mean(), 2 * xb.T @ r / len(r), 2 * r.mean()


w, b = np.zeros(len(TRUE_W)), 0.0
# Check the hand-written gradient once against autograd (float64 on both sides).
wt = torch.zeros(len(TRUE_W), dtype=torch.float64, device=DEVICE, requires_grad=True)
bt = torch.zeros((), dtype=torch.float64, device=DEVICE, requires_grad=True)
xt, yt = torch.from_numpy(X_tr[:BATCH]).to(DEVICE), torch.from_numpy(y_tr[:BATCH]).to(DEVICE)
((xt @ wt + bt - yt) ** 2).mean().backward()
_, gw, gb = loss_and_grad(w, b, X_tr[:BATCH], y_tr[:BATCH])
assert np.allclose(gw, wt.grad.cpu().numpy(), atol=1e-12) and np.isclose(gb, bt.grad.item(), atol=1e-12)

batch_loss, ema, val_steps, val_loss = [], [], [], []
order, m = np.array([], dtype=int), 0.0
for step in range(STEPS):
    if len(order) < BATCH:                                       # new epoch: reshuffle
        order = rng.permutation(N_TRAIN)
    idx, order = order[:BATCH], order[BATCH:]
    if step % EVAL_EVERY == 0 or step == STEPS - 1:
        val_steps.append(step)
        val_loss.append(loss_and_grad(w, b, X_val, y_val)[0])
    loss, gw, gb = loss_and_grad(w, b, X_tr[idx], y_tr[idx])
    w, b = w - LR * gw, b - LR * gb                              # one gradient-descent step
    batch_loss.append(loss)
    m = EMA_BETA * m + (1 - EMA_BETA) * loss
    ema.append(m / (1 - EMA_BETA ** (step + 1)))                 # bias-corrected EMA

# pandas computes the same smoothing: ewm with adjust=True is the bias-corrected EMA.
ema_pd = pd.Series(batch_loss).ewm(alpha=1 - EMA_BETA, adjust=True).mean().to_numpy()
assert np.allclose(ema, ema_pd, rtol=1e-12)
assert ema[-1] < ema[0] / 10 and 0.20 < val_loss[-1] < 0.32
assert np.allclose(w, TRUE_W, atol=0.1) and abs(b - TRUE_B) < 0.1

print("== gradient check ==")
print("NumPy formula (2/B) X^T r and 2 mean(r) equal autograd's gradient")
print()
print("== losses ==")
print(f"{'step':>5}{'batch loss':>12}{'EMA':>9}{'val loss':>10}")
for s, v in zip(val_steps, val_loss):
    if s in (0, 20, 40, 60, 100, 200, STEPS - 1):
        print(f"{s:>5}{batch_loss[s]:>12.4f}{ema[s]:>9.4f}{v:>10.4f}")
print()
print("== weights ==")
print(f"{'':>8}{'w1':>8}{'w2':>8}{'w3':>8}{'b':>8}")
print(f"{'true':>8}" + "".join(f"{v:>8.3f}" for v in [*TRUE_W, TRUE_B]))
print(f"{'learned':>8}" + "".join(f"{v:>8.3f}" for v in [*w, b]))

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
ax.plot(batch_loss, color="tab:blue", alpha=0.3, linewidth=0.8, label="batch loss (raw)")
ax.plot(ema, color="tab:blue", linewidth=1.8, label=f"batch loss, EMA (beta = {EMA_BETA})")
ax.plot(val_steps, val_loss, "o-", color="tab:orange", markersize=3, label="validation loss")
ax.axhline(NOISE_STD ** 2, color="gray", linestyle="--", linewidth=1, label="noise floor (0.25)")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("mean squared error (log scale)")
ax.set_title("Loss curves of a linear fit")
ax.legend()
fig.savefig(OUT_DIR / "loss_curve.svg", metadata={"Date": None})
print("figure: loss_curve.svg")
