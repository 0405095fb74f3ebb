"""Forward mode computes Jacobian-vector products, reverse mode vector-Jacobian products.

For f: R^n -> R^m with Jacobian J (m x n), one forward-mode pass pushes a tangent v through f and
returns J v (one column of J when v = e_i); one reverse-mode pass pulls a cotangent u back and
returns u^T J (one row). Look at: the Jacobian by hand, column by column (n JVPs) and row by row
(m VJPs) is the same matrix; for a scalar loss of 161 parameters reverse mode gets the gradient
from 1 evaluation + 1 backward pass, forward mode needs 161 evaluations, central differences 322,
and the three gradients agree (only the bounds are printed: the rounding noise varies by CPU).
"""
import torch
import torch.autograd.forward_ad as fwAD

N_IN, N_OUT = 4, 3                           # f: R^4 -> R^3
N_DATA, N_FEAT, HIDDEN = 32, 8, 16           # the network: 8 -> 16 (tanh) -> 1, MSE on 32 points
H = 1e-6                                     # step for central differences
TOL_AD, TOL_FD = 1e-12, 1e-8                 # bounds: forward vs reverse, central vs reverse

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
calls = {"evaluations": 0, "backward passes": 0}


def jvp(fn, x, v):
    """Forward mode: evaluate fn once on the dual number x + v*eps and read off J v."""
    with fwAD.dual_level():
        return fwAD.unpack_dual(fn(fwAD.make_dual(x, v))).tangent


def vjp(fn, x):
    """Reverse mode: evaluate fn once, recording the graph; then each u -> u^T J is a backward pass."""
    x = x.detach().requires_grad_()
    out = fn(x)

    def pull_back(u):
        calls["backward passes"] += 1
        return torch.autograd.grad(out, x, grad_outputs=u, retain_graph=True)[0]
    return out, pull_back


def counted(work):
    """Run work() from zeroed counters; return its result and the counts."""
    calls.update({key: 0 for key in calls})
    return work(), dict(calls)


# 1. f(x) = tanh(A x) * (x . x), from R^4 to R^3: its 3 x 4 Jacobian three ways.
A = torch.randn(N_OUT, N_IN, dtype=DTYPE, device=DEVICE)
x = torch.randn(N_IN, dtype=DTYPE, device=DEVICE)


def f(x):
    calls["evaluations"] += 1
    return torch.tanh(A @ x) * (x @ x)


t = torch.tanh(A @ x)                # by hand: J = diag(1 - t^2) A (x.x) + t (2x)^T, t = tanh(Ax)
J_hand = (1 - t ** 2)[:, None] * A * (x @ x) + t[:, None] * (2 * x)[None, :]
eye_in = torch.eye(N_IN, dtype=DTYPE, device=DEVICE)                     # basis vectors e_i
eye_out = torch.eye(N_OUT, dtype=DTYPE, device=DEVICE)
J_cols, fwd = counted(lambda: torch.stack([jvp(f, x, e) for e in eye_in], dim=1))   # J e_i


def jacobian_by_rows():
    _, pull_back = vjp(f, x)                                             # 1 evaluation
    return torch.stack([pull_back(e) for e in eye_out])                 # e_j^T J


J_rows, rev = counted(jacobian_by_rows)
assert torch.allclose(J_cols, J_hand, rtol=0, atol=1e-12)
assert torch.allclose(J_rows, J_hand, rtol=0, atol=1e-12)
assert fwd == {"evaluations": N_IN, "backward passes": 0}
assert rev == {"evaluations": 1, "backward passes": N_OUT}
v = torch.randn(N_IN, dtype=DTYPE, device=DEVICE)                        # any direction
Jv = jvp(f, x, v)
assert torch.allclose(Jv, (f(x + H * v) - f(x - H * v)) / (2 * H), rtol=0, atol=1e-8)

print(f"f: R^{N_IN} -> R^{N_OUT}, Jacobian J (by hand = {N_IN} JVPs = {N_OUT} VJPs)")
for row in J_hand:
    print("  " + " ".join(f"{val.item():>8.4f}" for val in row))
print(f"forward mode: {fwd['evaluations']} evaluations of f, one column of J each")
print(f"reverse mode: {rev['evaluations']} evaluation of f + {rev['backward passes']} backward passes, "
      "one row each")
print("J v along a random v: " + " ".join(f"{val.item():.6f}" for val in Jv) + " (= central difference)")

# 2. A scalar loss of 161 parameters: its gradient is one row (m = 1), so reverse mode wins.
data = torch.randn(N_DATA, N_FEAT, dtype=DTYPE, device=DEVICE)
target = torch.randn(N_DATA, dtype=DTYPE, device=DEVICE)
shapes = [(HIDDEN, N_FEAT), (HIDDEN,), (1, HIDDEN), (1,)]                # W1, b1, W2, b2
sizes = [torch.Size(s).numel() for s in shapes]
theta = 0.3 * torch.randn(sum(sizes), dtype=DTYPE, device=DEVICE)        # all parameters, flat


def loss(theta):
    calls["evaluations"] += 1
    W1, b1, W2, b2 = (p.view(s) for p, s in zip(theta.split(sizes), shapes))
    pred = torch.tanh(data @ W1.T + b1) @ W2.T + b2                       # [N_DATA, 1]
    return torch.nn.functional.mse_loss(pred.squeeze(-1), target)        # mean squared error


def backprop():
    value, pull_back = vjp(loss, theta)
    return pull_back(torch.ones_like(value))                             # u = 1: the gradient


basis = torch.eye(theta.numel(), dtype=DTYPE, device=DEVICE)
g_rev, n_rev = counted(backprop)
g_fwd, n_fwd = counted(lambda: torch.stack([jvp(loss, theta, e) for e in basis]))
g_num, n_num = counted(lambda: torch.stack(
    [(loss(theta + H * e) - loss(theta - H * e)) / (2 * H) for e in basis]))
assert torch.allclose(g_fwd, g_rev, rtol=0, atol=TOL_AD)     # two exact methods: rounding only
assert torch.allclose(g_num, g_rev, rtol=0, atol=TOL_FD)     # finite differences: ~eps/h
assert n_rev == {"evaluations": 1, "backward passes": 1}
assert n_fwd["evaluations"] == theta.numel() and n_num["evaluations"] == 2 * theta.numel()

print(f"\nscalar loss of a {N_FEAT} -> {HIDDEN} -> 1 network: {theta.numel()} parameters")
print(f"{'gradient by':<25} {'evaluations':>11} {'backward passes':>16}")
for method, n in [("reverse mode (backprop)", n_rev), ("forward mode (JVPs)", n_fwd),
                  ("central differences", n_num)]:
    print(f"{method:<25} {n['evaluations']:>11} {n['backward passes']:>16}")
print(f"max |forward - reverse| < {TOL_AD:.0e}: yes, max |central - reverse| < {TOL_FD:.0e}: yes")
