"""Check that your set-up reproduces this site's recorded outputs.

Look at the output: the versions should match the ones the page was recorded with. The program then
checks two things that can really fail: the seeded random numbers must be the ones recorded for seed 0
(a different PyTorch release may draw different ones), and a matrix product computed by PyTorch must
equal the same product written as plain Python loops (on a GPU too). It prints numbers rounded to four
decimals, which hides the last-bit differences that a different CPU or maths library can cause.
"""

import platform

import torch

SEED = 0
N = 4
RECORDED_FIRST_ROW = [-2.3104, -0.3733, -1.0608, 0.9995]   # torch.randn(4, 4, float64) after manual_seed(0)

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

print("== versions ==")
print(f"python          : {platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}")
print(f"torch           : {torch.__version__.split('+')[0]}")

# A seeded generator gives the same numbers on every run; this checks they are the page's numbers.
x = torch.randn(N, N, dtype=torch.float64)
print(f"\n== seeded random numbers (seed {SEED}) ==")
print("first row       :", " ".join(f"{v:+.4f}" for v in x[0].tolist()))
recorded = torch.tensor(RECORDED_FIRST_ROW, dtype=torch.float64)   # rounded to 4 decimals: compare within 1e-4
assert torch.allclose(x[0], recorded, rtol=0, atol=1e-4), "not the recorded numbers: another seed or torch release?"

# x @ x.T by PyTorch (a BLAS library on the CPU, a GPU kernel on DEVICE) against plain Python loops.
rows = x.tolist()
loops = torch.tensor([[sum(a * b for a, b in zip(rows[i], rows[j])) for j in range(N)] for i in range(N)],
                     dtype=torch.float64)
gram = x @ x.T
gram_dev = (x.to(DEVICE) @ x.to(DEVICE).T).cpu()
assert torch.allclose(gram, loops, rtol=0, atol=1e-12), "x @ x.T differs from the loops"
assert torch.allclose(gram_dev, loops, rtol=0, atol=1e-10), "the device result differs from the loops"
print("\n== x @ x.T: PyTorch equals plain Python loops ==")
print(f"trace           : {gram.trace().item():.4f}")
print(f"sum of entries  : {gram.sum().item():.4f}")
print("largest gap     : below 1e-12 (asserted)")
print("\nset-up OK")
