"""Expectation and variance of the normal and Bernoulli distributions, and what they say about initialisation.

Look at: sample means and variances land on the formulas (normal: mu and sigma^2; Bernoulli: p and
p(1 - p)); the variance of a sum of independent terms is the sum of their variances, so a layer
y = W x with weights of variance 1/fan_in keeps outputs at variance about 1, while weights of
variance 1 multiply it by fan_in. nn.Linear's default weights have variance 1/(3 fan_in).
"""
import torch

N = 400_000                        # samples per estimate
MU, SIGMA = 2.0, 3.0               # normal N(mu, sigma^2)
P = 0.3                            # Bernoulli(p)
A, B = -0.5, 4.0                   # for Var(aX + b) = a^2 Var(X)
FAN_INS = [16, 256, 1024]          # layer widths for the initialisation check
BATCH, FAN_OUT = 2048, 256

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64

print("== formulas versus samples ==")
print(f"{'distribution':<18} {'E[X] formula':>12} {'sample':>8} {'Var formula':>12} {'sample':>8}")
normal = MU + SIGMA * torch.randn(N, dtype=DTYPE, device=DEVICE)                # X ~ N(mu, sigma^2)
bern = (torch.rand(N, dtype=DTYPE, device=DEVICE) < P).to(DTYPE)                 # X ~ Bernoulli(p)
die = torch.arange(1, 7, dtype=DTYPE, device=DEVICE)                             # a fair die
die_mean = (die / 6).sum()                                                       # E[X] = sum_x x p(x)
die_var = (die**2 / 6).sum() - die_mean**2                                       # E[X^2] - E[X]^2
rows = [("normal(2, 3^2)", MU, normal.mean(), SIGMA**2, normal.var()),
        ("Bernoulli(0.3)", P, bern.mean(), P * (1 - P), bern.var())]
for name, m, m_hat, v, v_hat in rows:
    assert abs(m_hat - m) < 0.02 and abs(v_hat / v - 1) < 0.02
    print(f"{name:<18} {m:>12.4f} {m_hat.item():>8.4f} {v:>12.4f} {v_hat.item():>8.4f}")
assert torch.allclose(die_mean, torch.tensor(3.5, dtype=DTYPE, device=DEVICE))
assert torch.allclose(die_var, torch.tensor(35 / 12, dtype=DTYPE, device=DEVICE))
print(f"{'fair die (exact)':<18} {die_mean.item():>12.4f} {'':>8} {die_var.item():>12.4f}")

# Var(aX + b) = a^2 Var(X): the shift b changes nothing, the scale a enters squared.
y = A * normal + B
assert torch.allclose(y.var(), A**2 * normal.var())
print(f"Var({A} X + {B}) = {y.var().item():.4f} = ({A})^2 Var(X) = {A**2 * normal.var().item():.4f}")
print()

# A linear layer y_i = sum_j W_ij x_j adds fan_in independent terms, each of variance Var(W) Var(x).
print("== one layer y = W x, inputs with variance 1 ==")
print(f"{'fan_in':>6} {'Var(y), W var 1':>16} {'Var(y), W var 1/fan_in':>23}")
for fan_in in FAN_INS:
    x = torch.randn(BATCH, fan_in, dtype=DTYPE, device=DEVICE)                  # Var(x) = 1
    w_big = torch.randn(FAN_OUT, fan_in, dtype=DTYPE, device=DEVICE)            # Var(W) = 1
    w_good = w_big / fan_in**0.5                                                 # Var(W) = 1/fan_in
    var_big, var_good = (x @ w_big.T).var().item(), (x @ w_good.T).var().item()
    assert abs(var_big / fan_in - 1) < 0.1 and abs(var_good - 1) < 0.1
    print(f"{fan_in:>6} {var_big:>16.1f} {var_good:>23.3f}")

# nn.Linear draws W from U(-1/sqrt(fan_in), 1/sqrt(fan_in)); U(-c, c) has variance c^2 / 3.
fan_in = 1024
layer = torch.nn.Linear(fan_in, fan_in).to(DEVICE)
w_var = layer.weight.detach().double().var().item()
assert abs(w_var * 3 * fan_in - 1) < 0.01
print()
print(f"nn.Linear({fan_in}, {fan_in}) weight variance: {w_var * 1e4:.4f}e-4, "
      f"1/(3 fan_in) = {1e4 / (3 * fan_in):.4f}e-4")
