"""Check that your set-up reproduces this site's recorded outputs.

Look at the output: the versions should match the ones the page was recorded with, and the seeded random
numbers and the small matrix product should be identical, digit for digit, on any CPU.
"""

import platform

import torch

SEED = 0
N = 4

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

print("== versions ==")
print(f"python          : {platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}")
print(f"torch           : {torch.__version__.split('+')[0]}")

# Seeded generators give the same numbers on every run and every machine (on the CPU).
x = torch.randn(N, N, dtype=torch.float64)
print("\n== seeded random numbers (seed 0) ==")
print("first row       :", " ".join(f"{v:+.4f}" for v in x[0].tolist()))

# A computation done two ways must agree: x @ x.T is symmetric, and on DEVICE equals the CPU result.
gram = x @ x.T
gram_dev = (x.to(DEVICE) @ x.to(DEVICE).T).cpu()
assert torch.allclose(gram, gram.T), "x @ x.T must be symmetric"
assert torch.allclose(gram, gram_dev, atol=1e-10), "the device result must equal the CPU result"
print("\n== x @ x.T (symmetric, same on every device) ==")
print(f"trace           : {gram.trace().item():.4f}")
print(f"sum of entries  : {gram.sum().item():.4f}")
print("\nset-up OK")
