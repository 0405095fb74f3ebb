"""Parameters, training compute and KV cache of real 2024-2025 LLMs, from their config.json alone.

Look at: a short formula per part (embedding, q/k/v/o with grouped-query attention and biases, the
three SwiGLU matrices, norms, untied head; MLA and experts for DeepSeek-V3) gives exactly the count of
the library's model built from the same hyper-parameters on the meta device (shapes only: no memory,
nothing downloaded); C = 6*N*D for Llama 3; and the KV cache per token for multi-head, grouped-query
and multi-head latent attention, checked against the tensors a library forward pass really caches.
"""
import os
from pathlib import Path

import matplotlib
import torch
from transformers import (AutoModelForCausalLM, DeepseekV3Config, LlamaConfig, Qwen2Config, Qwen3Config)
from transformers.utils import logging

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

BF16 = 2                                 # bytes per parameter or cached number in bfloat16
GiB = 2**30
LONG_CONTEXT = 131072                    # 128K tokens

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
logging.set_verbosity_error()

# Hyper-parameters typed from each model's published config.json on the Hugging Face Hub.
MODELS = {
    # meta-llama/Meta-Llama-3-8B (April 2024)
    "Llama 3 8B": (LlamaConfig, dict(vocab_size=128256, hidden_size=4096, intermediate_size=14336,
                   num_hidden_layers=32, num_attention_heads=32, num_key_value_heads=8,
                   tie_word_embeddings=False)),
    # Qwen/Qwen2.5-7B (September 2024): biases on q, k, v
    "Qwen2.5-7B": (Qwen2Config, dict(vocab_size=152064, hidden_size=3584, intermediate_size=18944,
                   num_hidden_layers=28, num_attention_heads=28, num_key_value_heads=4,
                   tie_word_embeddings=False)),
    # Qwen/Qwen3-8B (April 2025): no biases, QK-norm, head_dim 128 set explicitly
    "Qwen3-8B": (Qwen3Config, dict(vocab_size=151936, hidden_size=4096, intermediate_size=12288,
                 num_hidden_layers=36, num_attention_heads=32, num_key_value_heads=8, head_dim=128,
                 tie_word_embeddings=False)),
    # deepseek-ai/DeepSeek-V3 (December 2024): MLA, 3 dense layers then 58 MoE layers
    "DeepSeek-V3": (DeepseekV3Config, dict(vocab_size=129280, hidden_size=7168, intermediate_size=18432,
                    num_hidden_layers=61, num_attention_heads=128, num_key_value_heads=128,
                    q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64,
                    v_head_dim=128, first_k_dense_replace=3, n_routed_experts=256, n_shared_experts=1,
                    num_experts_per_tok=8, moe_intermediate_size=2048, tie_word_embeddings=False)),
}


