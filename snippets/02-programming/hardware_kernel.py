"""What a GPU kernel is: a function written for ONE thread, launched over a grid of thread blocks.

This program imitates the CUDA model on the CPU. add_kernel handles element
i = block_idx * BLOCK + thread_idx; launch() runs it for every block of the grid (the threads of one
block are done together as one tensor operation, as a GPU runs the 32 threads of a warp in lockstep).
Look at: the grid size and the idle threads of the last block (the bounds check); the blocks run in a
shuffled order give the same result, which is why a GPU may schedule them in any order; and fusing
two elementwise kernels into one moves 3N elements to and from global memory instead of 5N.
"""
import math

import torch

N = 1000          # elements (not a multiple of BLOCK on purpose)
BLOCK = 128       # threads per block
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
traffic = {"read": 0, "write": 0}   # elements moved to and from global memory (GPU DRAM)


def load(x, i):
    traffic["read"] += i.numel()
    return x[i]


def store(x, i, values):
    traffic["write"] += i.numel()
    x[i] = values


def add_kernel(block_idx, thread_idx, a, b, out):         # the body one thread runs, for its own i
    i = block_idx * BLOCK + thread_idx                      # global index: (BLOCK,)
    i = i[i < out.numel()]                                  # bounds check: the last block runs past N
    store(out, i, load(a, i) + load(b, i))


def scale_kernel(block_idx, thread_idx, x, out):           # out = 2 * x
    i = block_idx * BLOCK + thread_idx
    i = i[i < out.numel()]
    store(out, i, 2.0 * load(x, i))


def fused_kernel(block_idx, thread_idx, a, b, out):       # out = 2 * (a + b), one pass
    i = block_idx * BLOCK + thread_idx
    i = i[i < out.numel()]
    store(out, i, 2.0 * (load(a, i) + load(b, i)))          # a + b stays in a register


def launch(kernel, grid, *args, order=None):
    """kernel<<<grid, BLOCK>>>(*args): run every block; a GPU runs many blocks at once, in any order."""
    thread_idx = torch.arange(BLOCK, device=DEVICE)         # threadIdx.x of all threads of a block
    for block_idx in order if order is not None else range(grid):
        kernel(block_idx, thread_idx, *args)


a, b = torch.randn(N, device=DEVICE), torch.randn(N, device=DEVICE)
grid = math.ceil(N / BLOCK)                                 # blocks needed to cover N elements
out = torch.full((N,), float("nan"), device=DEVICE)         # NaN: an element never written shows up
launch(add_kernel, grid, a, b, out)
assert torch.equal(out, a + b)

shuffled = torch.full((N,), float("nan"), device=DEVICE)
launch(add_kernel, grid, a, b, shuffled, order=torch.randperm(grid).tolist())
assert torch.equal(shuffled, out)                           # blocks are independent

print("== vector add as a kernel launch ==")
print(f"elements N          : {N}")
print(f"threads per block   : {BLOCK}")
print(f"blocks in the grid  : {grid} = ceil({N} / {BLOCK})")
print(f"threads launched    : {grid * BLOCK} ({grid * BLOCK - N} idle in the last block)")
print(f"equals a + b        : {torch.equal(out, a + b)}")
print(f"blocks shuffled     : {torch.equal(shuffled, out)} (same result)")

print("\n== y = 2 * (a + b): two kernels versus one fused kernel ==")
for name in ("two kernels", "fused"):
    traffic.update(read=0, write=0)
    y = torch.full((N,), float("nan"), device=DEVICE)
    if name == "two kernels":                               # what eager PyTorch does: t = a + b; y = 2 * t
        t = torch.empty(N, device=DEVICE)
        launch(add_kernel, grid, a, b, t)                   # reads 2N, writes N (t goes to global memory)
        launch(scale_kernel, grid, t, y)                    # reads N, writes N
        assert traffic == {"read": 3 * N, "write": 2 * N}
    else:
        launch(fused_kernel, grid, a, b, y)                 # reads 2N, writes N
        assert traffic == {"read": 2 * N, "write": N}
    assert torch.equal(y, 2 * (a + b))
    moved = traffic["read"] + traffic["write"]
    print(f"{name:<12}: read {traffic['read']:>5}  write {traffic['write']:>5}  "
          f"total {moved:>5} elements = {moved * a.element_size():>6} bytes (float32)")
