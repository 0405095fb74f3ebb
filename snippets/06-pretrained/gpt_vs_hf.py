"""A GPT written from scratch equals Hugging Face GPT2LMHeadModel, and its KV cache changes nothing.

Look at: the logits of our model and of the library's model (same tiny config, weights copied) agree
to ~1e-15; the teacher-forced loss (predict token t+1 from tokens <= t, all positions at once) is the
same number both ways; greedy generation with a KV cache picks exactly the tokens of generation without
one, while running far fewer positions through the model, and matches model.generate(do_sample=False).
"""
import math

import torch
import torch.nn.functional as F
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.utils import logging

VOCAB, N_POS, D, N_HEAD, N_LAYER = 100, 64, 32, 4, 2   # a tiny GPT-2
BATCH, SEQ_LEN = 2, 12                                # for the logits and loss checks
PROMPT_LEN, NEW_TOKENS = 5, 20                        # for generation
INIT_STD = 0.3                                        # large enough that tokens differ clearly
ATOL = 1e-10

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
HEAD = D // N_HEAD
logging.set_verbosity_error()                         # quiet the library's notices


def rand(*shape):
    return (torch.randn(*shape, dtype=DTYPE) * INIT_STD).to(DEVICE)


# Our weights, named as GPT-2 names them. Linear maps are stored [in, out] (GPT-2's Conv1D): y = x @ W + b.
W = {"wte": rand(VOCAB, D), "wpe": rand(N_POS, D), "ln_f.w": 1 + rand(D), "ln_f.b": rand(D)}
for i in range(N_LAYER):
    W.update({f"{i}.ln_1.w": 1 + rand(D), f"{i}.ln_1.b": rand(D),
              f"{i}.c_attn.w": rand(D, 3 * D), f"{i}.c_attn.b": rand(3 * D),    # q, k, v in one matrix
              f"{i}.attn_proj.w": rand(D, D), f"{i}.attn_proj.b": rand(D),
              f"{i}.ln_2.w": 1 + rand(D), f"{i}.ln_2.b": rand(D),
              f"{i}.c_fc.w": rand(D, 4 * D), f"{i}.c_fc.b": rand(4 * D),
              f"{i}.mlp_proj.w": rand(4 * D, D), f"{i}.mlp_proj.b": rand(D)})


def heads(x):                      # [B, T, D] -> [B, h, T, d_head]
    return x.view(x.size(0), x.size(1), N_HEAD, HEAD).transpose(1, 2)


