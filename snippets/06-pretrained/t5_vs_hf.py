"""A T5 written from scratch equals Hugging Face T5ForConditionalGeneration, bucketed relative positions included.

Look at: the bucket table (every distance below 8 (encoder) or 16 (decoder) has its own bucket, farther
ones share log-spaced buckets, the last from 91 (decoder: 113) on, all beyond 128 included; the encoder tells left from right, the decoder sees only the
past); our bucket function equals the library's for every distance in [-300, 300]; our encoder–decoder
(RMS layer norm without bias, relative bias added to unscaled scores, cross-attention from decoder
queries to encoder keys and values) gives the library's encoder output and logits to ~1e-15, but only
with the library's float32 mean square in the layer norm; the loss with labels= equals our cross-entropy
on decoder inputs shifted right behind the start token (pad, id 0); and the untrained logits are small,
so the loss is close to ln V.
"""
import math

import torch
import torch.nn.functional as F
from transformers import T5Config, T5ForConditionalGeneration
from transformers.models.t5.modeling_t5 import T5Attention
from transformers.utils import logging

VOCAB, D, N_HEAD, D_KV, D_FF, N_LAYER = 64, 32, 4, 8, 64, 2   # a tiny T5
BUCKETS, MAX_DISTANCE = 32, 128                              # T5's defaults
BATCH, SRC_LEN, TGT_LEN = 2, 10, 6
PAD, EOS = 0, 1                                              # T5: pad = decoder start token
INIT_STD = 0.3
ATOL = 1e-10

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
logging.set_verbosity_error()                                # quiet the library's notices


def bucket(distance, bidirectional, num_buckets=BUCKETS, max_distance=MAX_DISTANCE):
    """Bucket of distance = key position - query position, in plain Python."""
    offset = 0
    if bidirectional:                      # half the buckets for keys to the right, half for the left
        num_buckets //= 2
        offset = num_buckets if distance > 0 else 0
        n = abs(distance)
    else:                                  # causal: only the past (distance <= 0) is seen
        n = max(-distance, 0)
    exact = num_buckets // 2               # distances 0 .. exact-1 get a bucket each
    if n < exact:
        return offset + n
    # the other half: log-spaced from exact up to max_distance, then clipped
    log_bucket = exact + int(math.log(n / exact) / math.log(max_distance / exact) * (num_buckets - exact))
    return offset + min(log_bucket, num_buckets - 1)


print("== relative position buckets (32 buckets, max distance 128) ==")
shown = [-200, -128, -64, -32, -16, -8, -7, -3, -1, 0, 1, 3, 7, 8, 16, 32, 64, 128, 200]
print(f"{'key - query':<14}" + "".join(f"{d:>5}" for d in shown))
for name, bidi in [("encoder", True), ("decoder", False)]:
    print(f"{name:<14}" + "".join(f"{bucket(d, bidi):>5}" for d in shown))
distances = torch.arange(-300, 301)
for bidi in (True, False):
    mine = torch.tensor([bucket(d, bidi) for d in distances.tolist()])
    lib = T5Attention._relative_position_bucket(distances, bidirectional=bidi, num_buckets=BUCKETS,
                                                max_distance=MAX_DISTANCE)
    assert torch.equal(mine, lib)
print(f"equal to the library for all {len(distances)} distances, both directions: yes")


def rand(*shape):
    return (torch.randn(*shape, dtype=DTYPE) * INIT_STD).to(DEVICE)


