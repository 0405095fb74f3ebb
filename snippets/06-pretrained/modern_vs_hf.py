"""A LLaMA-style decoder written from scratch equals Hugging Face LlamaForCausalLM (and, with QK-norm, Qwen3).

Look at: our cos/sin tables equal the library's LlamaRotaryEmbedding (rope_theta 500000, as in Llama 3);
our RMSNorm, RoPE, grouped-query attention (4 query heads share 2 key/value heads), SwiGLU MLP and
pre-norm residuals give the same logits as LlamaForCausalLM built from a tiny LlamaConfig with our
weights copied in; adding one RMSNorm per head on q and k (QK-norm) gives Qwen3ForCausalLM. The last
lines count the parameters of each part, the same arithmetic that sizes a real model.
"""
import math

import torch
import torch.nn.functional as F
from transformers import LlamaConfig, LlamaForCausalLM, Qwen3Config, Qwen3ForCausalLM
from transformers.utils import logging

VOCAB, D, N_LAYER = 128, 64, 2          # a tiny LLaMA
N_HEAD, N_KV_HEAD, HEAD = 4, 2, 16      # grouped-query attention: 2 query heads per key/value head
D_FF = 176                              # SwiGLU width (Llama 3 8B: 14336 for d = 4096)
ROPE_THETA, EPS = 500000.0, 1e-5        # Llama 3's RoPE base and RMSNorm epsilon
BATCH, SEQ_LEN = 2, 10
ATOL = 1e-5                             # float32: we print the power of ten above the difference

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
GROUP = N_HEAD // N_KV_HEAD
logging.set_verbosity_error()


def rand(*shape, std=0.2):
    return (torch.randn(*shape) * std).to(DEVICE)


# Our weights, named as Llama names them; nn.Linear stores [out, in]: y = x @ W.T (no biases).
W = {"embed": rand(VOCAB, D, std=1.0), "norm": 1 + rand(D), "lm_head": rand(VOCAB, D)}
for i in range(N_LAYER):
    W.update({f"{i}.in_norm": 1 + rand(D), f"{i}.post_norm": 1 + rand(D),
              f"{i}.q": rand(N_HEAD * HEAD, D), f"{i}.k": rand(N_KV_HEAD * HEAD, D),
              f"{i}.v": rand(N_KV_HEAD * HEAD, D), f"{i}.o": rand(D, N_HEAD * HEAD),
              f"{i}.gate": rand(D_FF, D), f"{i}.up": rand(D_FF, D), f"{i}.down": rand(D, D_FF),
              f"{i}.q_norm": 1 + rand(HEAD), f"{i}.k_norm": 1 + rand(HEAD)})     # used by Qwen3 only


def rms_norm(x, weight):
    # x / sqrt(mean(x^2) + eps) * g: no mean subtraction, no bias (LayerNorm has both)
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * weight


def rope_tables(positions):
    inv_freq = 1.0 / ROPE_THETA ** (torch.arange(0, HEAD, 2, dtype=torch.float32) / HEAD)  # theta_i
    angles = positions[:, None].float() * inv_freq.to(positions.device)     # [T, HEAD/2]: m * theta_i
    angles = torch.cat([angles, angles], dim=-1)                             # [T, HEAD]
    return angles.cos(), angles.sin()


