"""Why fast matmul kernels work in tiles: reusing data in on-chip memory cuts global-memory traffic.

Both kernels below compute C = A @ B with one thread block per T x T tile of C, and count every
number they read from or write to global memory (the GPU's DRAM, HBM). In the naive kernel each
thread reads its own row of A and column of B: 2*M*N*K reads, whatever T is. In the tiled kernel a
block copies a T x T tile of A and one of B into shared memory (fast, on-chip), and all T*T threads
use them: 2*M*N*K / T reads. Look at the intensity column: it grows in proportion to T, until the
tile is the whole matrix and each input is read exactly once. The price is shared memory, 2*T*T
numbers per block, and a real GPU has only a few hundred KB of it per multiprocessor.
"""
import torch

M = N = K = 64
TILES = (4, 8, 16, 32, 64)
NAIVE_BLOCK = 8
SEED = 0

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
traffic = {"read": 0, "write": 0}   # numbers moved to and from global memory


def load(x):                         # a read from global memory, counted
    traffic["read"] += x.numel()
    return x


def store(x, rows, cols, values):    # a write to global memory, counted
    traffic["write"] += values.numel()
    x[rows, cols] = values


def naive_kernel(bi, bj, T, A, B, C):
    rows, cols = slice(bi * T, (bi + 1) * T), slice(bj * T, (bj + 1) * T)
    a = load(A[rows].unsqueeze(1).expand(T, T, K))            # thread (i, j) reads row i of A: (T, T, K)
    b = load(B[:, cols].T.unsqueeze(0).expand(T, T, K))       # ... and column j of B:         (T, T, K)
    store(C, rows, cols, (a * b).sum(-1))                      # C[i, j] = sum_k A[i, k] B[k, j]


def tiled_kernel(bi, bj, T, A, B, C):
    rows, cols = slice(bi * T, (bi + 1) * T), slice(bj * T, (bj + 1) * T)
    acc = torch.zeros(T, T, device=DEVICE)                     # each thread's running sum (registers)
    for k0 in range(0, K, T):
        a_shared = load(A[rows, k0:k0 + T]).clone()            # T x T tile of A -> shared memory
        b_shared = load(B[k0:k0 + T, cols]).clone()            # T x T tile of B -> shared memory
        acc += a_shared @ b_shared                             # T*T*T multiply-adds from on-chip data
    store(C, rows, cols, acc)


def launch(kernel, T, A, B):
    traffic.update(read=0, write=0)
    C = torch.full((M, N), float("nan"), device=DEVICE)        # NaN: an entry never written shows up
    for bi in range(M // T):                                   # grid: (M/T) x (N/T) blocks
        for bj in range(N // T):
            kernel(bi, bj, T, A, B, C)
    return C


A, B = torch.randn(M, K, device=DEVICE), torch.randn(K, N, device=DEVICE)
FLOPS, BYTES = 2 * M * N * K, A.element_size()                 # float32: 4 bytes per number
print(f"C = A @ B with M = N = K = {M}, float32: {FLOPS:,} FLOPs")
print(f"{'kernel':<8} {'tile T':>6} {'reads':>9} {'writes':>7} {'FLOP/byte':>10} {'shared bytes/block':>19}")
rows = [("naive", NAIVE_BLOCK)] + [("tiled", T) for T in TILES]
for name, T in rows:
    C = launch(naive_kernel if name == "naive" else tiled_kernel, T, A, B)
    assert torch.allclose(C, A @ B, rtol=1e-5, atol=1e-5)
    expected_reads = 2 * M * N * K if name == "naive" else 2 * M * N * K // T
    assert traffic == {"read": expected_reads, "write": M * N}
    intensity = FLOPS / ((traffic["read"] + traffic["write"]) * BYTES)
    shared = 0 if name == "naive" else 2 * T * T * BYTES
    print(f"{name:<8} {T:>6} {traffic['read']:>9,} {traffic['write']:>7,} {intensity:>10.2f} {shared:>19,}")
assert 2 * M * N * K // M == M * K + K * N                     # T = M: every input number read once
print(f"minimum reads (A and B once): {M * K + K * N:,}")