def count_dense(c, qkv_bias=False, qk_norm=False):
    """LLaMA-family decoder: returns (total, activated) parameters."""
    d, L, V = c["hidden_size"], c["num_hidden_layers"], c["vocab_size"]
    hd = c.get("head_dim", d // c["num_attention_heads"])
    q, kv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    attn = d * q + 2 * d * kv + q * d                      # W_q, W_k, W_v (GQA: kv < q), W_o
    attn += (q + 2 * kv) * qkv_bias + 2 * hd * qk_norm     # Qwen2.5 biases; Qwen3 per-head q/k norms
    mlp = 3 * d * c["intermediate_size"]                   # gate, up, down
    layer = attn + mlp + 2 * d                             # + two RMSNorm gains
    head = 0 if c["tie_word_embeddings"] else V * d
    total = V * d + L * layer + d + head                   # embedding, layers, final norm, LM head
    return total, total


def count_deepseek(c):
    """MLA attention + MoE (shared expert + routed experts + router): returns (total, activated)."""
    d, L, V, h = c["hidden_size"], c["num_hidden_layers"], c["vocab_size"], c["num_attention_heads"]
    qk = c["qk_nope_head_dim"] + c["qk_rope_head_dim"]
    r_q, r_kv = c["q_lora_rank"], c["kv_lora_rank"]
    attn = (d * r_q + r_q + r_q * h * qk                  # q: down-project, norm, up-project
            + d * (r_kv + c["qk_rope_head_dim"]) + r_kv   # kv: down to the latent (+ shared RoPE key), norm
            + r_kv * h * (c["qk_nope_head_dim"] + c["v_head_dim"])   # latent up to per-head k and v
            + h * c["v_head_dim"] * d)                    # W_o
    dense_mlp = 3 * d * c["intermediate_size"]
    expert = 3 * d * c["moe_intermediate_size"]
    n_e, k_e, n_s = c["n_routed_experts"], c["num_experts_per_tok"], c["n_shared_experts"]
    moe_all = (n_s + n_e) * expert + n_e * d               # experts + router weights
    moe_act = (n_s + k_e) * expert + n_e * d               # a token uses the shared and 8 routed experts
    n_dense = c["first_k_dense_replace"]
    common = 2 * V * d + d + L * (attn + 2 * d) + n_dense * dense_mlp
    return common + (L - n_dense) * moe_all, common + (L - n_dense) * moe_act


print("== parameters: formula vs the library's model on the meta device ==")
print(f"{'model':12} {'formula':>17} {'library':>17} {'activated':>17}")
counts = {}
for name, (cls, c) in MODELS.items():
    if name == "DeepSeek-V3":
        total, active = count_deepseek(c)
    else:
        total, active = count_dense(c, qkv_bias=name == "Qwen2.5-7B", qk_norm=name == "Qwen3-8B")
    with torch.device("meta"):                             # shapes only, no memory allocated
        model = AutoModelForCausalLM.from_config(cls(**c))
    n_lib = sum(p.numel() for p in model.parameters())
    assert total == n_lib, (name, total, n_lib)
    counts[name] = total
    print(f"{name:12} {total:17,} {n_lib:17,} {active:17,}")

print("\n== memory for the weights alone ==")
for name, n in counts.items():
    print(f"{name:12} bf16 weights {n * BF16 / 1e9:8.1f} GB   "
          f"training with Adam (16 bytes/param) {n * 16 / 1e9:9.1f} GB")

print("\n== training compute C = 6 N D ==")
runs = [("Llama 3 8B", counts["Llama 3 8B"], 15e12),       # "over 15T tokens" (model card)
        ("Llama 3 405B", 405e9, 15.6e12)]                  # 15.6T tokens, 3.8e25 FLOPs (Llama 3 paper)
for name, n, tokens in runs:
    print(f"{name:12} N = {n:.3g}  D = {tokens:.3g} tokens  C = {6 * n * tokens:.2e} FLOPs  "
          f"tokens/param = {tokens / n:,.0f}  (Chinchilla: 20)")

print("\n== KV cache per token: the library's cached tensors vs the formula ==")
tiny = dict(vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=8)                      # head_dim = 64 / 8 = 8
variants = {
    "MHA (8 kv heads)": (LlamaConfig, dict(tiny, num_key_value_heads=8), 2 * 8 * 8),
    "GQA (2 kv heads)": (LlamaConfig, dict(tiny, num_key_value_heads=2), 2 * 2 * 8),
    "MLA (latent 16+4)": (DeepseekV3Config, dict(tiny, num_key_value_heads=8, q_lora_rank=32,
                          kv_lora_rank=16, qk_nope_head_dim=8, qk_rope_head_dim=4, v_head_dim=8,
                          first_k_dense_replace=2, n_routed_experts=4, n_group=1, topk_group=1), 16 + 4),
}
T = 7
ids = torch.randint(0, 64, (1, T)).to(DEVICE)
for name, (cls, c, per_layer) in variants.items():
    model = AutoModelForCausalLM.from_config(cls(**c)).to(DEVICE).eval()
    with torch.no_grad():
        cache = model(ids, use_cache=True).cache
    cached = sum(layer.keys.numel() + layer.values.numel() for layer in cache.layers)
    positions = T * c["num_hidden_layers"]                 # tokens times layers
    assert cached == positions * per_layer
    print(f"{name:18} cached numbers per token per layer: {cached // positions:3d}  (formula {per_layer})")

print(f"\n== KV cache of the real shapes, bf16, per token and at {LONG_CONTEXT:,} tokens ==")
L3 = MODELS["Llama 3 8B"][1]
V3 = MODELS["DeepSeek-V3"][1]
l3_hd = L3["hidden_size"] // L3["num_attention_heads"]                    # 128
v3_qk = V3["qk_nope_head_dim"] + V3["qk_rope_head_dim"]                   # k: 128 + 64
shapes = {  # numbers cached per token, all layers
    "Llama 3 8B shape, MHA": L3["num_hidden_layers"] * 2 * L3["num_attention_heads"] * l3_hd,
    "Llama 3 8B, GQA (real)": L3["num_hidden_layers"] * 2 * L3["num_key_value_heads"] * l3_hd,
    "DeepSeek-V3 shape, MHA": (V3["num_hidden_layers"] * V3["num_attention_heads"]
                               * (v3_qk + V3["v_head_dim"])),                 # v: 128
    "DeepSeek-V3, MLA (real)": V3["num_hidden_layers"] * (V3["kv_lora_rank"] + V3["qk_rope_head_dim"]),
}
for name, n in shapes.items():
    print(f"{name:24} {n * BF16 / 1024:9.1f} KiB/token  {n * BF16 * LONG_CONTEXT / GiB:8.1f} GiB")

ctx = [2**k for k in range(10, 18)]
fig, ax = plt.subplots(figsize=(6, 4))
for (name, n), style in zip(shapes.items(), ["C0--", "C0-", "C3--", "C3-"]):
    ax.plot(ctx, [n * BF16 * t / GiB for t in ctx], style, marker="o", ms=3, label=name)
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("context length (tokens)")
ax.set_ylabel("KV cache per sequence (GiB, bf16)")
ax.set_title("KV cache: multi-head vs grouped-query vs latent")
ax.grid(True, which="major", alpha=0.3)
ax.legend(fontsize=8)
fig.tight_layout()
plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig.savefig(OUT_DIR / "modern_kv_cache.svg", metadata={"Date": None})
print("figure: modern_kv_cache.svg")
