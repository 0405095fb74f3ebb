"""The sinusoidal position table, and why a shift by k is a rotation of it.

Look at: the wavelengths (from 2*pi for pair 0 up to 2*pi*10000^((d-2)/d) for the last pair,
which approaches 10000*2*pi only for large d), the error of PE(pos + k) = M_k @ PE(pos) with one
block-diagonal rotation M_k for every pos, the dot products PE(pos) . PE(pos + k) that depend on k
only, and the heatmap.
"""
import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch

MAX_LEN, D = 128, 32     # positions, model width (even)
SHIFTS = [1, 5, 17]      # offsets k to test
BASE = 10000.0

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
torch.set_default_dtype(torch.float64)
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
plt.rcParams["svg.hashsalt"] = "llm-roadmap"            # stable ids inside the SVG

# omega_i = 1 / 10000^(2i/d),  i = 0 .. d/2 - 1
omega = BASE ** (-torch.arange(0, D, 2, device=DEVICE) / D)          # (D/2,)
pos = torch.arange(MAX_LEN, device=DEVICE).unsqueeze(1)              # (MAX_LEN, 1)
pe = torch.zeros(MAX_LEN, D, device=DEVICE)
pe[:, 0::2] = torch.sin(pos * omega)     # PE(pos, 2i)   = sin(pos * omega_i)
pe[:, 1::2] = torch.cos(pos * omega)     # PE(pos, 2i+1) = cos(pos * omega_i)

# spot-check one entry against the formula written out by hand
p, i = 7, 3
assert math.isclose(pe[p, 2 * i].item(), math.sin(p / BASE ** (2 * i / D)), abs_tol=1e-12)


def shift_matrix(k):
    """M_k = diag(B(k w_0), ..., B(k w_{d/2-1})),  B(a) = [[cos a, sin a], [-sin a, cos a]]."""
    m = torch.zeros(D, D, device=DEVICE)
    c, s = torch.cos(k * omega), torch.sin(k * omega)
    idx = torch.arange(0, D, 2, device=DEVICE)
    m[idx, idx], m[idx, idx + 1] = c, s              # new sin = cos(ka) sin + sin(ka) cos
    m[idx + 1, idx], m[idx + 1, idx + 1] = -s, c     # new cos = cos(ka) cos - sin(ka) sin
    return m


print("wavelengths 2*pi/omega_i")
print(f"  pair i = 0                : {2 * math.pi / omega[0].item():.2f}")
print(f"  pair i = {D // 2 - 1:<2}               : {2 * math.pi / omega[-1].item():.2f}")
print()
print("PE(pos + k) = M_k @ PE(pos) for every pos, one M_k")
for k in SHIFTS:
    m_k = shift_matrix(k)
    shifted = pe[:-k] @ m_k.T                        # row pos -> M_k PE(pos)
    err = (shifted - pe[k:]).abs().max()
    assert torch.allclose(shifted, pe[k:], atol=1e-10)
    assert torch.allclose(m_k @ m_k.T, torch.eye(D, device=DEVICE), atol=1e-12)  # a rotation
    print(f"  k = {k:<2}  max |error|       : {err.item():.4f}")

print()
print("PE(pos) . PE(pos + k)  (the same for every pos)")
for k in [0] + SHIFTS:
    dots = (pe[: MAX_LEN - k] * pe[k:]).sum(dim=1)   # one value per pos
    assert torch.allclose(dots, torch.cos(k * omega).sum().expand_as(dots), atol=1e-10)
    print(f"  k = {k:<2}  dot               : {dots[0].item():7.4f}")

fig, ax = plt.subplots(figsize=(6, 4))
im = ax.imshow(pe.cpu().numpy(), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto",
               interpolation="nearest")
ax.set_xlabel("dimension (even: sin, odd: cos)")
ax.set_ylabel("position")
ax.set_title(f"Sinusoidal positional encoding ({MAX_LEN} positions, d = {D})")
fig.colorbar(im, ax=ax)
fig.tight_layout()
fig.savefig(OUT_DIR / "posenc_sinusoidal.svg", metadata={"Date": None})
print()
print("figure: posenc_sinusoidal.svg")
