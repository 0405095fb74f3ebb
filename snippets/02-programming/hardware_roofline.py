"""FLOPs, bytes moved and arithmetic intensity of matmuls versus an elementwise add, on a roofline.

A matmul (m x k) @ (k x n) costs 2*m*n*k FLOPs (checked multiply by multiply on a small one) and must
move at least (m*k + k*n + m*n) numbers between memory and the chip (checked with real tensors'
nbytes); an elementwise add does 1 FLOP per 3 numbers moved. Intensity = FLOPs / bytes. The
roofline caps the speed of an operation at min(peak FLOP/s, bandwidth x intensity); the two hardware
numbers are NVIDIA's published figures for an H100 SXM (dense BF16 Tensor Core, HBM3), not
measurements. Look at the "bound" column: adds and
matrix-vector products (generating one token at a time) are memory-bound; large matmuls are not.
The last table compares HBM with the PCIe Gen5 x16 link between CPU and GPU: the datasheet's 128 GB/s
counts both directions, and one copy goes one way, at about 63 GB/s, some 53 times slower than HBM.
"""
import os
from pathlib import Path

import matplotlib
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt

DTYPE = torch.bfloat16
PEAK_FLOPS = 989.4e12        # H100 SXM, BF16 Tensor Core, dense (datasheet: 1,979 TFLOPS with 2:4 sparsity)
BANDWIDTH = 3.35e12          # H100 SXM, HBM3, bytes per second
PCIE_DATASHEET = 128e9       # H100 SXM datasheet, "PCIe Gen5: 128 GB/s" (both directions together)
PCIE_LANE_RATE = 32e9        # PCIe Gen5: 32 GT/s per lane, one bit per transfer, each direction
PCIE_LANES = 16
PCIE_ENCODING = 128 / 130    # 128b/130b line code: 128 payload bits in every 130 sent
WEIGHTS_BYTES = 6.74e9 * 2   # LLaMA-7B (6.74B parameters) in bf16
OPS = [  # name, kind, (m, k, n) for matmul or (m, n) for add
    ("add 4096x4096", "add", (4096, 4096)),
    ("matvec 1x4096 @ 4096x4096", "mm", (1, 4096, 4096)),
    ("matmul 16x4096 @ 4096x4096", "mm", (16, 4096, 4096)),
    ("matmul 256^3", "mm", (256, 256, 256)),
    ("matmul 1024^3", "mm", (1024, 1024, 1024)),
    ("matmul 4096^3", "mm", (4096, 4096, 4096)),
    ("FFN 8192x4096 @ 4096x11008", "mm", (8192, 4096, 11008)),
]
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
plt.rcParams["svg.hashsalt"] = "llm-roadmap"

BYTES = torch.tensor([], dtype=DTYPE).element_size()   # 2 for bfloat16


def cost(kind, shape):
    """(FLOPs, minimum bytes moved): read each input once, write the output once."""
    if kind == "mm":
        m, k, n = shape
        return 2 * m * n * k, (m * k + k * n + m * n) * BYTES   # k multiplies + k adds per output
    m, n = shape
    return m * n, 3 * m * n * BYTES                             # 1 add per element; read 2, write 1


# The FLOP count on a real matmul, element by element: C[i, j] = sum_k A[i, k] * B[k, j]
a, b = torch.randn(3, 5, device=DEVICE), torch.randn(5, 4, device=DEVICE)
c = torch.zeros(3, 4, device=DEVICE)
mults = adds = 0
for i in range(3):
    for j in range(4):
        for k in range(5):
            c[i, j] += a[i, k] * b[k, j]                   # one multiply, one add
            mults, adds = mults + 1, adds + 1
assert torch.allclose(c, a @ b, atol=1e-6) and mults + adds == cost("mm", (3, 5, 4))[0]
# The bytes on real bfloat16 tensors: the sizes of the inputs and the output
x, w = torch.randn(64, 32, dtype=DTYPE, device=DEVICE), torch.randn(32, 48, dtype=DTYPE, device=DEVICE)
assert x.nbytes + w.nbytes + (x @ w).nbytes == cost("mm", (64, 32, 48))[1]
assert x.nbytes + x.nbytes + (x + x).nbytes == cost("add", (64, 32))[1]