# Our weights, under the library's names. Every linear map is bias-free, stored [out, in] like nn.Linear.
W = {"shared.weight": rand(VOCAB, D)}
for stack in ("encoder", "decoder"):
    W[f"{stack}.final_layer_norm.weight"] = 1 + rand(D)
    W[f"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] = rand(BUCKETS, N_HEAD)
    sublayers = ["SelfAttention", "EncDecAttention"] if stack == "decoder" else ["SelfAttention"]
    for i in range(N_LAYER):
        for j, attn in enumerate(sublayers):
            for p in "qkvo":
                W[f"{stack}.block.{i}.layer.{j}.{attn}.{p}.weight"] = rand(D, D)      # N_HEAD * D_KV = D
            W[f"{stack}.block.{i}.layer.{j}.layer_norm.weight"] = 1 + rand(D)
        j = len(sublayers)
        W[f"{stack}.block.{i}.layer.{j}.DenseReluDense.wi.weight"] = rand(D_FF, D)
        W[f"{stack}.block.{i}.layer.{j}.DenseReluDense.wo.weight"] = rand(D, D_FF)
        W[f"{stack}.block.{i}.layer.{j}.layer_norm.weight"] = 1 + rand(D)


MEAN_SQUARE_DTYPE = torch.float32                            # as the library; set to float64 below to compare


def rms_norm(x, w, eps=1e-6):
    """T5LayerNorm: divide by the root mean square; no mean subtraction, no bias."""
    mean_square = x.to(MEAN_SQUARE_DTYPE).pow(2).mean(-1, keepdim=True)   # the library averages in float32
    return w * (x * torch.rsqrt(mean_square + eps))


def attention(x, kv, p, bias):
    """x: [B, Tq, D] queries; kv: [B, Tk, D] keys and values; bias: [h, Tq, Tk] added to the scores."""
    B, Tq, Tk = x.size(0), x.size(1), kv.size(1)
    q = (x @ W[p + "q.weight"].T).view(B, Tq, N_HEAD, D_KV).transpose(1, 2)    # [B, h, Tq, d_kv]
    k = (kv @ W[p + "k.weight"].T).view(B, Tk, N_HEAD, D_KV).transpose(1, 2)   # [B, h, Tk, d_kv]
    v = (kv @ W[p + "v.weight"].T).view(B, Tk, N_HEAD, D_KV).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) + bias                  # no 1/sqrt(d_kv): T5 folds it into the init
    out = torch.softmax(scores, dim=-1) @ v                  # [B, h, Tq, d_kv]
    return out.transpose(1, 2).reshape(B, Tq, D) @ W[p + "o.weight"].T


