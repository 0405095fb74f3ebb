"""RoPE makes a query-key score depend only on the offset m - n; ALiBi adds -slope * distance.

Look at: the same score for (m, n) and (m + s, n + s), the unchanged vector norms, the
ALiBi bias matrix of one head, the slopes 2^-1 ... 2^-8, and how an ALiBi head with no
content signal spreads its attention over the previous tokens.
"""
import torch

D = 64                         # head dimension (even)
BASE = 10000.0
N_HEADS, T = 8, 6              # ALiBi: heads, sequence length
SHIFTS = [1, 100, 5000]

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
torch.set_default_dtype(torch.float64)   # tight comparisons at large positions

theta = BASE ** (-torch.arange(0, D, 2, device=DEVICE) / D)          # (D/2,) theta_i


def rope(x, m):
    """Rotate each pair (x_2i, x_2i+1) of x (..., D) by the angle m * theta_i."""
    angle = m.unsqueeze(-1) * theta                                   # (..., D/2)
    cos, sin = torch.cos(angle), torch.sin(angle)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = x1 * cos - x2 * sin
    out[..., 1::2] = x1 * sin + x2 * cos
    return out


def rope_complex(x, m):
    """The same rotation written with complex numbers: z_i * exp(i m theta_i)."""
    z = torch.view_as_complex(x.reshape(*x.shape[:-1], D // 2, 2).contiguous())
    z = z * torch.polar(torch.ones_like(theta), m.unsqueeze(-1) * theta)
    return torch.view_as_real(z).reshape(x.shape)


q, k = torch.randn(2, 1000, D, device=DEVICE).unbind(0)             # 1000 query/key pairs
m = torch.randint(0, 2000, (1000,), device=DEVICE).double()          # query positions
n = torch.randint(0, 2000, (1000,), device=DEVICE).double()          # key positions


def score(qq, kk, mm, nn):                                           # <R_m q, R_n k>
    return (rope(qq, mm) * rope(kk, nn)).sum(-1)


base_scores = score(q, k, m, n)
assert torch.allclose(rope(q, m), rope_complex(q, m), atol=1e-12)   # two forms agree
# <R_m q, R_n k> = <q, R_(n-m) k>: only the offset n - m is left
assert torch.allclose(base_scores, (q * rope(k, n - m)).sum(-1), atol=1e-9)

print("RoPE: score after shifting both positions by s")
for s in SHIFTS:
    shifted = score(q, k, m + s, n + s)
    assert torch.allclose(shifted, base_scores, atol=1e-6)
    print(f"  s = {s:<5} max |score change|   : {(shifted - base_scores).abs().max().item():.4f}")
norm_ratio = rope(q, m).norm(dim=-1) / q.norm(dim=-1)
assert torch.allclose(norm_ratio, torch.ones_like(norm_ratio), atol=1e-12)
print(f"  {'|R_m q| / |q|, min and max':<31}: {norm_ratio.min().item():.4f}, "
      f"{norm_ratio.max().item():.4f}")

# ALiBi: slopes form a geometric sequence 2^(-8/H), 2^(-16/H), ...; for H = 8: 1/2 ... 1/256
slopes = 2.0 ** (-8.0 / N_HEADS * torch.arange(1, N_HEADS + 1, device=DEVICE))
expected = torch.tensor([2.0 ** -h for h in range(1, 9)], device=DEVICE)   # 1/2 ... 1/256
assert torch.allclose(slopes, expected, rtol=1e-12, atol=0.0)
i = torch.arange(T, device=DEVICE)
distance = (i.unsqueeze(1) - i.unsqueeze(0)).double()                # (T, T): i - j
causal = distance >= 0                                               # key j <= query i
bias = -slopes.view(-1, 1, 1) * distance.abs()                       # (H, T, T)
bias = bias.masked_fill(~causal, float("-inf"))

print()
print(f"ALiBi slopes, {N_HEADS} heads")
print("  head h     : " + " ".join(f"{h:>4d}" for h in range(1, N_HEADS + 1)))
print("  1 / slope  : " + " ".join(f"{1 / s.item():>4.0f}" for s in slopes))
print()
print(f"ALiBi bias, head 1 (slope {slopes[0].item():.2f}), rows = query i, cols = key j")
for row in bias[0]:
    print("  " + " ".join(f"{v.item() + 0.0:6.2f}" if v > -1e9 else "  -inf" for v in row))

# with all content scores q.k equal, the weights depend only on distance:
# weight(j) ~ exp(-slope * (i - j)), so each step back is a factor exp(-slope)
weights = torch.softmax(bias, dim=-1)                                # (H, T, T)
ratio = weights[:, -1, :-1] / weights[:, -1, 1:]                     # w(j) / w(j+1)
assert torch.allclose(ratio, torch.exp(-slopes).unsqueeze(1).expand_as(ratio))
print()
print(f"ALiBi weights of the last query (i = {T - 1}) when all q.k are equal")
for h in [0, 3, 7]:
    row = " ".join(f"{w.item():.3f}" for w in weights[h, -1])
    print(f"  head {h + 1} (slope 2^-{h + 1})  : {row}")
