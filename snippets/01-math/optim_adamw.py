"""Adam and AdamW written by hand equal torch.optim; L2 in Adam is not weight decay; lr bounds Adam's step.

Look at: the hand-written and built-in parameters agree after several steps; with SGD an L2 term and
weight decay are the same update, with Adam they are not (quiet weights are crushed, loud ones barely
decay, while AdamW shrinks both by the same factor); Adam's first step, and every step of a constant
gradient, moves each weight by exactly lr (about lr while the sign holds) whatever the gradient's size,
while a gradient whose sign is random moves it by a fraction of lr. So lr is the scale of (and roughly a bound on) Adam's step,
which is the reason, a heuristic, why fine-tuning uses learning rates of 1e-5 rather than 1e-3.
"""
import torch

STEPS, LR, WD = 5, 0.02, 0.1
NOISE_STEPS = 1000                         # steps with a gradient of random sign
BETAS, EPS = (0.9, 0.999), 1e-8
DECAY_STEPS, N_WEIGHTS = 500, 4000         # the weight-decay experiment
WIDTH, INIT_STD = 768, 0.02                # a GPT-2-sized weight matrix at its usual scale

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
F64 = dict(dtype=torch.float64, device=DEVICE)


def adam_step(p, g, st, lr, wd=0.0, decoupled=False):   # decoupled: a bool, or a bool tensor per row
    decoupled = torch.as_tensor(decoupled, device=p.device)
    g = torch.where(decoupled, g, g + wd * p)          # Adam + L2: the penalty's gradient joins g
    p = torch.where(decoupled, p * (1 - lr * wd), p)   # AdamW: shrink the weight directly
    st["t"] += 1
    st["m"] = BETAS[0] * st["m"] + (1 - BETAS[0]) * g             # m_t = b1 m + (1 - b1) g
    st["v"] = BETAS[1] * st["v"] + (1 - BETAS[1]) * g * g         # v_t = b2 v + (1 - b2) g^2
    m_hat = st["m"] / (1 - BETAS[0] ** st["t"])                   # bias corrections
    v_hat = st["v"] / (1 - BETAS[1] ** st["t"])
    return p - lr * m_hat / (v_hat.sqrt() + EPS)


# 1. A tiny regression model; the same STEPS with torch.optim and by hand, float64.
x, y = torch.randn(16, 4, **F64), torch.randn(16, 3, **F64)
w0 = torch.randn(4, 3, **F64)
print(f"== after {STEPS} steps: W[0] by hand and by torch.optim ==")
for name, opt_cls, decoupled in (("Adam", torch.optim.Adam, False), ("Adam + L2", torch.optim.Adam, False),
                                 ("AdamW", torch.optim.AdamW, True)):
    wd = 0.0 if name == "Adam" else WD
    w_t = w0.clone().requires_grad_()
    opt = opt_cls([w_t], lr=LR, betas=BETAS, eps=EPS, weight_decay=wd)
    w_h, st = w0.clone(), {"t": 0, "m": torch.zeros_like(w0), "v": torch.zeros_like(w0)}
    for _ in range(STEPS):
        opt.zero_grad()
        ((x @ w_t - y) ** 2).mean().backward()
        opt.step()
        w_h.requires_grad_()
        (g,) = torch.autograd.grad(((x @ w_h - y) ** 2).mean(), w_h)
        w_h = adam_step(w_h.detach(), g, st, LR, wd, decoupled)
    assert torch.allclose(w_h, w_t.detach(), rtol=0, atol=1e-12)
    print(f"{name:<10} hand  " + " ".join(f"{v:+.6f}" for v in w_h[0].tolist()))
    print(f"{'':<10} torch " + " ".join(f"{v:+.6f}" for v in w_t[0].tolist()))

# 2. With SGD, adding L2 to the loss and decaying the weight are one and the same update.
p, g = torch.randn(5, **F64), torch.randn(5, **F64)
p_t = p.clone().requires_grad_()
p_t.grad = g.clone()
torch.optim.SGD([p_t], lr=LR, weight_decay=WD).step()          # p - lr * (g + wd * p)
assert torch.allclose(p_t.detach(), p * (1 - LR * WD) - LR * g)  # (1 - lr * wd) p - lr * g
print("\nSGD: L2 term and weight decay give the same update: True")

