"""Maximum likelihood for a Gaussian: gradient ascent on the log-likelihood lands on the closed form.

Look at: gradient ascent, maximising the log-likelihood of 50 numbers over (mu, log sigma), stops at
the sample mean and at the 1/n variance (torch's var(correction=0)), not at the 1/(n-1) one, which
has a lower log-likelihood. Averaged over many samples of size 5, the 1/n variance comes out at
(n-1)/n = 0.8 of the true variance: the maximum-likelihood estimate of a variance is biased low.
"""
import math

import torch

N = 50                              # data points
TRUE_MU, TRUE_SIGMA = 1.5, 2.0
STEPS, LR = 300, 0.5
SHOW = [0, 5, 20, 50, 300]          # steps to print
SMALL_N, REPEATS = 5, 200_000       # for the bias experiment

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64

x = TRUE_MU + TRUE_SIGMA * torch.randn(N, dtype=DTYPE, device=DEVICE)


def log_likelihood(mu, sigma):
    """log p(x | mu, sigma) = sum_i [ -1/2 log(2 pi sigma^2) - (x_i - mu)^2 / (2 sigma^2) ]."""
    return (-0.5 * torch.log(2 * math.pi * sigma**2) - (x - mu) ** 2 / (2 * sigma**2)).sum()


# The formula agrees with torch.distributions.
m0, s0 = (torch.tensor(v, dtype=DTYPE, device=DEVICE) for v in (0.3, 1.7))
assert torch.allclose(log_likelihood(m0, s0), torch.distributions.Normal(m0, s0).log_prob(x).sum())

# Gradient ascent on the mean log-likelihood over mu and log sigma (log keeps sigma positive).
mu = torch.zeros((), dtype=DTYPE, device=DEVICE, requires_grad=True)
log_sigma = torch.zeros((), dtype=DTYPE, device=DEVICE, requires_grad=True)
print(f"== gradient ascent on the log-likelihood of {N} points from N({TRUE_MU}, {TRUE_SIGMA}^2) ==")
print(f"{'step':>5} {'mu':>8} {'sigma^2':>8} {'log-lik':>9}")
for step in range(STEPS + 1):
    ll = log_likelihood(mu, log_sigma.exp())
    if step in SHOW:
        print(f"{step:>5} {mu.item():>8.4f} {log_sigma.exp().item() ** 2:>8.4f} {ll.item():>9.4f}")
    g_mu, g_ls = torch.autograd.grad(ll / N, [mu, log_sigma])
    with torch.no_grad():                                # theta <- theta + lr * d(mean log-lik)/d theta
        mu += LR * g_mu
        log_sigma += LR * g_ls
print()

mean_closed = x.mean()                                   # (1/n) sum x_i
var_closed = ((x - mean_closed) ** 2).mean()             # (1/n) sum (x_i - mean)^2
var_unbiased = x.var()                                   # 1/(n-1), torch's default
var_ascent = log_sigma.detach().exp() ** 2
assert torch.allclose(mu.detach(), mean_closed, atol=1e-6)
assert torch.allclose(var_ascent, var_closed, atol=1e-6)
assert torch.allclose(var_closed, x.var(correction=0))
assert torch.allclose(var_unbiased, var_closed * N / (N - 1))

print("== the maximum versus the closed forms ==")
print(f"{'':<28} {'mu':>8} {'sigma^2':>8} {'log-lik':>9}")
rows = [("gradient ascent", mu.detach(), var_ascent),
        ("closed form (1/n)", mean_closed, var_closed),
        ("unbiased variance (1/(n-1))", mean_closed, var_unbiased)]
lls = []
for name, m, v in rows:
    lls.append(log_likelihood(m, v.sqrt()).item())
    print(f"{name:<28} {m.item():>8.4f} {v.item():>8.4f} {lls[-1]:>9.4f}")
assert lls[1] > lls[2]                                   # the 1/n variance is the maximiser
grad_mu, grad_ls = torch.autograd.grad(log_likelihood(mu, log_sigma.exp()), [mu, log_sigma])
assert abs(grad_mu.item()) < 1e-6 and abs(grad_ls.item()) < 1e-6
print(f"gradient of log-lik at the ascent's end: {abs(grad_mu.item()):.6f}, {abs(grad_ls.item()):.6f}")
print()

# Bias: E[(1/n) sum (x_i - mean)^2] = (n-1)/n sigma^2. Draw many samples of size SMALL_N from N(0, 1).
samples = torch.randn(REPEATS, SMALL_N, dtype=DTYPE, device=DEVICE)
mle_var = samples.var(dim=1, correction=0).mean().item()
unb_var = samples.var(dim=1).mean().item()
assert abs(mle_var - (SMALL_N - 1) / SMALL_N) < 0.01 and abs(unb_var - 1) < 0.01
print(f"== average over {REPEATS} samples of size {SMALL_N} from N(0, 1) ==")
print(f"1/n variance (MLE)    : {mle_var:.3f}   (n-1)/n = {(SMALL_N - 1) / SMALL_N:.3f}")
print(f"1/(n-1) variance      : {unb_var:.3f}   true    = 1.000")
