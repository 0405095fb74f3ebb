"""Perplexity = exp(cross-entropy), and minimising cross-entropy is maximum likelihood.

Look at: a model that spreads its probability evenly over V tokens has perplexity exactly V (and one
that spreads it evenly over 5 candidates, one of them right, has perplexity 5); perplexity is the
geometric mean of 1/q(target). Then a bigram model trained by gradient descent on the cross-entropy of a toy
corpus ends at the bigram counts divided by row totals (the maximum-likelihood estimate), its training
loss equals the entropy of those counts, and on held-out text it nearly reaches the true model.
"""
import math

import torch
import torch.nn.functional as F

V_BIG, K, M = 50, 5, 1000             # part 1: vocabulary, candidates, number of targets
V = 8                                  # part 2: vocabulary of the toy language
SEQS, LEN = 400, 126                   # 400 sequences -> 50,000 (previous, next) pairs per split
STEPS, LR = 3000, 20.0

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64

# 1. Uniform model over V_BIG tokens: q = 1/V_BIG for every target, loss log V_BIG, perplexity V_BIG.
targets = torch.randint(0, V_BIG, (M,), device=DEVICE)
ce_uniform = F.cross_entropy(torch.zeros(M, V_BIG, dtype=DTYPE, device=DEVICE), targets)
assert torch.allclose(ce_uniform.exp(), torch.tensor(float(V_BIG), dtype=DTYPE, device=DEVICE))
# A model uniform over K candidates that always include the right token: perplexity K.
logits_k = torch.full((M, V_BIG), -math.inf, dtype=DTYPE, device=DEVICE)
candidates = (targets[:, None] + torch.arange(K, device=DEVICE)) % V_BIG      # the target + K-1 others
logits_k.scatter_(1, candidates, 0.0)
ce_k = F.cross_entropy(logits_k, targets)
assert torch.allclose(ce_k.exp(), torch.tensor(float(K), dtype=DTYPE, device=DEVICE))
# Perplexity is the geometric mean of 1 / q(target).
z, y = torch.randn(20, V_BIG, dtype=DTYPE, device=DEVICE), targets[:20]
q_y = torch.softmax(z, -1)[torch.arange(20, device=DEVICE), y]              # [20] q(target)
geo = (1 / q_y).prod() ** (1 / 20)
assert torch.allclose(F.cross_entropy(z, y).exp(), geo)
print("== perplexity = exp(mean cross-entropy) ==")
rows = [(f"uniform over {V_BIG} tokens", f"CE {ce_uniform.item():.4f} = ln {V_BIG}, "
                                         f"perplexity {ce_uniform.exp().item():.4f}"),
        (f"uniform over {K}, one of them right", f"CE {ce_k.item():.4f} = ln {K}, perplexity {ce_k.exp().item():.4f}"),
        ("random logits, 20 targets", f"exp(CE) {F.cross_entropy(z, y).exp().item():.4f} "
                                      f"= geometric mean of 1/q {geo.item():.4f}")]
for label, text in rows:
    print(f"{label:<34} : {text}")
print()

# 2. A toy language: each token is drawn from a fixed distribution that depends on the previous one.
true_P = torch.softmax(1.5 * torch.randn(V, V, dtype=DTYPE, device=DEVICE), dim=-1)   # P(next | prev)


def corpus():
    """SEQS sequences of LEN tokens -> (previous, next) pairs."""
    seq = [torch.randint(0, V, (SEQS,), device=DEVICE)]
    for _ in range(LEN - 1):
        seq.append(torch.multinomial(true_P[seq[-1]], 1).squeeze(1))
    seq = torch.stack(seq, 1)                                           # [SEQS, LEN]
    return seq[:, :-1].reshape(-1), seq[:, 1:].reshape(-1)


(prev_tr, next_tr), (prev_te, next_te) = corpus(), corpus()
counts = torch.bincount(prev_tr * V + next_tr, minlength=V * V).reshape(V, V).to(DTYPE)    # [prev, next]
N = counts.sum()

# Train a bigram model, logits W[prev] -> next, by gradient descent on the mean cross-entropy.
# Summing over the counts is the same loss as F.cross_entropy over all N pairs, only cheaper.
W = torch.zeros(V, V, dtype=DTYPE, device=DEVICE, requires_grad=True)
for _ in range(STEPS):
    loss = -(counts * torch.log_softmax(W, -1)).sum() / N
    (g,) = torch.autograd.grad(loss, W)
    with torch.no_grad():
        W -= LR * g
W = W.detach()
assert torch.allclose(F.cross_entropy(W[prev_tr], next_tr), -(counts * torch.log_softmax(W, -1)).sum() / N)

mle = counts / counts.sum(-1, keepdim=True)                     # count(prev, next) / count(prev)
cond_entropy = -(counts * mle.log()).sum() / N                  # H(next | prev) of the training text
learned = torch.softmax(W, -1)
assert (learned - mle).abs().max() < 1e-5                       # cross-entropy training = MLE
assert abs(F.cross_entropy(W[prev_tr], next_tr) - cond_entropy) < 1e-9     # loss floor = entropy
print(f"== bigram model trained on {int(N)} pairs: softmax(W) versus counts ==")
print(f"max |softmax(W) - count / row total| : {(learned - mle).abs().max().item():.6f}")
print(f"final training loss                  : {F.cross_entropy(W[prev_tr], next_tr).item():.4f} nats")
print(f"entropy of the counts, H(next|prev)  : {cond_entropy.item():.4f} nats")
print()

unigram = torch.bincount(next_tr, minlength=V).to(DTYPE) / N   # next-token frequencies, no context
models = {"uniform": torch.zeros(V, V, dtype=DTYPE, device=DEVICE), "unigram": unigram.log().expand(V, V),
          "bigram (trained)": W, "true distribution": true_P.log()}
print(f"== held-out text, {prev_te.numel()} pairs ==")
print(f"{'model':<18} {'CE (nats)':>10} {'bits/token':>11} {'perplexity':>11}")
ppl = {}
for name, logit_table in models.items():
    ce = F.cross_entropy(logit_table[prev_te], next_te).item()
    ppl[name] = math.exp(ce)
    print(f"{name:<18} {ce:>10.4f} {ce / math.log(2):>11.4f} {ppl[name]:>11.4f}")
assert abs(ppl["uniform"] - V) < 1e-9
assert ppl["uniform"] > ppl["unigram"] > ppl["bigram (trained)"]
assert abs(ppl["bigram (trained)"] / ppl["true distribution"] - 1) < 0.01     # nearly the best possible