def position_bias(stack, Tq, Tk, bidirectional):
    """[h, Tq, Tk]: a learned scalar per head and bucket of (key - query); shared by all layers of a stack."""
    table = W[f"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]   # [buckets, h]
    idx = torch.tensor([[bucket(kj - qi, bidirectional) for kj in range(Tk)] for qi in range(Tq)], device=DEVICE)
    return table[idx].permute(2, 0, 1)


def feed_forward(x, p):
    return F.relu(x @ W[p + "wi.weight"].T) @ W[p + "wo.weight"].T


def t5(src, tgt_in):
    # encoder: bidirectional self-attention; runs once per input
    x = W["shared.weight"][src]                                                  # [B, S, D]
    bias = position_bias("encoder", src.size(1), src.size(1), bidirectional=True)
    for i in range(N_LAYER):
        p = f"encoder.block.{i}.layer."
        h = rms_norm(x, W[p + "0.layer_norm.weight"])
        x = x + attention(h, h, p + "0.SelfAttention.", bias)                  # self-attention: kv = queries' input
        x = x + feed_forward(rms_norm(x, W[p + "1.layer_norm.weight"]), p + "1.DenseReluDense.")
    enc = rms_norm(x, W["encoder.final_layer_norm.weight"])                      # [B, S, D]

    # decoder: causal self-attention, then cross-attention (queries: decoder; keys, values: encoder)
    T = tgt_in.size(1)
    y = W["shared.weight"][tgt_in]                                               # [B, T, D]
    causal = torch.full((T, T), float("-inf"), dtype=DTYPE, device=DEVICE).triu(1)
    self_bias = position_bias("decoder", T, T, bidirectional=False) + causal
    no_bias = torch.zeros(N_HEAD, T, src.size(1), dtype=DTYPE, device=DEVICE)  # cross-attention: no positions
    for i in range(N_LAYER):
        p = f"decoder.block.{i}.layer."
        h = rms_norm(y, W[p + "0.layer_norm.weight"])
        y = y + attention(h, h, p + "0.SelfAttention.", self_bias)
        y = y + attention(rms_norm(y, W[p + "1.layer_norm.weight"]), enc, p + "1.EncDecAttention.", no_bias)
        y = y + feed_forward(rms_norm(y, W[p + "2.layer_norm.weight"]), p + "2.DenseReluDense.")
    y = rms_norm(y, W["decoder.final_layer_norm.weight"])
    return enc, (y * D ** -0.5) @ W["shared.weight"].T       # tied LM head, scaled by 1/sqrt(d_model)


config = T5Config(vocab_size=VOCAB, d_model=D, d_kv=D_KV, num_heads=N_HEAD, d_ff=D_FF, num_layers=N_LAYER,
                  num_decoder_layers=N_LAYER, relative_attention_num_buckets=BUCKETS,
                  relative_attention_max_distance=MAX_DISTANCE, dropout_rate=0.0, feed_forward_proj="relu",
                  pad_token_id=PAD, eos_token_id=EOS, decoder_start_token_id=PAD)
model = T5ForConditionalGeneration(config).to(DEVICE, DTYPE).eval()
state = dict(W)
for name in ("encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight"):
    state[name] = W["shared.weight"]                          # one embedding matrix, used three times
model.load_state_dict(state)                                  # strict: every parameter is set

print(f"\n== tiny T5: {N_LAYER} encoder + {N_LAYER} decoder blocks, d_model {D}, {N_HEAD} heads ==")
src = torch.randint(2, VOCAB, (BATCH, SRC_LEN)).to(DEVICE)    # drawn on the CPU: same on any device
labels = torch.randint(2, VOCAB, (BATCH, TGT_LEN))
labels[:, -1] = EOS
labels[1, -3:] = torch.tensor([EOS, -100, -100])                                         # second target is shorter: positions ignored
labels = labels.to(DEVICE)
# shift right: the decoder reads [start, y1, ..., y_{T-1}] and predicts [y1, ..., y_T]
tgt_in = torch.cat([torch.full((BATCH, 1), PAD, device=DEVICE), labels[:, :-1]], dim=1).masked_fill(
    torch.cat([torch.zeros(BATCH, 1, dtype=torch.bool, device=DEVICE), labels[:, :-1] == -100], 1), PAD)
with torch.no_grad():
    enc, logits = t5(src, tgt_in)
    out = model(input_ids=src, labels=labels)                 # the library shifts the labels itself
print(f"parameters (embedding counted once): {sum(p.numel() for p in model.parameters()):,}")
print(f"labels            : {labels[1].tolist()}")
print(f"decoder inputs    : {tgt_in[1].tolist()}")
print(f"library's shift   : {model._shift_right(labels)[1].tolist()}")
assert torch.equal(tgt_in, model._shift_right(labels))
enc_diff = (enc - out.encoder_last_hidden_state).abs().max().item()
logit_diff = (logits - out.logits).abs().max().item()
assert torch.allclose(enc, out.encoder_last_hidden_state, atol=ATOL, rtol=0)
assert torch.allclose(logits, out.logits, atol=ATOL, rtol=0)
print(f"encoder output    : {list(enc.shape)}   max |ours - library| = {enc_diff:.1e}")
print(f"logits            : {list(logits.shape)}   max |ours - library| = {logit_diff:.1e}")
MEAN_SQUARE_DTYPE = DTYPE                                     # the same model, mean square in float64 throughout
with torch.no_grad():
    enc64, logits64 = t5(src, tgt_in)
MEAN_SQUARE_DTYPE = torch.float32
print(f"mean square in float64 instead of float32: max |ours - library| = "
      f"{(enc64 - out.encoder_last_hidden_state).abs().max().item():.1e} (encoder), "
      f"{(logits64 - out.logits).abs().max().item():.1e} (logits)")

loss = F.cross_entropy(logits.reshape(-1, VOCAB), labels.reshape(-1), ignore_index=-100)
assert abs(loss.item() - out.loss.item()) < 1e-12
print(f"scored positions  : {int((labels != -100).sum())} of {labels.numel()}")
print(f"loss, ours        : {loss.item():.6f}")
print(f"loss, library     : {out.loss.item():.6f}")
print(f"uniform, ln V     : {math.log(VOCAB):.6f}")
scored = labels != -100
print(f"logit std per scored position (mean): {logits[scored].std(-1).mean().item():.2f}")