# 3. With Adam they differ. The loss gives two groups of weights only zero-mean noise: quiet
#    (std 0.01) and loud (std 10). Any systematic shrinking comes from the regulariser alone.
#    Row 0 runs Adam + L2, row 1 AdamW, both with adam_step (equal to torch.optim, part 1) and the
#    same noise, in one batched loop (it keeps the program fast).
noise_std = torch.tensor([0.01] * N_WEIGHTS + [10.0] * N_WEIGHTS, **F64)
gen = torch.Generator(device=DEVICE).manual_seed(1)
w = torch.ones(2, 2 * N_WEIGHTS, **F64)
st = {"t": 0, "m": torch.zeros_like(w), "v": torch.zeros_like(w)}
decoupled = torch.tensor([[False], [True]], device=DEVICE)
for _ in range(DECAY_STEPS):
    g = noise_std * torch.randn(2 * N_WEIGHTS, generator=gen, **F64)   # loss gradient: noise only
    w = adam_step(w, g, st, LR, WD, decoupled)
final = {name: (w[i, :N_WEIGHTS].mean().item(), w[i, N_WEIGHTS:].mean().item())
         for i, name in enumerate(("Adam + L2", "AdamW"))}
expected = (1 - LR * WD) ** DECAY_STEPS
print(f"\n== mean weight after {DECAY_STEPS} steps from 1.0 (lr {LR}, weight decay {WD}) ==")
print(f"{'':<11} {'quiet weights':>14} {'loud weights':>13}")
for name, (quiet, loud) in final.items():
    print(f"{name:<11} {round(quiet, 3) + 0.0:>14.3f} {round(loud, 3) + 0.0:>13.3f}")
print(f"{'(1-lr*wd)^T':<11} {expected:>14.3f} {expected:>13.3f}")
assert all(abs(v - expected) < 0.03 for v in final["AdamW"])   # AdamW: same factor for both groups
quiet, loud = final["Adam + L2"]
assert quiet < 0.1 < 0.8 < loud                                # L2 through Adam: wildly different

# 4. A constant gradient of any size: every Adam step moves each weight by exactly lr (bias correction).
g = torch.tensor([1e-3, 1.0, 1e3], **F64)
w = torch.zeros(3, **F64, requires_grad=True)
opt = torch.optim.Adam([w], lr=LR)
for _ in range(STEPS):
    before = w.detach().clone()
    w.grad = g.clone()
    opt.step()
    assert torch.allclose(before - w.detach(), torch.full_like(g, LR), rtol=1e-4)
print(f"\n== step size for gradients {', '.join(f'{v:g}' for v in g.tolist())} ==")
print(f"{'SGD, lr * |g|':<26}: {', '.join(f'{LR * v:.6g}' for v in g.tolist())}")
print(f"{f'Adam, constant g, {STEPS} steps':<26}: {', '.join(f'{v:.6g}' for v in (before - w.detach()).tolist())}")

# 4b. A gradient of random sign (zero-mean noise, same three scales): the steps are a fraction of lr.
#     One noise draw per step, shared by the three scales, so only the scale differs between them.
gen = torch.Generator(device=DEVICE).manual_seed(2)
w = torch.zeros(3, **F64, requires_grad=True)
opt = torch.optim.Adam([w], lr=LR)
moved = torch.zeros(3, **F64)
for _ in range(NOISE_STEPS):
    before = w.detach().clone()
    w.grad = g * torch.randn(1, generator=gen, **F64)
    opt.step()
    moved += (w.detach() - before).abs() / NOISE_STEPS
assert (moved < 0.5 * LR).all() and (moved > 0.05 * LR).all()   # well below lr
assert torch.allclose(moved, moved[1].expand(3), rtol=1e-3)     # and the same for every scale
print(f"{'Adam, random sign, mean':<26}: {', '.join(f'{v:.4g}' for v in moved.tolist())}   "
      f"(over {NOISE_STEPS} steps: {moved.mean().item() / LR:.2f} lr)")

# 5. So lr sets how fast a pre-trained matrix can change: Adam's first step on a 768 x 768 matrix.
print(f"\n== Adam's first step on a {WIDTH}x{WIDTH} matrix with entries of std {INIT_STD} ==")
print(f"{'lr':>8} {'|dW| / |W|':>11} {'steps to move one std':>22}")
for lr in (1e-3, 1e-4, 2e-5):
    W = (INIT_STD * torch.randn(WIDTH, WIDTH, **F64)).requires_grad_()
    W.grad = torch.randn(WIDTH, WIDTH, **F64)
    W0 = W.detach().clone()
    torch.optim.Adam([W], lr=lr).step()
    rel = ((W.detach() - W0).norm() / W0.norm()).item()
    assert abs(rel / (lr / INIT_STD) - 1) < 0.01               # relative change = lr / std
    print(f"{lr:>8g} {rel:>11.4f} {INIT_STD / lr:>22.0f}")
