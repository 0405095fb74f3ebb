"""Gradient descent, SGD, momentum and Adam on an ill-conditioned 2-D bowl, with their paths drawn.

Look at: the per-step factors 1 - lr * curvature (gradient descent converges only while both lie
between -1 and 1, so lr must stay below 2 / 25 = 0.08 here); how slowly the shallow direction shrinks
at a small lr; SGD hovering at a noise floor; momentum getting as far with lr 0.02 as GD with 0.05;
Adam's late steps are only a few per cent of its lr, because v_hat still remembers the large gradients
of the first steps (beta2 = 0.999 averages over about 1000 steps).
"""
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CURV = [1.0, 25.0]            # f(x, y) = 0.5 * (1 * x^2 + 25 * y^2): curvatures 1 and 25
START = [-8.0, 2.0]
STEPS = 100
GD_LRS = [0.02, 0.05, 0.075, 0.085]
N_EXAMPLES, BATCH = 64, 4     # SGD: f is the mean of 64 per-example losses; each step sees 4
ADAM_LR, B2 = 0.2, 0.999      # Adam's learning rate and second-moment decay

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
lam, start = (torch.tensor(v, dtype=torch.float64, device=DEVICE) for v in (CURV, START))
# Example i has loss 0.5 * sum_j lam_j * (p_j - c_ij)^2. Its centres c_i have mean exactly 0, so the
# mean over all examples is f(p) + a constant: same gradient lam * p, same minimum.
centres = torch.randn(N_EXAMPLES, 2, dtype=torch.float64, device=DEVICE) * torch.tensor([2.0, 0.4], device=DEVICE)
centres -= centres.mean(0)
assert torch.allclose((lam * (start - centres)).mean(0), lam * start)  # mean of example grads = grad


def f(p):                                          # full loss, minimum 0 at the origin
    return 0.5 * (lam * p * p).sum(-1)


def gd(lr):                                        # p <- p - lr * g
    return lambda p, g, st: p - lr * g


def momentum(lr, beta):                            # v <- beta * v + g ;  p <- p - lr * v
    def step(p, g, st):
        st["v"] = beta * st.get("v", 0) + g
        return p - lr * st["v"]
    return step


def adam(lr, b1=0.9, b2=B2, eps=1e-8):            # running means of g and g^2, bias-corrected
    def step(p, g, st):
        t = st["t"] = st.get("t", 0) + 1
        st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
        st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
        m_hat, v_hat = st["m"] / (1 - b1 ** t), st["v"] / (1 - b2 ** t)
        return p - lr * m_hat / (v_hat.sqrt() + eps)
    return step


def run(update, batch=None, state=None):
    p, path = start.clone(), [start]
    state = {} if state is None else state         # pass a dict to look at the optimiser's state afterwards
    for _ in range(STEPS):
        q = p.detach().requires_grad_()
        if batch is None:                          # full gradient
            loss = f(q)
        else:                                      # minibatch gradient: unbiased but noisy
            idx = torch.randint(N_EXAMPLES, (batch,), device=DEVICE)
            loss = f(q - centres[idx]).mean()
        (g,) = torch.autograd.grad(loss, q)
        p = update(p, g, state)
        path.append(p)
    return torch.stack(path)                       # [STEPS + 1, 2]


print("== gradient descent: each coordinate is multiplied by (1 - lr * curvature) per step ==")
print(f"{'lr':>6} {'factor x':>9} {'factor y':>9} {'loss after ' + str(STEPS):>15}")
paths = {}
for lr in GD_LRS:
    paths[f"GD, lr {lr}"] = path = run(gd(lr))
    factors = 1 - lr * lam
    k = torch.arange(STEPS + 1, device=DEVICE)[:, None]
    assert torch.allclose(path, factors ** k * start)               # p_k = (1 - lr * lam)^k * p_0
    assert (f(path[-1]) < f(start)) == (lr < 2 / CURV[1])           # loss falls exactly when lr < 2/25
    print(f"{lr:>6.3f} {factors[0]:>9.3f} {factors[1]:>9.3f} {f(path[-1]):>15.4g}")
assert f(paths["GD, lr 0.085"][-1]) > 1e6 * f(start)                # above 2/25: it diverges

