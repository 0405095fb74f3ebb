"""Early stopping: keep the weights from the step where the validation loss was lowest.

Look at: the training loss, which keeps falling far below the noise level while the network memorises
its 30 points; the validation loss, which falls, reaches a minimum and climbs again; and, for eight
independent runs, the test loss of the weights kept at that minimum against that of the final weights.
The patience rule (stop after PATIENCE steps without a new best) stops every run early, keeping the best
weights seen so far. The last line compares each run's lowest validation loss with the test loss of the
same weights: optimistic on average, not in every run.
"""
import math
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RUNS = 8                      # independent runs: new data and new initial weights for each
N_TRAIN, N_VAL, N_TEST = 30, 30, 500
NOISE = 0.3                   # standard deviation of the label noise
HIDDEN = 32                   # 1 -> 32 -> 32 -> 1 with tanh: 1,153 weights for 30 points
STEPS, LR = 1500, 0.02        # full-batch Adam, cosine decay to 0; one step = one epoch here
PATIENCE = 200                # stop after this many steps without a new best validation loss
EVAL_EVERY = 5                # validation loss every 5 steps (that is when early stopping can act)
TEST_EVERY = 25               # test loss for the figure only; never used to choose anything

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
SHAPES = [(1, HIDDEN), (1, HIDDEN), (HIDDEN, HIDDEN), (1, HIDDEN), (HIDDEN, 1), (1, 1)]   # W1 b1 W2 b2 W3 b3
FAN_IN = [1, 1, HIDDEN, HIDDEN, HIDDEN, HIDDEN]


def data(*shape):                                  # x uniform in [-1, 1], y = sin(4x + 1) + noise
    x = torch.rand(*shape, 1, dtype=torch.float64) * 2 - 1
    y = torch.sin(4 * x + 1) + NOISE * torch.randn(*shape, 1, dtype=torch.float64)
    return x.to(DEVICE), y.to(DEVICE)              # drawn on the CPU: the same numbers on every device


def forward(params, x):                            # all runs at once: x [RUNS, n, 1], W1 [RUNS, 1, 32], ...
    w1, b1, w2, b2, w3, b3 = params
    h1 = torch.tanh(torch.baddbmm(b1, x, w1))
    h2 = torch.tanh(torch.baddbmm(b2, h1, w2))
    return h1, h2, torch.baddbmm(b3, h2, w3)


def mse(params, x, y):                             # [RUNS]: one loss per run
    return (forward(params, x)[2] - y).pow(2).mean((1, 2))


def gradients(params, x, y):                       # backpropagation by hand (checked against autograd)
    w1, b1, w2, b2, w3, b3 = params
    h1, h2, out = forward(params, x)
    d3 = (out - y) * (2 / x.shape[1])              # d loss / d out
    d2 = (d3 @ w3.mT) * (1 - h2 * h2)              # tanh' = 1 - tanh^2
    d1 = (d2 @ w2.mT) * (1 - h1 * h1)
    return [x.mT @ d1, d1.sum(1, keepdim=True), h1.mT @ d2, d2.sum(1, keepdim=True), h2.mT @ d3, d3.sum(1, keepdim=True)]


(x_tr, y_tr), (x_va, y_va), (x_te, y_te) = data(RUNS, N_TRAIN), data(RUNS, N_VAL), data(1, N_TEST)
x_te, y_te = x_te.expand(RUNS, -1, -1), y_te.expand(RUNS, -1, -1)       # one shared test set
# All weights of all runs live in one flat tensor; `params` are views into it, one per layer tensor, so
# that Adam and "keep the best weights" are a few operations on the flat tensor.
sizes = [RUNS * r * c for r, c in SHAPES]
flat = torch.cat([(torch.rand(n, dtype=torch.float64) * 2 - 1) * fan_in ** -0.5   # PyTorch's default
                  for n, fan_in in zip(sizes, FAN_IN)]).to(DEVICE)                 # Linear init
params = [t.view(RUNS, *shape) for t, shape in zip(flat.split(sizes), SHAPES)]
run_of = torch.cat([torch.arange(RUNS, device=DEVICE).repeat_interleave(r * c) for r, c in SHAPES])  # run of each
check = [p.clone().requires_grad_() for p in params]
auto = torch.autograd.grad(mse(check, x_tr, y_tr).sum(), check)        # runs are independent: sum = each
assert all(torch.allclose(a, g, rtol=1e-9, atol=1e-12) for a, g in zip(auto, gradients(params, x_tr, y_tr)))

m, v = torch.zeros_like(flat), torch.zeros_like(flat)
best_val = torch.full((RUNS,), math.inf, dtype=torch.float64, device=DEVICE)
best_step = torch.zeros(RUNS, dtype=torch.long, device=DEVICE)
best_flat, stopped_flat = flat.clone(), flat.clone()
stop_step = torch.full((RUNS,), STEPS, dtype=torch.long, device=DEVICE)   # where patience would stop
curves = {"train": [], "validation": [], "test": []}
for step in range(1, STEPS + 1):
    g = torch.cat([g.reshape(-1) for g in gradients(params, x_tr, y_tr)])
    lr = LR * 0.5 * (1 + math.cos(math.pi * (step - 1) / STEPS))      # cosine schedule
    m.mul_(0.9).add_(0.1 * g)                                          # Adam, as on the optimisation page
    v.mul_(0.999).add_(0.001 * g * g)
    flat -= lr * (m / (1 - 0.9 ** step)) / ((v / (1 - 0.999 ** step)).sqrt() + 1e-8)
    if step % EVAL_EVERY:
        continue
    val_loss = mse(params, x_va, y_va)
    better = val_loss < best_val                                       # a new best: keep these weights
    best_val = torch.where(better, val_loss, best_val)
    best_step = torch.where(better, step, best_step)
    best_flat = torch.where(better[run_of], flat, best_flat)
    stopping = (step - best_step >= PATIENCE) & (stop_step == STEPS)  # patience has run out
    stop_step = torch.where(stopping, step, stop_step)
    stopped_flat = torch.where(stopping[run_of], best_flat, stopped_flat)   # the best weights known by then
    curves["validation"].append(val_loss[0])
    curves["train"].append(mse(params, x_tr, y_tr)[0])
    if step % TEST_EVERY == 0:
        curves["test"].append(mse(params, x_te, y_te)[0])