print(f"{'operation':<27} {'GFLOP':>9} {'MB moved':>9} {'FLOP/byte':>10} {'bound':>8} {'roofline TFLOP/s':>17}")
ridge = PEAK_FLOPS / BANDWIDTH                             # intensity where the two roofs meet
points = []
for name, kind, shape in OPS:
    flops, moved = cost(kind, shape)
    intensity = flops / moved
    attainable = min(PEAK_FLOPS, BANDWIDTH * intensity)
    points.append((name, intensity, attainable))
    print(f"{name:<27} {flops / 1e9:>9.3f} {moved / 1e6:>9.1f} {intensity:>10.2f} "
          f"{'memory' if intensity < ridge else 'compute':>8} {attainable / 1e12:>17.1f}")
print(f"ridge point: {PEAK_FLOPS / 1e12:.1f} TFLOP/s / {BANDWIDTH / 1e12:.2f} TB/s = {ridge:.1f} FLOP/byte")
assert abs(points[4][1] - 1024 / 3) < 1e-9                  # square bf16 matmul: n/3 FLOP per byte

# Host <-> device: a copy from CPU memory to the GPU crosses PCIe in ONE direction.
raw_one_way = PCIE_LANE_RATE * PCIE_LANES / 8               # bytes/s per direction, before encoding
one_way = raw_one_way * PCIE_ENCODING                       # what the line code leaves for data
assert 2 * raw_one_way == PCIE_DATASHEET                    # the datasheet adds both directions
ratio = BANDWIDTH / one_way
assert 50 < ratio < 60, ratio                               # not the ~25x that 128 GB/s would suggest
print()
print("== host <-> device over PCIe Gen5 x16, against HBM3 ==")
print(f"{'one direction, raw':<28} {PCIE_LANE_RATE / 1e9:.0f} GT/s x {PCIE_LANES} lanes / 8 = "
      f"{raw_one_way / 1e9:.1f} GB/s")
print(f"{'one direction, 128b/130b':<28} {one_way / 1e9:.1f} GB/s")
print(f"{'both directions (datasheet)':<28} {PCIE_DATASHEET / 1e9:.0f} GB/s")
print(f"{'HBM3 / PCIe one direction':<28} {ratio:.1f}x")
weights = f"LLaMA-7B bf16 ({WEIGHTS_BYTES / 1e9:.1f} GB)"
print(f"{weights:<28} {WEIGHTS_BYTES / BANDWIDTH * 1e3:.1f} ms to read from HBM, "
      f"{WEIGHTS_BYTES / one_way * 1e3:.0f} ms to copy over PCIe")

xs = torch.logspace(-1.5, 4.5, 200).tolist()
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.loglog(xs, [min(PEAK_FLOPS, BANDWIDTH * x) / 1e12 for x in xs], color="black", label="roofline, H100 SXM BF16")
for (name, intensity, attainable), marker in zip(points, "os^vD<>"):
    ax.loglog(intensity, attainable / 1e12, marker, label=name)
ax.axvline(ridge, color="gray", linestyle=":", linewidth=1)
ax.text(ridge / 1.5, 2e3, "memory-bound", ha="right", fontsize=8)
ax.text(ridge * 1.5, 2e3, "compute-bound", ha="left", fontsize=8)
ax.set(xlabel="arithmetic intensity (FLOP/byte)", ylabel="attainable TFLOP/s", ylim=(0.05, 5e3),
       title="roofline: min(peak, bandwidth x intensity)")
ax.legend(fontsize=7, loc="lower right")
ax.grid(True, which="major", alpha=0.3)
fig.tight_layout()
fig.savefig(OUT_DIR / "hardware_roofline.svg", metadata={"Date": None})
print("figure: hardware_roofline.svg")