def gpt(ids, cache=None):
    """ids: [B, T] new tokens; cache: per layer (k, v) of the earlier tokens. Returns logits, cache."""
    past = 0 if cache is None else cache[0][0].size(2)              # tokens already in the cache
    T = ids.size(1)
    x = W["wte"][ids] + W["wpe"][past:past + T]                     # token + position embedding [B, T, D]
    new_cache = []
    for i in range(N_LAYER):
        h = F.layer_norm(x, (D,), W[f"{i}.ln_1.w"], W[f"{i}.ln_1.b"], 1e-5)          # pre-norm
        q, k, v = (h @ W[f"{i}.c_attn.w"] + W[f"{i}.c_attn.b"]).split(D, dim=-1)
        q, k, v = heads(q), heads(k), heads(v)                                      # [B, h, T, d_head]
        if cache is not None:                                       # keys/values of earlier tokens
            k = torch.cat([cache[i][0], k], dim=2)                  # [B, h, past+T, d_head]
            v = torch.cat([cache[i][1], v], dim=2)
        new_cache.append((k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(HEAD)          # [B, h, T, past+T]
        # causal mask: new token t (absolute position past+t) sees keys 0..past+t
        allowed = torch.ones(T, past + T, dtype=torch.bool, device=DEVICE).tril(diagonal=past)
        scores = scores.masked_fill(~allowed, float("-inf"))
        att = torch.softmax(scores, dim=-1) @ v                     # [B, h, T, d_head]
        att = att.transpose(1, 2).reshape(x.shape)                  # concatenate heads [B, T, D]
        x = x + att @ W[f"{i}.attn_proj.w"] + W[f"{i}.attn_proj.b"]                   # residual
        h = F.layer_norm(x, (D,), W[f"{i}.ln_2.w"], W[f"{i}.ln_2.b"], 1e-5)
        h = F.gelu(h @ W[f"{i}.c_fc.w"] + W[f"{i}.c_fc.b"], approximate="tanh")      # GPT-2's gelu_new
        x = x + h @ W[f"{i}.mlp_proj.w"] + W[f"{i}.mlp_proj.b"]
    x = F.layer_norm(x, (D,), W["ln_f.w"], W["ln_f.b"], 1e-5)
    return x @ W["wte"].T, new_cache                                # LM head tied to wte: [B, T, VOCAB]


# The library's model from a config (random init), then our weights copied in.
config = GPT2Config(vocab_size=VOCAB, n_positions=N_POS, n_embd=D, n_layer=N_LAYER, n_head=N_HEAD,
                    resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=0, eos_token_id=0)
model = GPT2LMHeadModel(config).to(DEVICE, DTYPE).eval()
hf_names = {"ln_1.w": "ln_1.weight", "ln_1.b": "ln_1.bias", "c_attn.w": "attn.c_attn.weight",
            "c_attn.b": "attn.c_attn.bias", "attn_proj.w": "attn.c_proj.weight",
            "attn_proj.b": "attn.c_proj.bias", "ln_2.w": "ln_2.weight", "ln_2.b": "ln_2.bias",
            "c_fc.w": "mlp.c_fc.weight", "c_fc.b": "mlp.c_fc.bias", "mlp_proj.w": "mlp.c_proj.weight",
            "mlp_proj.b": "mlp.c_proj.bias"}
state = {"transformer.wte.weight": W["wte"], "transformer.wpe.weight": W["wpe"],
         "transformer.ln_f.weight": W["ln_f.w"], "transformer.ln_f.bias": W["ln_f.b"],
         "lm_head.weight": W["wte"]}
for name, t in W.items():
    layer, _, rest = name.partition(".")
    if layer.isdigit():
        state[f"transformer.h.{layer}.{hf_names[rest]}"] = t
model.load_state_dict(state)       # strict: every parameter of the library's model is set

print("== one forward pass: logits [batch, seq_len, vocab] ==")
ids = torch.randint(0, VOCAB, (BATCH, SEQ_LEN)).to(DEVICE)   # drawn on the CPU: same on any device
with torch.no_grad():
    mine, _ = gpt(ids)
    out = model(ids, labels=ids)   # the library shifts the labels itself
diff = (mine - out.logits).abs().max().item()
assert torch.allclose(mine, out.logits, atol=ATOL, rtol=0)
print(f"logits shape          : {list(mine.shape)}")
print(f"max |ours - library|  : {diff:.1e}")

print("\n== teacher forcing: every position predicts the next token, in one pass ==")
# position t sees tokens 0..t (causal mask) and is scored on token t+1: shift by one
loss = F.cross_entropy(mine[:, :-1].reshape(-1, VOCAB), ids[:, 1:].reshape(-1))
assert abs(loss.item() - out.loss.item()) < 1e-6     # the library computes its loss in float32
print(f"predictions scored    : {BATCH} x {SEQ_LEN - 1} = {BATCH * (SEQ_LEN - 1)}")
print(f"loss, ours            : {loss.item():.6f}")
print(f"loss, library         : {out.loss.item():.6f}")
print(f"uniform guess, ln V   : {math.log(VOCAB):.6f}")

print(f"\n== greedy generation: {PROMPT_LEN}-token prompt, {NEW_TOKENS} new tokens ==")
prompt = torch.randint(0, VOCAB, (1, PROMPT_LEN)).to(DEVICE)   # drawn on the CPU: same on any device
with torch.no_grad():
    seq, rows_no_cache = prompt, 0
    for _ in range(NEW_TOKENS):                    # no cache: rerun the whole sequence every step
        logits, _ = gpt(seq)
        rows_no_cache += seq.size(1)
        seq = torch.cat([seq, logits[:, -1].argmax(-1, keepdim=True)], dim=1)
    no_cache = seq[0, PROMPT_LEN:].tolist()

    logits, cache = gpt(prompt)                    # prefill: the prompt once, fills the cache
    rows_cache, new = PROMPT_LEN, []
    for step in range(NEW_TOKENS):                 # decode: one new token per step
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        new.append(nxt.item())
        if step < NEW_TOKENS - 1:
            logits, cache = gpt(nxt, cache)
            rows_cache += 1
    library = model.generate(prompt, do_sample=False, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                             eos_token_id=None, pad_token_id=0)[0, PROMPT_LEN:].tolist()
assert no_cache == new == library
print(f"prompt                : {prompt[0].tolist()}")
print(f"no cache              : {no_cache}")
print(f"KV cache              : {new}")
print(f"model.generate        : {library}")
print("identical             : yes")
print(f"positions, no cache   : {rows_no_cache}")
print(f"positions, KV cache   : {rows_cache}")
k0 = cache[0][0]
print(f"cache per layer       : k and v, each {list(k0.shape)} [batch, heads, tokens, d_head]")
