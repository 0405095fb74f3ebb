"""What a GPU kernel is: a function written for ONE thread, launched over a grid of thread blocks.

This program imitates the CUDA model on the CPU. add_kernel handles element
i = block_idx * BLOCK + thread_idx; launch() runs it for every block of the grid (the threads of one
block are done together as one tensor operation, much as a warp issues one instruction for its 32
threads). Look at: the grid size and the idle threads of the last block (the bounds check); the order
test: the add kernel gives the same result in every block order tried, while a running-sum kernel whose
blocks read each other's output gives wrong elements unless the blocks run in order (so the test can
tell the two apart); and fusing two elementwise kernels into one moves 3N elements to and from global
memory instead of 5N.
"""
import math

import torch

N = 1000          # elements (not a multiple of BLOCK on purpose)
BLOCK = 128       # threads per block
ORDERS = 100      # random block orders tried in the order test
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


def running_sum_kernel(block_idx, thread_idx, a, out):    # out = cumsum(a): blocks DEPEND on each other
    i = block_idx * BLOCK + thread_idx
    i = i[i < out.numel()]
    carry = load(out, i[:1] - 1) if block_idx > 0 else torch.zeros(1, device=DEVICE)  # block b-1's last sum
    store(out, i, carry + torch.cumsum(load(a, i), dim=0))


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

print("== vector add as a kernel launch ==")
print(f"elements N          : {N}")
print(f"threads per block   : {BLOCK}")
print(f"blocks in the grid  : {grid} = ceil({N} / {BLOCK})")
print(f"threads launched    : {grid * BLOCK} ({grid * BLOCK - N} idle in the last block)")
print(f"equals a + b        : {torch.equal(out, a + b)}")

# The order test. This emulator runs one block after another, so it cannot show blocks running at the
# same time; it can show whether the result depends on their order, and it must tell apart a kernel
# whose blocks are independent from one whose blocks read each other's output.
gen = torch.Generator().manual_seed(SEED)
orders = {"in order": list(range(grid)), "reversed": list(range(grid))[::-1]}
orders.update({f"random {k}": torch.randperm(grid, generator=gen).tolist() for k in range(ORDERS)})
reference = {"add": a + b, "running sum": torch.cumsum(a, dim=0)}
wrong = {name: [] for name in reference}                    # wrong elements, one count per order
for order in orders.values():
    for name, kernel, args in (("add", add_kernel, (a, b)), ("running sum", running_sum_kernel, (a,))):
        result = torch.full((N,), float("nan"), device=DEVICE)
        launch(kernel, grid, *args, result, order=order)
        close = torch.isclose(result, reference[name], rtol=1e-5, atol=1e-5)
        wrong[name].append(int((~close).sum()))
assert all(n == 0 for n in wrong["add"])                    # independent blocks: every order works
assert wrong["running sum"][0] == 0                         # dependent blocks: right only in order;
assert wrong["running sum"][1] == N - BLOCK                 # reversed, every block but block 0 is wrong
assert all(n > 0 for n in wrong["running sum"][2:])         # and so is every random order drawn here
print("\n== does the result depend on the order of the blocks? ==")
print(f"{'wrong elements':<14} {'in order':>9} {'reversed':>9}   random orders with errors")
for name, counts in wrong.items():
    print(f"{name:<14} {counts[0]:>9} {counts[1]:>9}   {sum(n > 0 for n in counts[2:]):>3} of {ORDERS}")

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
