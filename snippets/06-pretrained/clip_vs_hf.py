"""CLIP's softmax loss and SigLIP's sigmoid loss, written by hand, equal the losses of CLIPModel and SiglipModel.

Look at: a tiny CLIPModel and a tiny SiglipModel (random weights, built from configs, nothing
downloaded) run on one batch of 8 image-caption pairs with return_loss=True. From the embeddings and
the logit scale (and bias) they return, we recompute each loss ourselves: the max differences are
~1e-15. SigLIP sums the n^2 pairwise terms and divides by n, not by n^2: the program prints both. The
last table splits SigLIP's loss into blocks of the similarity matrix, as a device would compute its own
share, and the blocks add up to the whole; CLIP's softmax needs the whole row and cannot be split so.
"""
import math

import torch
import torch.nn.functional as F
from transformers import CLIPConfig, CLIPModel, SiglipConfig, SiglipModel
from transformers.utils import logging

BATCH, SEQ_LEN, VOCAB = 8, 7, 64          # 8 pairs, captions of 7 token ids
IMAGE, PATCH = 32, 8                      # 32x32 RGB images in 8x8 patches: 16 patch tokens
TINY = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4)
SIGLIP_SCALE, SIGLIP_BIAS = math.log(10), -10.0   # SigLIP paper's initial t' = log 10 and b = -10
BLOCKS = 4                                # SigLIP: pretend 4 devices each hold 2 pairs
ATOL = 1e-12

torch.manual_seed(0)
torch.set_num_threads(1)                  # same rounding on any machine: the printed differences
                                          # depend on summation order
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
logging.set_verbosity_error()             # quiet the library's notices

pixels = torch.randn(BATCH, 3, IMAGE, IMAGE, dtype=DTYPE).to(DEVICE)   # drawn on the CPU: same anywhere
ids = torch.randint(1, VOCAB - 1, (BATCH, SEQ_LEN))
ids[:, -1] = VOCAB - 1                    # end-of-text token last: CLIP pools the text at that position
ids = ids.to(DEVICE)
labels = torch.arange(BATCH, device=DEVICE)   # pair i is (image i, caption i): the diagonal

print(f"== CLIP: CLIPModel(return_loss=True) on {BATCH} pairs ==")
config = CLIPConfig(
    text_config=dict(vocab_size=VOCAB, max_position_embeddings=SEQ_LEN, eos_token_id=VOCAB - 1, **TINY),
    vision_config=dict(image_size=IMAGE, patch_size=PATCH, **TINY), projection_dim=16)
clip = CLIPModel(config).to(DEVICE, DTYPE).eval()
with torch.no_grad():
    out = clip(input_ids=ids, pixel_values=pixels, return_loss=True)
img, txt = out.image_embeds, out.text_embeds                 # [8, 16] each, already unit length
scale = clip.logit_scale.exp()                               # exp(2.6592) = 14.2849, about 1/0.07
logits = scale * img @ txt.T                                 # [8 images, 8 captions]
mine = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
assert torch.allclose(logits, out.logits_per_image, atol=ATOL, rtol=0)
assert torch.allclose(mine, out.loss, atol=ATOL, rtol=0)
print(f"embedding norms       : {img.norm(dim=-1).min().item():.6f} to {img.norm(dim=-1).max().item():.6f}")
print(f"logit_scale (init)    : {clip.logit_scale.item():.4f}  exp = {scale.item():.4f} ≈ 1/{1 / scale.item():.4f}")
print(f"loss, ours            : {mine.item():.6f}")
print(f"loss, CLIPModel       : {out.loss.item():.6f}")
print(f"max |logits diff|     : {(logits - out.logits_per_image).abs().max().item():.1e}")
print(f"|loss diff|           : {(mine - out.loss).abs().item():.1e}")
print(f"ln {BATCH} (uniform)        : {math.log(BATCH):.6f}")

print(f"\n== SigLIP: SiglipModel(return_loss=True) on {BATCH} pairs ==")
config = SiglipConfig(text_config=dict(vocab_size=VOCAB, max_position_embeddings=SEQ_LEN, **TINY),
                      vision_config=dict(image_size=IMAGE, patch_size=PATCH, **TINY))
siglip = SiglipModel(config).to(DEVICE, DTYPE).eval()
with torch.no_grad():
    siglip.logit_scale.fill_(SIGLIP_SCALE)                   # the library initialises both to 0
    siglip.logit_bias.fill_(SIGLIP_BIAS)
    out = siglip(input_ids=ids, pixel_values=pixels, return_loss=True)
img, txt = out.image_embeds, out.text_embeds
logits = txt @ img.T * siglip.logit_scale.exp() + siglip.logit_bias    # [8 captions, 8 images]
z = 2 * torch.eye(BATCH, dtype=DTYPE, device=DEVICE) - 1               # +1 on the diagonal, -1 elsewhere
terms = -F.logsigmoid(z * logits)                                      # one binary loss per pair
mine = terms.sum() / BATCH                                             # sum of n^2 terms, divided by n
bce = F.binary_cross_entropy_with_logits(logits, (z + 1) / 2, reduction="sum") / BATCH
assert torch.allclose(logits, out.logits_per_text, atol=ATOL, rtol=0)
assert torch.allclose(mine, out.loss, atol=ATOL, rtol=0) and torch.allclose(bce, mine, atol=ATOL, rtol=0)
print(f"logit_scale, bias     : {siglip.logit_scale.item():.4f} (exp = {siglip.logit_scale.exp().item():.1f}), "
      f"{siglip.logit_bias.item():.1f}")
print(f"loss, ours            : {mine.item():.6f}")
print(f"loss, BCE with logits : {bce.item():.6f}")
print(f"loss, SiglipModel     : {out.loss.item():.6f}")
print(f"|loss diff|           : {(mine - out.loss).abs().item():.1e}")
print(f"mean over all n^2     : {terms.mean().item():.6f}  (not what the library computes)")
neg = terms.sum() - terms.diagonal().sum()
print(f"negative pairs' part  : {(neg / BATCH).item():.6f}  ({BATCH * BATCH - BATCH} of {BATCH * BATCH} pairs; "
      f"bias -10 makes them cheap at the start)")

print(f"\n== SigLIP's loss splits into blocks ({BLOCKS} x {BLOCKS} blocks of {BATCH // BLOCKS} x {BATCH // BLOCKS}) ==")
chunk = BATCH // BLOCKS
blocks = torch.zeros(BLOCKS, BLOCKS, dtype=DTYPE)
for b in range(BLOCKS):                   # "device" b holds images b*chunk..; caption blocks a are passed to it
    for a in range(BLOCKS):
        t, i = txt[a * chunk:(a + 1) * chunk], img[b * chunk:(b + 1) * chunk]
        lg = t @ i.T * siglip.logit_scale.exp() + siglip.logit_bias
        zz = 2 * (a == b) * torch.eye(chunk, dtype=DTYPE, device=DEVICE) - 1
        blocks[a, b] = -F.logsigmoid(zz * lg).sum() / BATCH
assert torch.allclose(blocks.sum(), out.loss.cpu(), atol=ATOL, rtol=0)
print("block losses (rows: caption blocks, columns: image blocks):")
for a in range(BLOCKS):
    print("   " + "".join(f"{blocks[a, b].item():9.4f}" for b in range(BLOCKS)))
print(f"sum of blocks         : {blocks.sum().item():.6f}")
print(f"whole matrix          : {out.loss.item():.6f}")
