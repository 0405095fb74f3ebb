"""A toy CLIP: two encoders trained with InfoNCE put images and captions in one space.

Look at: the two ways of writing the loss agree (explicit log-softmax sums over rows and columns
versus F.cross_entropy on logits and logits.T); retrieval accuracy in both directions jumps from
chance to near 100% after training; the learned temperature; zero-shot accuracy on 6 colour-shape
combinations that never appeared in a training pair, classified only by comparing each image with the
prompt "a photo of a {colour} {shape}" of every class. The figure clip_similarity.svg shows the
image-text similarity matrix of one batch before and after training: training makes its diagonal bright.

The synthetic world: an item has a hidden colour (6) and shape (5). Its "image" is a noisy 32-number
vector mixed nonlinearly from the two attributes; its caption is a bag of word ids from one of four
templates ("a red circle", "a photo of a red circle", ...). 24 of the 30 combinations are seen in
training; the other 6 are held out for zero-shot classification.
"""
import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

COLOURS = ["red", "green", "blue", "yellow", "black", "white"]
SHAPES = ["circle", "square", "star", "heart", "arrow"]
TEMPLATES = [["a", "{c}", "{s}"], ["a", "photo", "of", "a", "{c}", "{s}"],
             ["the", "{s}", "is", "{c}"], ["a", "{c}", "{s}", "in", "the", "picture"]]
IMG_DIM, EMB, HIDDEN = 32, 16, 64      # raw "image" size, joint embedding size, encoder width
NOISE = 0.6                            # image noise, relative to the signal
BATCH, STEPS, LR = 64, 300, 3e-3
EVAL_BATCHES = 20                      # retrieval: 20 batches of 24 pairs (one per seen class)
ZS_PER_CLASS = 50                      # zero-shot: 50 fresh images of each held-out class

torch.manual_seed(0)
torch.set_num_threads(1)                  # same rounding on any machine: the printed differences
                                          # depend on summation order
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))

VOCAB = sorted({w for t in TEMPLATES for w in t if "{" not in w} | set(COLOURS) | set(SHAPES))
WORD = {w: i for i, w in enumerate(VOCAB)}
CLASSES = [(c, s) for c in range(len(COLOURS)) for s in range(len(SHAPES))]
HELD_OUT = [(i, i % len(SHAPES)) for i in range(len(COLOURS))]          # one shape per colour
SEEN = [k for k in CLASSES if k not in HELD_OUT]

# The hidden "camera": attributes -> 32 numbers, nonlinear so the image encoder has work to do.
CAM_C = torch.randn(len(COLOURS), IMG_DIM, dtype=DTYPE)
CAM_S = torch.randn(len(SHAPES), IMG_DIM, dtype=DTYPE)
CAM_MIX = torch.randn(IMG_DIM, IMG_DIM, dtype=DTYPE) / math.sqrt(IMG_DIM)


def images(classes):                    # list of (colour, shape) -> [N, IMG_DIM]
    c = torch.tensor([k[0] for k in classes])
    s = torch.tensor([k[1] for k in classes])
    x = torch.tanh(CAM_C[c] + CAM_S[s]) @ CAM_MIX
    return (x + NOISE * x.std() * torch.randn_like(x)).to(DEVICE)


# Every caption a class can get: BAGS[class, template] = word counts / length (mean of the word vectors)
BAGS = torch.zeros(len(CLASSES), len(TEMPLATES), len(VOCAB), dtype=DTYPE)
for k, (c, s) in enumerate(CLASSES):
    for t, template in enumerate(TEMPLATES):
        for w in template:
            BAGS[k, t, WORD[w.format(c=COLOURS[c], s=SHAPES[s])]] += 1 / len(template)


def captions(classes, template=None):   # list of (colour, shape) -> [N, len(VOCAB)]
    k = torch.tensor([CLASSES.index(x) for x in classes])
    t = torch.randint(len(TEMPLATES), (len(k),)) if template is None else torch.full((len(k),), template)
    return BAGS[k, t].to(DEVICE)


def param(*shape):
    return (torch.randn(*shape, dtype=DTYPE) / math.sqrt(shape[0])).to(DEVICE).requires_grad_()


P = {"img1": param(IMG_DIM, HIDDEN), "img2": param(HIDDEN, EMB),   # image encoder: 2-layer MLP
     "words": param(len(VOCAB), HIDDEN), "txt2": param(HIDDEN, EMB),  # text encoder: mean of word vectors, MLP
     "logit_scale": torch.tensor(math.log(1 / 0.07), dtype=DTYPE, device=DEVICE).requires_grad_()}


def encode_image(x):
    return F.normalize(F.gelu(x @ P["img1"]) @ P["img2"], dim=-1)     # [N, EMB], unit length


def encode_text(bags):
    return F.normalize(F.gelu(bags @ P["words"]) @ P["txt2"], dim=-1)  # [N, EMB], unit length


def info_nce(img, txt, scale):
    """Symmetric InfoNCE written out: logits[i, j] = scale * cos(image i, text j)."""
    logits = scale * img @ txt.T                                       # [N, N]
    diag = logits.diagonal()
    img_to_txt = -(diag - torch.logsumexp(logits, dim=1)).mean()       # each row: pick the right text
    txt_to_img = -(diag - torch.logsumexp(logits, dim=0)).mean()       # each column: pick the right image
    return (img_to_txt + txt_to_img) / 2


def info_nce_ce(img, txt, scale):
    """The same loss as two cross-entropies with targets 0..N-1 (how CLIP's pseudo-code writes it)."""
    logits = scale * img @ txt.T
    labels = torch.arange(len(logits), device=DEVICE)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2


