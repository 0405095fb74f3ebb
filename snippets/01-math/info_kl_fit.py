"""Which way round KL goes matters: fitting one Gaussian to two bumps, by KL(p || q) and by KL(q || p).

Look at: minimising the forward KL(p || q) (what maximum likelihood and cross-entropy training do)
spreads q over both bumps of p: it matches p's mean 0 and variance 0.6^2 + 2^2 = 4.36. Minimising
the reverse KL(q || p) locks q onto one bump (mean 2, std 0.6) and leaves the other uncovered, at a
cost of about log 2. Each fit scores well on its own objective and badly on the other.
"""
import math
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MODES, MODE_STD = (-2.0, 2.0), 0.6        # p = 1/2 N(-2, 0.6^2) + 1/2 N(2, 0.6^2)
X_MAX, DX = 10.0, 0.02                    # the grid on which distributions live
STEPS, LR = 400, 0.5
START = (1.0, 0.0)                        # initial mean and log std of q

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))

x = torch.arange(-X_MAX, X_MAX + DX / 2, DX, dtype=DTYPE, device=DEVICE)        # [1001]


def gaussian(mean, std):
    """N(mean, std^2) on the grid, normalised to a probability vector."""
    w = torch.exp(-0.5 * ((x - mean) / std) ** 2)
    return w / w.sum()


def kl(p, q):
    return (p * (p.log() - q.log())).sum()


p = 0.5 * gaussian(MODES[0], MODE_STD) + 0.5 * gaussian(MODES[1], MODE_STD)


def fit(direction):
    """Gradient descent on (mean, log std) of q, minimising KL(p || q) ('forward') or KL(q || p)."""
    mean = torch.tensor(START[0], dtype=DTYPE, device=DEVICE, requires_grad=True)
    log_std = torch.tensor(START[1], dtype=DTYPE, device=DEVICE, requires_grad=True)
    for _ in range(STEPS):
        q = gaussian(mean, log_std.exp())
        loss = kl(p, q) if direction == "forward" else kl(q, p)
        g_mean, g_log_std = torch.autograd.grad(loss, [mean, log_std])
        with torch.no_grad():
            mean -= LR * g_mean
            log_std -= LR * g_log_std
    return round(mean.item(), 6) + 0.0, log_std.exp().item()      # + 0.0: print -0 as 0


p_mean = round((p * x).sum().item(), 6) + 0.0
p_std = math.sqrt((p * (x - p_mean) ** 2).sum().item())
fits = {"forward": fit("forward"), "reverse": fit("reverse")}

print(f"p: two bumps at {MODES[0]} and {MODES[1]}, each with std {MODE_STD}; "
      f"mean {p_mean:.3f}, std {p_std:.3f}")
print()
print(f"{'q fitted by':<16} {'mean':>7} {'std':>7} {'KL(p||q)':>9} {'KL(q||p)':>9}")
scores = {}
for name, (m, s) in fits.items():
    q = gaussian(m, s)
    scores[name] = kl(p, q).item(), kl(q, p).item()
    label = "KL(p||q) forward" if name == "forward" else "KL(q||p) reverse"
    print(f"{label:<16} {m:>7.3f} {s:>7.3f} {scores[name][0]:>9.4f} {scores[name][1]:>9.4f}")

(m_f, s_f), (m_r, s_r) = fits["forward"], fits["reverse"]
assert abs(m_f - p_mean) < 1e-3 and abs(s_f - p_std) < 1e-3                  # moment matching
assert abs(p_std - math.sqrt(MODE_STD**2 + MODES[1] ** 2)) < 1e-3            # mixture variance
assert abs(m_r - MODES[1]) < 0.01 and abs(s_r - MODE_STD) < 0.01             # one bump only
assert abs(scores["reverse"][1] - math.log(2)) < 0.01
assert scores["forward"][0] < scores["reverse"][0] and scores["reverse"][1] < scores["forward"][1]

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
keep = (x.abs() <= 6)                                              # plot the interesting part
xs = x[keep].cpu().numpy()
ax.fill_between(xs, (p[keep] / DX).cpu().numpy(), color="lightgrey", label="p (two bumps)")
for name, (m, s) in fits.items():
    label = f"q minimising KL(p||q): mean {m:.2f}, std {s:.2f}" if name == "forward" else \
        f"q minimising KL(q||p): mean {m:.2f}, std {s:.2f}"
    ax.plot(xs, (gaussian(m, s)[keep] / DX).cpu().numpy(), label=label)
ax.set_xlabel("x")
ax.set_ylabel("density")
ax.set_title("Forward KL covers both bumps, reverse KL picks one")
ax.legend(fontsize=8)
fig.savefig(OUT_DIR / "info_kl_fit.svg", metadata={"Date": None})
print("figure: info_kl_fit.svg")
