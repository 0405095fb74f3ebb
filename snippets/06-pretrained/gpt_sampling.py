"""Temperature, top-k, top-p, min-p and repetition penalty written from scratch equal transformers' processors.

Look at: the table of next-token probabilities for "the cat sat on the ...": temperature reshapes the
whole distribution, top-k keeps a fixed number of tokens, top-p keeps the fewest tokens whose mass
reaches p, min-p keeps tokens at least min_p times as likely as the best one. Each of our filters gives
the same logits as the library's warper, and generate(do_sample=True) applies them in the order of our
chain. Then: on a confident and on a flat distribution, top-k keeps the same count while top-p and
min-p adapt; and the repetition penalty lowers the tokens already seen.
"""
import os
from pathlib import Path

import matplotlib
import torch
from transformers import (GPT2Config, GPT2LMHeadModel, LogitsProcessorList, MinPLogitsWarper,
                          RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper,
                          TopPLogitsWarper)
from transformers.utils import logging

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TOKENS = ["mat", "floor", "sofa", "bed", "roof", "chair", "table", "moon", "piano", "idea"]
LOGITS = [3.0, 2.2, 1.8, 1.5, 1.0, 0.8, 0.3, -0.5, -1.0, -2.0]   # "the cat sat on the ..."
TEMPS = [0.5, 1.5]
TOP_K, TOP_P, MIN_P, PENALTY = 3, 0.9, 0.1, 1.3
SEEN = ["mat", "floor", "moon"]          # tokens already in the text, for the repetition penalty

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
OUT_DIR = Path(os.environ.get("SNIPPET_OUT_DIR", "."))
logging.set_verbosity_error()            # quiet the library's notices


def temperature(z, t):                   # softmax(z / t): t < 1 sharpens, t > 1 flattens
    return z / t


def top_k(z, k):                         # keep the k largest logits (ties with the k-th kept too)
    kth = torch.topk(z, k, dim=-1).values[..., -1:]
    return z.masked_fill(z < kth, float("-inf"))


def top_p(z, p):                         # keep the smallest set of top tokens whose mass reaches p
    probs, order = torch.softmax(z, dim=-1).sort(dim=-1, descending=True)
    mass_before = probs.cumsum(dim=-1) - probs         # mass of the tokens ranked above this one
    drop_sorted = mass_before >= p                     # already reached p without it: drop
    drop = drop_sorted.scatter(-1, order, drop_sorted) # back to vocabulary order
    return z.masked_fill(drop, float("-inf"))


def min_p(z, m):                         # keep tokens with prob >= m * (largest prob)
    probs = torch.softmax(z, dim=-1)
    return z.masked_fill(probs < m * probs.max(dim=-1, keepdim=True).values, float("-inf"))


def repetition_penalty(z, seen_ids, theta):        # CTRL: make every seen token less likely
    z = z.clone()
    s = z[..., seen_ids]
    z[..., seen_ids] = torch.where(s > 0, s / theta, s * theta)
    return z


def check(name, mine, library):
    assert torch.equal(torch.isinf(mine), torch.isinf(library)), name
    keep = ~torch.isinf(mine)
    assert torch.allclose(mine[keep], library[keep], atol=1e-12, rtol=0), name
    print(f"{name:<26} kept {int(keep.sum()):>2} of {mine.size(-1)}   = transformers: yes")


z = torch.tensor([LOGITS], dtype=torch.float64, device=DEVICE)      # [batch=1, vocab]
no_ids = torch.zeros(1, 0, dtype=torch.long, device=DEVICE)         # warpers ignore the ids
seen = torch.tensor([[TOKENS.index(t) for t in SEEN]], device=DEVICE)

print("== our filters against transformers' logits processors ==")
rows = {"original": z}
for t in TEMPS:
    rows[f"T={t}"] = temperature(z, t)
    check(f"TemperatureLogitsWarper {t}", rows[f"T={t}"], TemperatureLogitsWarper(t)(no_ids, z))
rows[f"top-k={TOP_K}"] = top_k(z, TOP_K)
check(f"TopKLogitsWarper {TOP_K}", rows[f"top-k={TOP_K}"], TopKLogitsWarper(TOP_K)(no_ids, z))
rows[f"top-p={TOP_P}"] = top_p(z, TOP_P)
check(f"TopPLogitsWarper {TOP_P}", rows[f"top-p={TOP_P}"], TopPLogitsWarper(TOP_P)(no_ids, z))
rows[f"min-p={MIN_P}"] = min_p(z, MIN_P)
check(f"MinPLogitsWarper {MIN_P}", rows[f"min-p={MIN_P}"], MinPLogitsWarper(MIN_P)(no_ids, z))
rows[f"rep={PENALTY}"] = repetition_penalty(z, seen[0], PENALTY)
check(f"RepetitionPenalty {PENALTY}", rows[f"rep={PENALTY}"],
      RepetitionPenaltyLogitsProcessor(PENALTY)(seen, z.clone()))