def retrieval():                        # top-1 accuracy, image->text and text->image, 24 distinct classes
    hits_it = hits_ti = 0
    with torch.no_grad():
        for _ in range(EVAL_BATCHES):
            sim = encode_image(images(SEEN)) @ encode_text(captions(SEEN)).T
            right = torch.arange(len(SEEN), device=DEVICE)
            hits_it += (sim.argmax(1) == right).sum().item()
            hits_ti += (sim.argmax(0) == right).sum().item()
    n = EVAL_BATCHES * len(SEEN)
    return hits_it / n, hits_ti / n


def zero_shot():                        # held-out classes vs the prompts of all 30 classes
    prompts = captions(CLASSES, template=1)                  # "a photo of a {c} {s}"
    test = [k for k in HELD_OUT for _ in range(ZS_PER_CLASS)]
    with torch.no_grad():
        pred = (encode_image(images(test)) @ encode_text(prompts).T).argmax(1)
    truth = torch.tensor([CLASSES.index(k) for k in test], device=DEVICE)
    return (pred == truth).double().mean().item()


fixed = [SEEN[i] for i in range(12)]    # one batch of 12 pairs with distinct classes, for the figure
fixed_img, fixed_txt = images(fixed), captions(fixed)

print("== the loss, two ways (one batch, untrained encoders) ==")
img, txt = encode_image(images(SEEN)), encode_text(captions(SEEN))
scale = P["logit_scale"].exp()
a, b = info_nce(img, txt, scale), info_nce_ce(img, txt, scale)
assert torch.allclose(a, b, atol=1e-12, rtol=0)
print(f"log-softmax sums      : {a.item():.6f}")
print(f"F.cross_entropy x 2   : {b.item():.6f}")
print(f"max |difference|      : {abs(a - b).item():.1e}")
print(f"ln N (uniform guess)  : {math.log(len(SEEN)):.6f}")

with torch.no_grad():
    sim_before = (encode_image(fixed_img) @ encode_text(fixed_txt).T).cpu()
it0, ti0 = retrieval()
zs0 = zero_shot()

m = {k: torch.zeros_like(v) for k, v in P.items()}      # Adam, written out (moments m and v)
v = {k: torch.zeros_like(t) for k, t in P.items()}
for step in range(1, STEPS + 1):
    batch = [SEEN[i] for i in torch.randint(len(SEEN), (BATCH,)).tolist()]
    loss = info_nce(encode_image(images(batch)), encode_text(captions(batch)), P["logit_scale"].exp())
    grads = torch.autograd.grad(loss, list(P.values()))
    with torch.no_grad():
        for (k, p), g in zip(P.items(), grads):
            m[k].mul_(0.9).add_(0.1 * g)
            v[k].mul_(0.999).add_(0.001 * g * g)
            p -= LR * (m[k] / (1 - 0.9 ** step)) / ((v[k] / (1 - 0.999 ** step)).sqrt() + 1e-8)
        P["logit_scale"].clamp_(max=math.log(100))       # CLIP clips the scale at 100
    if step == 1:
        first_loss = loss.item()

with torch.no_grad():
    sim_after = (encode_image(fixed_img) @ encode_text(fixed_txt).T).cpu()
it1, ti1 = retrieval()
zs1 = zero_shot()

print(f"\n== training: {STEPS} steps, batch {BATCH}, {len(SEEN)} seen classes ==")
print(f"loss, first step      : {first_loss:.4f}")
print(f"loss, last step       : {loss.item():.4f}")
print(f"logit scale 1/tau     : {1 / 0.07:.2f} -> {P['logit_scale'].exp().item():.2f}")

print(f"\n== retrieval top-1 ({EVAL_BATCHES} batches of {len(SEEN)} pairs; chance {1 / len(SEEN):.3f}) ==")
print(f"{'':22}{'before':>8}{'after':>8}")
print(f"{'image -> text':22}{it0:8.3f}{it1:8.3f}")
print(f"{'text -> image':22}{ti0:8.3f}{ti1:8.3f}")

print(f"\n== zero-shot: {len(HELD_OUT)} unseen classes x {ZS_PER_CLASS} images vs {len(CLASSES)} prompts ==")
print("held-out classes      : " + ", ".join(f"{COLOURS[c]} {SHAPES[s]}" for c, s in HELD_OUT))
print(f"accuracy before       : {zs0:.3f}")
print(f"accuracy after        : {zs1:.3f}")
print(f"chance                : {1 / len(CLASSES):.3f}")
assert min(it1, ti1) > 0.9 and max(it0, ti0) < 0.25 and zs1 > 0.5

plt.rcParams["svg.hashsalt"] = "llm-roadmap"            # stable ids inside the SVG
fig, axes = plt.subplots(1, 2, figsize=(8, 3.8), layout="constrained")
for ax, sim, title in [(axes[0], sim_before, "before training"), (axes[1], sim_after, "after training")]:
    im = ax.imshow(sim.numpy(), cmap="viridis", vmin=-1, vmax=1)
    ax.set_title(title)
    ax.set_xlabel("caption j")
    ax.set_xticks(range(len(fixed)))
    ax.set_yticks(range(len(fixed)))
axes[0].set_ylabel("image i")                          # one label: the right panel shares it
fig.suptitle("cosine similarity of image i and caption j (12 pairs)")
fig.colorbar(im, ax=axes, shrink=0.8)
fig.savefig(OUT_DIR / "clip_similarity.svg", metadata={"Date": None})
print("\nfigure: clip_similarity.svg")
