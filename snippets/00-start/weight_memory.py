"""The memory a model's weights need is parameters x bytes per number: fp32 4, bf16 2, int8 1.

Part 1 asks PyTorch for the size of one element of each dtype and checks it on a real layer: cast to
each dtype, the bytes of its tensors add up to parameters x bytes per element. int8 also needs a scale
per row to turn integers back into real numbers; the program quantises one weight matrix and checks
the size and the rounding error. Part 2 applies this to published model sizes (1 GB = 10^9 bytes).
Compare the columns with the 80 GB of memory on one large data-centre GPU.
"""
import copy

import torch
from torch import nn

SEED = 0
BYTES = {torch.float32: 4, torch.float16: 2, torch.bfloat16: 2, torch.int8: 1}
ADAM_BYTES = 16     # training with Adam in mixed precision: 2 + 2 (bf16 weights, gradients) + 3 * 4 (fp32 copy, 2 moments)

torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def gpt2_params(vocab, ctx, d, layers):        # learned positions, biases, LayerNorm, tied head, d_ff = 4d
    return vocab * d + ctx * d + layers * (12 * d * d + 13 * d) + 2 * d


def llama_params(vocab, d, layers, d_ff, n_head, n_kv_head):   # no biases, RMSNorm, SwiGLU, untied head
    d_kv = d // n_head * n_kv_head
    return 2 * vocab * d + layers * (2 * d * d + 2 * d * d_kv + 3 * d * d_ff + 2 * d) + d


MODELS = {
    "GPT-2 small": gpt2_params(50257, 1024, 768, 12),
    "GPT-2 XL": gpt2_params(50257, 1024, 1600, 48),
    "LLaMA-7B": llama_params(32000, 4096, 32, 11008, 32, 32),
    "Llama 2 70B": llama_params(32000, 8192, 80, 28672, 64, 8),
    "GPT-3 175B": gpt2_params(50257, 2048, 12288, 96),
}

print("== bytes per element, and a real layer (d_model=64, d_ff=256) in each dtype ==")
layer = nn.TransformerEncoderLayer(64, 4, 256, batch_first=True).to(DEVICE)
n_params = sum(p.numel() for p in layer.parameters())
for dtype, nbytes in BYTES.items():
    assert torch.tensor([], dtype=dtype).element_size() == nbytes
    if dtype.is_floating_point:                              # module.to() casts floating-point tensors only
        cast = copy.deepcopy(layer).to(dtype)
        layer_bytes = sum(p.nbytes for p in cast.parameters())
        assert layer_bytes == n_params * nbytes
        print(f"{str(dtype):<15} {nbytes} bytes/element   {n_params:,} parameters = {layer_bytes:>7,} bytes")
    else:
        print(f"{str(dtype):<15} {nbytes} byte/element    (integers: needs quantisation, below)")

print("\n== int8: one weight matrix, one fp32 scale per row ==")
w = layer.linear1.weight.detach()                            # (256, 64) float32
scale = w.abs().amax(dim=1, keepdim=True) / 127              # (256, 1): the row's largest |w| maps to 127
q = torch.round(w / scale).to(torch.int8)                    # (256, 64) integers in [-127, 127]
w_back = q.float() * scale                                   # dequantised
assert q.nbytes == w.numel() * 1 and w.nbytes == w.numel() * 4
assert torch.all((w - w_back).abs() <= scale / 2 * (1 + 1e-6))   # rounding error: at most half a step
print(f"float32 matrix       : {w.nbytes:>7,} bytes")
print(f"int8 matrix + scales : {q.nbytes:>7,} + {scale.nbytes:,} bytes "
      f"(scales add {scale.nbytes / q.nbytes:.2%} for rows of {w.shape[1]}, {4 / 4096:.2%} for rows of 4096)")
print(f"largest error / step : {((w - w_back).abs() / scale).max().item():.3f}   (a step is the row's scale)")

print("\n== weights only, by dtype; and training with Adam (16 bytes/parameter) ==")
print(f"{'model':<12} {'parameters':>11} {'fp32 GB':>9} {'bf16 GB':>9} {'int8 GB':>9} {'Adam GB':>9}")
for name, n in MODELS.items():
    print(f"{name:<12} {n / 1e9:>10.3f}B {n * 4 / 1e9:>9.2f} {n * 2 / 1e9:>9.2f} {n * 1 / 1e9:>9.2f} "
          f"{n * ADAM_BYTES / 1e9:>9.1f}")