paths[f"SGD, lr 0.05, batch {BATCH}"] = run(gd(0.05), batch=BATCH)
paths["momentum, lr 0.02, beta 0.9"] = run(momentum(0.02, 0.9))
adam_state = {}
paths[f"Adam, lr {ADAM_LR}"] = run(adam(ADAM_LR), state=adam_state)
compare = ["GD, lr 0.02", "GD, lr 0.05", f"SGD, lr 0.05, batch {BATCH}", "momentum, lr 0.02, beta 0.9",
           f"Adam, lr {ADAM_LR}"]
tail = {name: f(paths[name][-20:]).mean().item() for name in compare}   # mean loss, last 20 points
print(f"\n== {STEPS} steps from ({START[0]:g}, {START[1]:g}) ==")
print(f"{'':<28} {'final loss':>10} {'mean of last 20':>16}")
for name in compare:
    print(f"{name:<28} {f(paths[name][-1]):>10.4f} {tail[name]:>16.4f}")
assert tail[f"SGD, lr 0.05, batch {BATCH}"] > 50 * tail["GD, lr 0.05"]   # same lr: a noise floor
assert tail["momentum, lr 0.02, beta 0.9"] < tail["GD, lr 0.02"] / 100   # same lr: much further

# Why Adam's tail is higher: not steps of size lr, but small steps on a path that overshot in x.
adam_path = paths[f"Adam, lr {ADAM_LR}"]
late_steps = (adam_path[-20:] - adam_path[-21:-1]).abs().mean(0) / ADAM_LR     # mean |step| / lr, last 20
v_hat = adam_state["v"] / (1 - B2 ** adam_state["t"])
g_first, g_last = lam * start, lam * adam_path[-2]                            # gradients at steps 1 and 100
x_peak = adam_path[:, 0].max()
print(f"\n== Adam, lr {ADAM_LR}: late steps are small, because v_hat remembers the start ==")
print(f"{'':<28} {'x':>8} {'y':>8}")
print(f"{'|gradient| at step 1':<28} {g_first[0].abs():>8.4f} {g_first[1].abs():>8.4f}")
print(f"{'|gradient| at step ' + str(STEPS):<28} {g_last[0].abs():>8.4f} {g_last[1].abs():>8.4f}")
print(f"{'sqrt(v_hat) after ' + str(STEPS):<28} {v_hat[0].sqrt():>8.4f} {v_hat[1].sqrt():>8.4f}")
print(f"{'mean |step| / lr, last 20':<28} {late_steps[0]:>8.4f} {late_steps[1]:>8.4f}")
print(f"largest x on the way: {x_peak:.4f} at step {int(adam_path[:, 0].argmax())} (it started at {START[0]:g})")
assert (late_steps < 0.05).all()                               # a few per cent of lr, not lr
assert (v_hat.sqrt() > 10 * g_last.abs()).all()                # v_hat is set by the early gradients
assert x_peak > 0.1 and adam_path[-1, 0] < x_peak / 2          # momentum carried x past 0; coming back

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
xs, ys = torch.meshgrid(torch.linspace(-9, 3, 121), torch.linspace(-3, 3, 61), indexing="xy")
fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
panels = (("gradient descent, three learning rates", ["GD, lr 0.02", "GD, lr 0.075", "GD, lr 0.085"]),
          (f"{STEPS} steps of four optimisers", compare[1:]))
for ax, (title, names) in zip(axes, panels):
    ax.contour(xs, ys, 0.5 * (CURV[0] * xs ** 2 + CURV[1] * ys ** 2), levels=[0.5, 2, 8, 20, 40, 70],
               colors="#bbbbbb", linewidths=0.8)
    for name in names:
        pts = paths[name].cpu()
        inside = ((pts[:, 0].abs() < 12) & (pts[:, 1].abs() < 4)).cumprod(0).bool()  # cut a divergence
        ax.plot(pts[inside, 0], pts[inside, 1], linewidth=1, label=name)
    ax.plot([0], [0], marker="*", color="black", markersize=10)
    ax.set(xlim=(-9, 3), ylim=(-3, 3), xlabel="x (curvature 1)", ylabel="y (curvature 25)", title=title)
    ax.legend(loc="lower right", fontsize=8)
fig.savefig(OUT_DIR / "optim_paths.svg", metadata={"Date": None})
print("figure: optim_paths.svg")