curves = {k: torch.stack(c).cpu() for k, c in curves.items()}

final_train = mse(params, x_tr, y_tr)
best_params, stopped_params = ([t.view(RUNS, *shape) for t, shape in zip(f.split(sizes), SHAPES)]
                               for f in (best_flat, stopped_flat))
test_best, test_stop, test_last = (mse(ps, x_te, y_te) for ps in (best_params, stopped_params, params))
print(f"== {RUNS} runs of {STEPS} steps; test set of {N_TEST} points; noise variance {NOISE ** 2:.2f} ==")
print(f"{'':>4} {'train loss':>10} {'lowest val':>10} {'at step':>7} {'patience':>8} | "
      f"{'test loss of the weights kept at':^32}")
print(f"{'run':>4} {'at the end':>10} {'loss':>10} {'':>7} {'stops at':>8} | "
      f"{'best step':>10} {'stop':>10} {'last step':>10}")
for r in range(RUNS):
    print(f"{r:>4} {final_train[r]:>10.3f} {best_val[r]:>10.4f} {best_step[r].item():>7} {stop_step[r].item():>8} | "
          f"{test_best[r]:>10.4f} {test_stop[r]:>10.4f} {test_last[r]:>10.4f}")
print(f"{'mean':>4} {final_train.mean():>10.3f} {best_val.mean():>10.4f} {'':>7} {'':>8} | "
      f"{test_best.mean():>10.4f} {test_stop.mean():>10.4f} {test_last.mean():>10.4f}")
assert final_train.mean() < NOISE ** 2 / 2                 # well below the noise: the nets memorise noise
assert test_best.mean() < 0.8 * test_last.mean() and (test_best < test_last).sum() >= RUNS - 2  # stopping wins
assert test_stop.mean() < 0.8 * test_last.mean() and (stop_step < STEPS).all()   # patience: as good, sooner
# The lowest of 300 noisy validation losses is optimistic on average, though not in every run;
# with 8 runs the mean gap is only about one standard error, so this assert holds for this seed.
optimistic = best_val < test_best
assert best_val.mean() < test_best.mean() and 0 < optimistic.sum() < RUNS
not_opt = ", ".join(str(r) for r in (~optimistic).nonzero().flatten().tolist())
print(f"lowest val loss < test loss of the same weights: {optimistic.sum().item()} of {RUNS} runs "
      f"(not runs {not_opt}); mean {best_val.mean():.4f} vs {test_best.mean():.4f}")
gap = test_best - best_val                                 # per run; the selection bias says: positive on average
se = gap.std() / math.sqrt(RUNS)                           # standard error of the mean gap over 8 runs
print(f"mean gap {gap.mean():.4f}, standard error {se:.4f}: {gap.mean() / se:.1f} standard errors from zero")

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
fig.subplots_adjust(left=0.075, right=0.99, bottom=0.12, top=0.93, wspace=0.17)   # fixed margins: fast
every = range(EVAL_EVERY, STEPS + 1, EVAL_EVERY)
ax1.plot(every, curves["train"], color="tab:blue", label="train")
ax1.plot(every, curves["validation"], color="tab:red", label="validation")
ax1.plot(range(TEST_EVERY, STEPS + 1, TEST_EVERY), curves["test"], color="tab:gray", label="test")
ax1.axvline(best_step[0].item(), color="black", linestyle="--", linewidth=1,
            label=f"lowest validation loss (step {best_step[0].item()})")
ax1.axhline(NOISE ** 2, color="gray", linewidth=0.8, linestyle=":", label="noise variance")
ax1.set(yscale="log", xlabel="step (= epoch: full batch)", ylabel="mean squared error", title="run 0: loss curves")
ax1.legend(fontsize=8)
grid = torch.linspace(-1, 1, 200, dtype=torch.float64, device=DEVICE)[None, :, None].expand(RUNS, -1, -1)
xg = grid[0, :, 0].cpu()
ax2.plot(xg, torch.sin(4 * xg + 1), color="black", linewidth=1, label="true function")
ax2.plot(x_tr[0, :, 0].cpu(), y_tr[0, :, 0].cpu(), "o", color="black", ms=4, label="training points")
ax2.plot(xg, forward(best_params, grid)[2][0, :, 0].cpu(), color="tab:green", label=f"weights at step {best_step[0].item()}")
ax2.plot(xg, forward(params, grid)[2][0, :, 0].cpu(), color="tab:red", label=f"weights at step {STEPS}")
ax2.set(ylim=(-2, 2), xlabel="x", ylabel="y", title="run 0: the kept fit and the last fit")
ax2.legend(fontsize=8, loc="lower left")
fig.savefig(OUT_DIR / "overfit_early_stopping.svg", metadata={"Date": None})
print("figure: overfit_early_stopping.svg")
