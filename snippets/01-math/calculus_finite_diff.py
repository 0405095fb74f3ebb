"""Finite differences agree with autograd, and the step h has a best value.

Look at: the gradient of f(x, y, z) by hand, by autograd and by central differences agree; so do
autograd and central differences (to within 1e-9) for all 26 parameters of a small network. The
rounding noise itself is not printed, only the bound: it varies from CPU to CPU. In the step-size
table the error first falls as h shrinks (truncation) and then rises again (rounding): the forward
difference is best near h = 1e-8, the central difference near h = 1e-5 to 1e-6 and far more
accurate. The figure draws both errors against h on log axes: two V shapes.
"""
import os
from pathlib import Path

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

H = 1e-6                                        # step for the gradient checks (central differences)
TOL = 1e-9                                      # bound on |central - autograd| at this step
POINT = [1.0, -2.0, 0.5]                        # (x, y, z) where we differentiate f
X0 = 0.5                                        # point for the step-size sweep of g
# h from 1e-1 down to 1e-15, four per decade, written as decimal strings so that every machine gets
# the same bits (10.0 ** (-k / 4) calls the C library's pow, which may differ in the last bit).
STEPS = [float(f"{m}e-{e}") for e in range(1, 15)
         for m in ("1", "0.5623", "0.3162", "0.1778")] + [1e-15]

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))


def central_grad(fn, t, h=H):
    """d fn / d t_i ~ (fn(t + h e_i) - fn(t - h e_i)) / 2h, one coordinate of t at a time."""
    grad = torch.zeros_like(t)
    with torch.no_grad():
        for i in range(t.numel()):
            old = t.view(-1)[i].item()
            t.view(-1)[i] = old + h
            up = fn().item()
            t.view(-1)[i] = old - h
            down = fn().item()
            t.view(-1)[i] = old                 # put the coordinate back
            grad.view(-1)[i] = (up - down) / (2 * h)
    return grad


# 1. f(x, y, z) = x^2 y + y sin z + exp(x z): three partial derivatives, three ways.
p = torch.tensor(POINT, dtype=DTYPE, device=DEVICE, requires_grad=True)
f = lambda: p[0] ** 2 * p[1] + p[1] * torch.sin(p[2]) + torch.exp(p[0] * p[2])
x, y, z = p.detach()                                               # the same point, as numbers
by_hand = torch.stack([2 * x * y + z * torch.exp(x * z),         # df/dx
                       x ** 2 + torch.sin(z),                     # df/dy
                       y * torch.cos(z) + x * torch.exp(x * z)])  # df/dz
(autograd,) = torch.autograd.grad(f(), p)
numeric = central_grad(f, p)
assert torch.allclose(autograd, by_hand, rtol=0, atol=1e-12)
assert torch.allclose(numeric, autograd, rtol=0, atol=TOL)
print(f"f(x, y, z) = x^2 y + y sin z + exp(xz)   at (x, y, z) = {tuple(POINT)}")
print(f"{'':>6} {'by hand':>10} {'autograd':>10} {'central':>10}")
for name, a, b, c in zip(["df/dx", "df/dy", "df/dz"], by_hand, autograd, numeric):
    print(f"{name:>6} {a.item():>10.6f} {b.item():>10.6f} {c.item():>10.6f}")
print(f"max |central - autograd| < {TOL:.0e}: yes")   # the assert above checked it

# 2. Every parameter of a small network: 3 -> 4 (tanh) -> 2, cross-entropy loss on 5 examples.
net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
net = net.to(DEVICE, DTYPE)
inputs = torch.randn(5, 3, dtype=DTYPE, device=DEVICE)
labels = torch.tensor([0, 1, 1, 0, 1], device=DEVICE)
loss_fn = lambda: torch.nn.functional.cross_entropy(net(inputs), labels)
grads = torch.autograd.grad(loss_fn(), list(net.parameters()))
print()
print(f"network 3 -> 4 -> 2: {sum(t.numel() for t in net.parameters())} parameters, "
      f"central differences with h = {H:.0e}")
