"""Bayesian inference for a coin: prior times likelihood on a grid equals the closed-form Beta posterior.

Look at: the grid posterior after 7 heads in 10 flips matches Beta(a + heads, b + tails) to six
decimals; updating one flip at a time gives the same posterior as all at once; the posterior mean
sits between the prior mean 0.5 and the maximum-likelihood estimate 0.7; with 100 flips the
posterior is narrower (its standard deviation shrinks), which is what "less uncertain" means.
"""
import math
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PRIOR_A, PRIOR_B = 2.0, 2.0                       # Beta(2, 2) prior: a mild belief in a fair coin
FLIPS = [1, 0, 1, 1, 1, 0, 1, 1, 0, 1]            # 1 = heads: 7 heads in 10
MORE_HEADS, MORE_FLIPS = 70, 100                  # a larger data set with the same proportion
GRID = 3000                                       # grid step 1/GRID on (0, 1)

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))

theta = torch.arange(1, GRID, dtype=DTYPE, device=DEVICE) / GRID         # 1/GRID .. 1 - 1/GRID
d_theta = 1.0 / GRID


def normalise(density):
    """Scale an unnormalised density on the grid so that it integrates to 1."""
    return density / (density.sum() * d_theta)


def beta_pdf(a, b):
    """Closed form: theta^(a-1) (1-theta)^(b-1) / B(a, b), with log B(a, b) from log-gamma."""
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    return torch.exp((a - 1) * theta.log() + (b - 1) * torch.log1p(-theta) - log_beta)


def likelihood(heads, n):
    """P(data | theta) = theta^heads (1 - theta)^(n - heads) for independent flips."""
    return theta**heads * (1 - theta) ** (n - heads)


heads, n = sum(FLIPS), len(FLIPS)
prior = normalise(theta ** (PRIOR_A - 1) * (1 - theta) ** (PRIOR_B - 1))    # Beta(2, 2) on the grid
post_grid = normalise(prior * likelihood(heads, n))                         # Bayes: prior x likelihood
post_exact = beta_pdf(PRIOR_A + heads, PRIOR_B + n - heads)                 # conjugate update
assert torch.allclose(post_grid, post_exact, atol=1e-6)

belief = prior                                     # one flip at a time: posterior -> next prior
for y in FLIPS:
    belief = normalise(belief * (theta if y == 1 else 1 - theta))
assert torch.allclose(belief, post_grid)

a_post, b_post = PRIOR_A + heads, PRIOR_B + n - heads
mean_grid = (theta * post_grid).sum().item() * d_theta
mle = theta[likelihood(heads, n).argmax()].item()
cdf = torch.cat([post_grid.new_zeros(1), torch.cumulative_trapezoid(post_grid, dx=d_theta)])  # P(<= theta)
p_above_half = 1 - cdf[torch.searchsorted(theta, 0.5)].item()
lo, hi = theta[torch.searchsorted(cdf, 0.025)].item(), theta[torch.searchsorted(cdf, 0.975)].item()
assert abs(p_above_half - (1 - 1093 / 8192)) < 1e-5      # exact: P(theta <= 1/2) = P(Bin(13, 1/2) >= 9)
assert abs(mean_grid - a_post / (a_post + b_post)) < 1e-6 and abs(mle - heads / n) < 1e-9
assert abs(theta[post_grid.argmax()].item() - (a_post - 1) / (a_post + b_post - 2)) < 1e-9

print(f"== {heads} heads in {n} flips, prior Beta({PRIOR_A:.0f}, {PRIOR_B:.0f}) ==")
print(f"posterior                  : Beta({a_post:.0f}, {b_post:.0f})")
print(f"max |grid - closed form|   : {(post_grid - post_exact).abs().max().item():.6f}")
print(f"max |one by one - at once| : {(belief - post_grid).abs().max().item():.6f}")
print(f"prior mean                 : {PRIOR_A / (PRIOR_A + PRIOR_B):.4f}")
print(f"MLE heads / n              : {mle:.4f}")
print(f"posterior mean             : {mean_grid:.4f}  (a / (a + b) = {a_post / (a_post + b_post):.4f})")
print(f"posterior mode (MAP)       : {theta[post_grid.argmax()].item():.4f}  ((a - 1) / (a + b - 2))")
print(f"95% credible interval      : [{lo:.2f}, {hi:.2f}]")
print(f"P(theta > 0.5 | data)      : {p_above_half:.4f}")
print()

print("== more data, less uncertainty ==")
print(f"{'flips':>6} {'heads':>6} {'posterior mean':>15} {'posterior std':>14}")
curves = {}
for h, m in [(0, 0), (heads, n), (MORE_HEADS, MORE_FLIPS)]:
    post = normalise(prior * likelihood(h, m))
    a, b = PRIOR_A + h, PRIOR_B + m - h
    mean = (theta * post).sum() * d_theta
    std = (((theta - mean) ** 2 * post).sum() * d_theta).sqrt().item()
    assert abs(std - math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))) < 1e-5    # Beta variance
    curves[m] = post
    print(f"{m:>6} {h:>6} {mean.item():>15.4f} {std:>14.4f}")

plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
t = theta[::10].cpu().numpy()                                     # 200 points per curve is plenty
for m, label in [(0, "prior Beta(2, 2)"), (n, f"after {heads}/{n} heads"),
                 (MORE_FLIPS, f"after {MORE_HEADS}/{MORE_FLIPS} heads")]:
    ax.plot(t, curves[m][::10].cpu().numpy(), label=label)
ax.axvline(heads / n, color="grey", linestyle=":", label=f"MLE {heads / n:.1f}")
ax.set_xlabel("theta = P(heads)")
ax.set_ylabel("density")
ax.set_title("Beta-Bernoulli: the posterior narrows with data")
ax.legend()
fig.savefig(OUT_DIR / "prob_beta_coin.svg", metadata={"Date": None})
print("figure: prob_beta_coin.svg")