chain = LogitsProcessorList([RepetitionPenaltyLogitsProcessor(PENALTY), TemperatureLogitsWarper(0.7),
                             TopKLogitsWarper(5), TopPLogitsWarper(TOP_P), MinPLogitsWarper(MIN_P)])
mine = min_p(top_p(top_k(temperature(repetition_penalty(z, seen[0], PENALTY), 0.7), 5), TOP_P), MIN_P)
check("chain rep>T>k>p>min-p", mine, chain(seen, z.clone()))

# generate() builds its own chain from its arguments. A tiny random GPT-2 with a 10-token vocabulary,
# prompted with the seen tokens: out.logits are its raw logits, out.scores what generate sampled from.
tiny = GPT2LMHeadModel(GPT2Config(vocab_size=len(TOKENS), n_positions=16, n_embd=16, n_layer=1, n_head=2,
                                  initializer_range=0.25)).to(DEVICE).eval()   # spread-out logits
out = tiny.generate(seen, do_sample=True, max_new_tokens=1, repetition_penalty=PENALTY, temperature=0.7,
                    top_k=5, top_p=TOP_P, min_p=MIN_P, output_logits=True, output_scores=True,
                    return_dict_in_generate=True, pad_token_id=0,
                    attention_mask=torch.ones_like(seen))  # else id 0 (mat) counts as padding, unpenalised
raw, library = out.logits[0].double(), out.scores[0].double()
mine = min_p(top_p(top_k(temperature(repetition_penalty(raw, seen[0], PENALTY), 0.7), 5), TOP_P), MIN_P)
assert torch.equal(torch.isinf(mine), torch.isinf(library))
keep = ~torch.isinf(mine)
assert torch.allclose(mine[keep], library[keep], atol=1e-5, rtol=0)     # generate works in float32
print(f"{'generate(do_sample=True)':<26} kept {int(keep.sum()):>2} of {mine.size(-1)}   "
      "= our chain rep>T>k>p>min-p: yes")

print("\n== next-token probabilities after each step ==")
probs = {name: torch.softmax(r, dim=-1)[0] for name, r in rows.items()}
print(f"{'token':<7}" + "".join(f"{name:>10}" for name in probs))
for i, tok in enumerate(TOKENS):
    print(f"{tok:<7}" + "".join(f"{p[i].item():>10.3f}" for p in probs.values()))

print("\n== how many tokens each rule keeps: confident versus flat ==")
cases = {"confident": torch.tensor([[6.0, 3.0, 2.5] + [0.0] * 7], dtype=torch.float64),
         "flat": torch.tensor([[1.0, 0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.5, 0.5]], dtype=torch.float64)}
print(f"{'':<10}{'p(top)':>8}{'top-k=' + str(TOP_K):>10}{'top-p=' + str(TOP_P):>10}{'min-p=' + str(MIN_P):>10}")
for name, c in cases.items():
    kept = [int((~torch.isinf(f(c, a))).sum()) for f, a in [(top_k, TOP_K), (top_p, TOP_P), (min_p, MIN_P)]]
    assert kept[1] == int((~torch.isinf(TopPLogitsWarper(TOP_P)(no_ids, c))).sum())
    p_top = torch.softmax(c, -1).max().item()
    print(f"{name:<10}{p_top:>8.3f}" + "".join(f"{n:>10}" for n in kept))

fig, axes = plt.subplots(2, 3, figsize=(8, 4.5), sharey=True)
for ax, (name, p) in zip(axes.flat, list(probs.items())[1:]):       # the six rewritten rows

    ax.bar(range(len(TOKENS)), p.tolist(), color=["C0" if v > 0 else "0.8" for v in p.tolist()])
    ax.bar(range(len(TOKENS)), probs["original"].tolist(), fill=False, edgecolor="0.4", linewidth=0.6)
    ax.set_title(name, fontsize=10)
    ax.set_xticks(range(len(TOKENS)), TOKENS, rotation=90, fontsize=8)
for ax in axes[:, 0]:
    ax.set_ylabel("probability")
fig.suptitle("Next-token probabilities (outline: original)", fontsize=11)
fig.tight_layout()
plt.rcParams["svg.hashsalt"] = "llm-roadmap"
fig.savefig(OUT_DIR / "gpt_sampling.svg", metadata={"Date": None})
print("\nfigure: gpt_sampling.svg")