bound = f"max |central - autograd| < {TOL:.0e}"
print(f"{'parameter':<10} {'shape':<6} {'max |autograd|':>15} {bound:>33}")
for (name, param), grad in zip(net.named_parameters(), grads):
    numeric = central_grad(loss_fn, param.data)   # 2 forward passes per parameter
    assert torch.allclose(numeric, grad, rtol=0, atol=TOL)
    shape = "x".join(map(str, param.shape))
    print(f"{name:<10} {shape:<6} {grad.abs().max().item():>15.6f} {'yes':>33}")

# 3. The error against h for g(x) = 1 / (1 + x^2) (only + * /: the same bits on every machine).
g = lambda t: 1 / (1 + t * t)
q = 1 + X0 * X0
exact = -2 * X0 / (q * q)                                           # g'(x)
g2, g3 = (6 * X0 * X0 - 2) / (q * q * q), 24 * X0 * (1 - X0 * X0) / (q * q * q * q)  # g'', g'''
hs = torch.tensor(STEPS, dtype=DTYPE, device=DEVICE)   # all steps at once, one per element
x0 = torch.full_like(hs, X0)
forward = (g(x0 + hs) - g(x0)) / hs                 # error ~ h |g''| / 2    + rounding
central = (g(x0 + hs) - g(x0 - hs)) / (2 * hs)      # error ~ h^2 |g'''| / 6 + rounding
err_f, err_c = (forward - exact).abs().cpu(), (central - exact).abs().cpu()
steps = hs.cpu()
big = slice(8, 13, 4)                                   # h = 1e-3 and 1e-4: truncation dominates
assert ((err_f[big] / steps[big]) / (abs(g2) / 2) - 1).abs().max() < 0.02
assert ((err_c[big] / steps[big] ** 2) / (abs(g3) / 6) - 1).abs().max() < 0.02
best_f, best_c = STEPS[err_f.argmin()], STEPS[err_c.argmin()]
assert 1e-9 <= best_f <= 1e-7 and 1e-7 <= best_c <= 1e-4      # near sqrt(eps) and eps^(1/3)
assert err_c.min() < err_f.min() / 100                        # central wins by far
assert (err_f[steps <= 1e-12] > 1e-6).all() and (err_c[steps <= 1e-12] > 1e-6).all()  # rounding
x32, h32 = torch.tensor([X0, X0], device=DEVICE), torch.tensor([1e-6, 1e-2], device=DEVICE)
err32 = ((g(x32 + h32) - g(x32 - h32)) / (2 * h32) - exact).abs().cpu()  # float32, eps 1.2e-7
assert err32[0] > 1e-3 > err32[1]
print()
print(f"g(x) = 1/(1+x^2) at x = {X0}: g' = {exact:.4f}, |g''|/2 = {abs(g2) / 2:.4f}, "
      f"|g'''|/6 = {abs(g3) / 6:.4f}")
print(f"{'h':>7} {'forward error':>14} {'central error':>14}")
for i in range(0, len(STEPS), 4):
    print(f"{STEPS[i]:>7.0e} {err_f[i].item():>14.1e} {err_c[i].item():>14.1e}")
print(f"smallest error: forward {err_f.min().item():.1e} at h = {best_f:.1e}, "
      f"central {err_c.min().item():.1e} at h = {best_c:.1e}")
print(f"float32 central error: {err32[0].item():.1e} at h = 1e-06, {err32[1].item():.1e} at h = 1e-02")
plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(STEPS, err_f.clamp_min(1e-17), "o-", ms=3, label="forward difference")
ax.loglog(STEPS, err_c.clamp_min(1e-17), "s-", ms=3, label="central difference")
ax.loglog(STEPS, abs(g2) / 2 * steps, "k--", lw=0.8, label="truncation: h|g''|/2, h²|g'''|/6")
ax.loglog(STEPS, abs(g3) / 6 * steps ** 2, "k--", lw=0.8)
ax.loglog(STEPS, torch.finfo(DTYPE).eps * g(X0) / steps, "k:", lw=1, label="rounding: eps·|g|/h")
ax.set(xlabel="step h", ylabel="|finite difference − exact derivative|", ylim=(1e-14, 1),
       title=f"Derivative of 1/(1+x²) at x = {X0}, float64")
ax.grid(True, which="major", alpha=0.3)
ax.legend(fontsize=8, loc="lower left")
fig.tight_layout()
fig.savefig(OUT_DIR / "finite_diff_error.svg", metadata={"Date": None})
print("figure: finite_diff_error.svg")