def rope(x, cos, sin):
    # Hugging Face pairs dimension i with i + HEAD/2 ("rotate half"), not 2i with 2i+1
    x1, x2 = x[..., :HEAD // 2], x[..., HEAD // 2:]
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


def llama(ids, qk_norm=False):
    B, T = ids.shape
    cos, sin = rope_tables(torch.arange(T, device=DEVICE))
    causal = torch.ones(T, T, dtype=torch.bool, device=DEVICE).tril()
    x = W["embed"][ids]                                                      # no position embedding
    for i in range(N_LAYER):
        h = rms_norm(x, W[f"{i}.in_norm"])                                   # pre-norm
        q = (h @ W[f"{i}.q"].T).view(B, T, N_HEAD, HEAD).transpose(1, 2)     # [B, 4, T, 16]
        k = (h @ W[f"{i}.k"].T).view(B, T, N_KV_HEAD, HEAD).transpose(1, 2)  # [B, 2, T, 16]
        v = (h @ W[f"{i}.v"].T).view(B, T, N_KV_HEAD, HEAD).transpose(1, 2)
        if qk_norm:                                                          # Qwen3: RMSNorm per head
            q, k = rms_norm(q, W[f"{i}.q_norm"]), rms_norm(k, W[f"{i}.k_norm"])
        q, k = rope(q, cos, sin), rope(k, cos, sin)                          # positions enter here
        k = k.repeat_interleave(GROUP, dim=1)                                # [B, 4, T, 16]: head j
        v = v.repeat_interleave(GROUP, dim=1)                                #   uses kv head j // GROUP
        scores = (q @ k.transpose(-2, -1)) / HEAD ** 0.5                     # [B, 4, T, T]
        att = scores.masked_fill(~causal, float("-inf")).softmax(-1) @ v     # [B, 4, T, 16]
        x = x + att.transpose(1, 2).reshape(B, T, -1) @ W[f"{i}.o"].T        # residual
        h = rms_norm(x, W[f"{i}.post_norm"])
        x = x + (F.silu(h @ W[f"{i}.gate"].T) * (h @ W[f"{i}.up"].T)) @ W[f"{i}.down"].T   # SwiGLU
    return rms_norm(x, W["norm"]) @ W["lm_head"].T                           # [B, T, VOCAB]


def copy_weights(model, qk_norm=False):
    state = {"model.embed_tokens.weight": W["embed"], "model.norm.weight": W["norm"],
             "lm_head.weight": W["lm_head"]}
    names = {"in_norm": "input_layernorm", "post_norm": "post_attention_layernorm",
             "q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj",
             "o": "self_attn.o_proj", "gate": "mlp.gate_proj", "up": "mlp.up_proj", "down": "mlp.down_proj",
             "q_norm": "self_attn.q_norm", "k_norm": "self_attn.k_norm"}
    for name, t in W.items():
        layer, _, rest = name.partition(".")
        if layer.isdigit() and (qk_norm or rest not in ("q_norm", "k_norm")):
            state[f"model.layers.{layer}.{names[rest]}.weight"] = t
    model.load_state_dict(state)                     # strict: every parameter is set
    return model


shape = dict(vocab_size=VOCAB, hidden_size=D, intermediate_size=D_FF, num_hidden_layers=N_LAYER,
             num_attention_heads=N_HEAD, num_key_value_heads=N_KV_HEAD, head_dim=HEAD, rms_norm_eps=EPS,
             max_position_embeddings=64, rope_parameters={"rope_type": "default", "rope_theta": ROPE_THETA},
             tie_word_embeddings=False)
llama_hf = copy_weights(LlamaForCausalLM(LlamaConfig(**shape)).to(DEVICE).eval())
qwen_hf = copy_weights(Qwen3ForCausalLM(Qwen3Config(**shape)).to(DEVICE).eval(), qk_norm=True)
ids = torch.randint(0, VOCAB, (BATCH, SEQ_LEN)).to(DEVICE)     # drawn on the CPU: same on any device

print("== RoPE tables: ours vs LlamaRotaryEmbedding (rope_theta 500000) ==")
pos = torch.arange(SEQ_LEN, device=DEVICE)
cos, sin = rope_tables(pos)
cos_hf, sin_hf = llama_hf.model.rotary_emb(W["embed"][ids], pos[None])
d_rope = max((cos - cos_hf[0]).abs().max().item(), (sin - sin_hf[0]).abs().max().item())
assert d_rope < 1e-6
print(f"cos/sin shape          : {list(cos.shape)} [positions, head_dim]")
print(f"max |ours - library|   : {d_rope:.1e}")

print("\n== logits [batch, seq_len, vocab] ==")
with torch.no_grad():
    for label, model, qk in [("LlamaForCausalLM", llama_hf, False), ("Qwen3ForCausalLM", qwen_hf, True)]:
        mine, theirs = llama(ids, qk_norm=qk), model(ids).logits
        assert torch.allclose(mine, theirs, atol=ATOL, rtol=0)
        bound = 10 ** math.ceil(math.log10((mine - theirs).abs().max().item()))   # float32 rounding
        print(f"{label:22} : max |ours - library| < {bound:.0e}")
    d_qk = (llama(ids) - llama(ids, qk_norm=True)).abs().max().item()
print(f"QK-norm changes logits : by up to {d_qk:.2f} (so the check above is not vacuous)")

print("\n== parameters per layer, from the shapes ==")
attn = D * N_HEAD * HEAD + 2 * D * N_KV_HEAD * HEAD + N_HEAD * HEAD * D    # q, k, v (GQA), o
mlp = 3 * D * D_FF                                                         # gate, up, down
per_layer = attn + mlp + 2 * D                                             # + two RMSNorm gains
total = 2 * VOCAB * D + N_LAYER * per_layer + D                            # embed + lm_head (untied)
n_lib = sum(p.numel() for p in llama_hf.parameters())
assert total == n_lib
print(f"attention q,k,v,o      : {attn:,}  (k and v are {N_KV_HEAD}/{N_HEAD} the size of q)")
print(f"SwiGLU gate,up,down    : {mlp:,}")
print(f"two RMSNorm gains      : {2 * D:,}")
print(f"whole model, formula   : {total:,}")
print(f"whole model, library   : {n_lib:,}")
