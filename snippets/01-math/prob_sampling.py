"""Sampling the next token: draws from a softmax distribution land on its probabilities.

Look at: with 200,000 draws the empirical frequency of each token is within 0.005 of its softmax
probability, both for torch.multinomial and for sampling by hand (a uniform number looked up in the
cumulative probabilities); the same seed gives the same tokens; temperature T reshapes the
distribution (T < 1 sharpens it towards the argmax that greedy decoding picks, T > 1 flattens it).
"""
import torch

VOCAB = ["the", "a", "cat", "dog", "sat", "ran"]
LOGITS = [2.0, 1.5, 0.5, 0.3, -0.5, -1.0]      # a model's scores for the next token
N_DRAWS = 200_000
TEMPERATURES = [0.1, 0.5, 1.0, 2.0]

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64

logits = torch.tensor(LOGITS, dtype=DTYPE, device=DEVICE)
probs = torch.softmax(logits, dim=-1)                       # p_i = exp(z_i) / sum_j exp(z_j)

# 1. Library sampling with a seeded generator.
g = torch.Generator(device=DEVICE).manual_seed(0)
draws = torch.multinomial(probs, N_DRAWS, replacement=True, generator=g)    # [N_DRAWS] token ids
freq_lib = torch.bincount(draws, minlength=len(VOCAB)).to(DTYPE) / N_DRAWS

# 2. By hand (inverse CDF): token i is picked when u falls in [c_{i-1}, c_i), c = cumsum(p).
u = torch.rand(N_DRAWS, dtype=DTYPE, device=DEVICE, generator=g)
cdf = probs.cumsum(0)
by_hand = torch.searchsorted(cdf, u, right=True).clamp_max(len(VOCAB) - 1)
freq_hand = torch.bincount(by_hand, minlength=len(VOCAB)).to(DTYPE) / N_DRAWS

# A frequency estimates p with standard error sqrt(p (1 - p) / N) <= 0.0012 here.
assert (freq_lib - probs).abs().max() < 0.005 and (freq_hand - probs).abs().max() < 0.005
assert torch.allclose(probs.sum(), torch.ones((), dtype=DTYPE, device=DEVICE))

print(f"== {N_DRAWS} draws of the next token ==")
print(f"{'token':<6} {'logit':>6} {'softmax p':>10} {'multinomial':>12} {'by hand':>8}")
for i, tok in enumerate(VOCAB):
    print(f"{tok:<6} {LOGITS[i]:>6.2f} {probs[i].item():>10.4f} {freq_lib[i].item():>12.4f} "
          f"{freq_hand[i].item():>8.4f}")
worst = max((freq_lib - probs).abs().max().item(), (freq_hand - probs).abs().max().item())
print(f"max |frequency - p| : {worst:.4f}")
print()

# Same seed, same tokens: sampling is random but reproducible.
g1, g2 = (torch.Generator(device=DEVICE).manual_seed(42) for _ in range(2))
first = torch.multinomial(probs, 12, replacement=True, generator=g1)
second = torch.multinomial(probs, 12, replacement=True, generator=g2)
assert torch.equal(first, second)
print("seed 42, twice     :", " ".join(VOCAB[i] for i in first.tolist()))
print()

# Temperature: softmax(z / T). T -> 0 approaches the one-hot argmax (greedy decoding).
print("== temperature: softmax(logits / T) ==")
print(f"{'T':>4} " + " ".join(f"{tok:>6}" for tok in VOCAB))
for t in TEMPERATURES:
    p_t = torch.softmax(logits / t, dim=-1)
    print(f"{t:>4.1f} " + " ".join(f"{p:>6.3f}" for p in p_t.tolist()))
p_cold, p_hot = torch.softmax(logits / 0.01, -1), torch.softmax(logits / 100.0, -1)
assert p_cold.argmax() == logits.argmax() and p_cold.max() > 0.99               # nearly greedy
assert (p_hot - 1 / len(VOCAB)).abs().max() < 0.01                              # nearly uniform
