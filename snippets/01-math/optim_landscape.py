"""Local versus global minima, how L1 and L2 penalties move a minimum, and gradients through depth.

Look at: gradient descent with a small step on a non-convex curve ends in whichever valley it starts
in, and only one of them is the global minimum; a step too large for the curvature can jump into the
other valley; an L1 penalty sets small weights exactly to zero while L2 only
shrinks them; through 30 layers a 20% error in the weight scale shrinks the gradient about a
thousandfold or grows it a few hundredfold (0.8^30 and 1.2^30); clipping rescales an exploded
gradient without turning it.
"""
import torch

STARTS = [-2.0, -1.0, 0.0, 0.5, 1.0, 2.0]
LR, STEPS = 0.01, 300
BIG_LR, BIG_START = 0.1, 2.0             # a step too large for the curvature, from the shallow valley
PENALTY = 0.5                            # lambda for both L1 and L2
DEPTH, WIDTH, GAINS = 30, 256, [0.8, 1.0, 1.2]
MAX_NORM = 1.0

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
F64 = dict(dtype=torch.float64, device=DEVICE)


# 1. A non-convex function: f(x) = x^4 - 3x^2 + x has two valleys of different depth.
def f(x):
    return x ** 4 - 3 * x ** 2 + x


x = torch.tensor(STARTS, **F64)
for _ in range(STEPS):                   # gradient descent from all starts at once
    xg = x.clone().requires_grad_()
    (g,) = torch.autograd.grad(f(xg).sum(), xg)
    x = x - LR * g
assert (4 * x ** 3 - 6 * x + 1).abs().max() < 1e-8          # f'(x) = 0: every run has stopped
assert (12 * x ** 2 - 6 > 0).all()                          # f''(x) > 0: each is a minimum
minima = sorted(set(round(v, 6) for v in x.tolist()))
assert len(minima) == 2
lo, hi = torch.tensor(minima, **F64)
best = f(lo) if f(lo) < f(hi) else f(hi)
assert f((lo + hi) / 2) > (f(lo) + f(hi)) / 2               # above the chord: f is not convex
# Why each run stays in its valley: with lr * f''(x) <= 1 on the whole range, a step x -> x - lr f'(x)
# is increasing in x (its derivative is 1 - lr f''), so it never carries a point past the hilltop,
# which is a fixed point of that map.
grid_x = torch.linspace(min(STARTS), max(STARTS), 4001, **F64)
max_curv = (12 * grid_x ** 2 - 6).max()
assert LR * max_curv <= 1
hilltop = torch.tensor(0.0, **F64)
for _ in range(60):                                          # Newton's method for f'(x) = 0 near 0.17
    hilltop = hilltop - (4 * hilltop ** 3 - 6 * hilltop + 1) / (12 * hilltop ** 2 - 6)
assert all((e < hilltop) == (st < hilltop) for st, e in zip(STARTS, x.tolist()))   # same side as start
print(f"== gradient descent on x^4 - 3x^2 + x, {STEPS} steps of lr {LR} ==")
print(f"{'start':>6} {'end':>8} {'f(end)':>8}")
for s, e, fe in zip(STARTS, x.tolist(), f(x).tolist()):
    kind = "global minimum" if abs(fe - best) < 1e-9 else "local minimum only"
    print(f"{s:>6.1f} {e:>8.4f} {fe:>8.4f}  {kind}")
print(f"lr {LR}: lr * max f'' on [{min(STARTS):g}, {max(STARTS):g}] = {LR * max_curv:.2f} <= 1, "
      f"no step can cross the hilltop at x = {hilltop:.4f}")

xb, first = torch.tensor(BIG_START, **F64), None
for _ in range(STEPS):
    xb = xb - BIG_LR * (4 * xb ** 3 - 6 * xb + 1)            # the same gradient descent, lr 10x larger
    first = xb.item() if first is None else first
assert first < hilltop and abs(xb - x.min()) < 1e-8              # jumped over the hilltop, ended in the other valley
print(f"lr {BIG_LR} from x = {BIG_START:g}: lr * f''({BIG_START:g}) = {BIG_LR * (12 * BIG_START ** 2 - 6):.1f} > 1; "
      f"step 1 lands at {first:.4f}, the run ends at {xb:.4f}")

# 2. Penalties: minimise 0.5 (w - a)^2 + penalty(w); a is where the data alone would put w.
a = torch.tensor([-2.0, -0.4, 0.1, 0.3, 1.0, 2.0], **F64)
grid = torch.arange(-30000, 30001, **F64) / 10000          # brute force: -3 to 3 in steps of 1e-4
data_term = 0.5 * (grid[None, :] - a[:, None]) ** 2         # [len(a), len(grid)]
w_l2 = grid[(data_term + 0.5 * PENALTY * grid ** 2).argmin(1)]
w_l1 = grid[(data_term + PENALTY * grid.abs()).argmin(1)]
assert torch.allclose(w_l2, a / (1 + PENALTY), atol=1e-4)                              # shrink
assert torch.allclose(w_l1, a.sign() * (a.abs() - PENALTY).clamp(min=0), atol=1e-4)    # soft threshold
assert (w_l1[a.abs() <= PENALTY] == 0).all() and (w_l2 != 0).all()
print(f"\n== minimiser of 0.5 (w - a)^2 + penalty, lambda = {PENALTY} ==")
print(f"{'a':>6} {'L2: a/(1+lam)':>14} {'L1: soft threshold':>19}")
for ai, w2, w1 in zip(a.tolist(), w_l2.tolist(), w_l1.tolist()):
    print(f"{ai:>6.1f} {w2:>14.4f} {round(w1, 4) + 0.0:>19.4f}")

# 3. Gradients through a chain of DEPTH linear layers h_{l+1} = W_l h_l, W_l ~ N(0, gain^2 / WIDTH).
base = [torch.randn(WIDTH, WIDTH, **F64) / WIDTH ** 0.5 for _ in range(DEPTH)]
h0, probe = torch.randn(WIDTH, **F64), torch.randn(WIDTH, **F64)
print(f"\n== |dL/dh_l| / |dL/dh_{DEPTH}| through {DEPTH} layers of width {WIDTH} ==")
print(f"{'gain':>5}" + "".join(f"{'l = ' + str(l):>10}" for l in (30, 20, 10, 0)) + f"{'gain^' + str(DEPTH):>10}")
ratios, grads = {}, {}
for gain in GAINS:
    hs = [h0.clone().requires_grad_()]
    for W in base:
        hs.append(gain * W @ hs[-1])
        hs[-1].retain_grad()
    (hs[-1] @ probe).backward()                               # L = probe . h_DEPTH
    norms = torch.stack([h.grad.norm() for h in hs]) / hs[-1].grad.norm()
    ratios[gain], grads[gain] = norms[0].item(), hs[0].grad
    print(f"{gain:>5.1f}" + "".join(f"{norms[l]:>10.4g}" for l in (30, 20, 10, 0)) + f"{gain ** DEPTH:>10.4g}")
for gain in GAINS:                                            # same matrices: exactly gain^DEPTH apart
    assert abs(ratios[gain] / ratios[1.0] / gain ** DEPTH - 1) < 1e-9
assert 0.5 < ratios[1.0] < 2 and ratios[0.8] < 0.01 and ratios[1.2] > 100

# Gradient clipping: scale the whole gradient down to norm MAX_NORM if it is larger; same direction.
g = grads[1.2].clone()
p = torch.zeros(WIDTH, **F64, requires_grad=True)
p.grad = g.clone()
total = torch.nn.utils.clip_grad_norm_([p], MAX_NORM)        # returns the norm before clipping
assert torch.allclose(p.grad, g * MAX_NORM / g.norm()) and torch.isclose(p.grad.norm(), torch.tensor(MAX_NORM, **F64))
print(f"\nclip_grad_norm_ to {MAX_NORM}: norm {total.item():.4g} -> {p.grad.norm().item():.4g}, "
      f"cosine with the original {torch.cosine_similarity(p.grad, g, dim=0).item():.4f}")
