"""Entropy, cross-entropy and KL divergence: H(p, q) = H(p) + KL(p || q), KL >= 0, and KL is asymmetric.

Look at: a distribution with probabilities 1/2, 1/4, 1/8, 1/8 has entropy 1.75 bits, and coding it
with a uniform q costs 2 bits, 0.25 bits more: that excess is KL(p || q). The averages are also counted
from the lengths of real prefix codes, without any logarithm. Over 10,000 random pairs, H(p, q) - H(p)
from this file's functions equals the KL that torch.distributions and F.kl_div compute with their own
code (each with its own argument order); KL is never negative, zero only for q = p, and asymmetric.
"""
import math

import torch
import torch.nn.functional as F

V, N_PAIRS = 10, 10_000

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
DTYPE = torch.float64


def entropy(p):
    """H(p) = -sum_i p_i log p_i (nats), with 0 log 0 = 0."""
    return -torch.xlogy(p, p).sum(-1)


def cross_entropy(p, q):
    """H(p, q) = -sum_i p_i log q_i: the average code length for data from p with a code built for q."""
    return -(p * q.log()).sum(-1)


def kl(p, q):
    """KL(p || q) = sum_i p_i log(p_i / q_i)."""
    return (torch.xlogy(p, p) - p * q.log()).sum(-1)


t = lambda *v: torch.tensor(v, dtype=DTYPE, device=DEVICE)
BITS = 1 / math.log(2)                                   # nats -> bits: divide by ln 2

p, q = t(0.5, 0.25, 0.125, 0.125), t(0.25, 0.25, 0.25, 0.25)
assert torch.allclose(entropy(p) * BITS, t(1.75)) and torch.allclose(cross_entropy(p, q) * BITS, t(2.0))
assert torch.allclose(kl(p, q) * BITS, t(0.25))
# The same numbers from real codes: a prefix code for p and the 2-bit code every outcome gets under q.
CODE_P, CODE_Q = ["0", "10", "110", "111"], ["00", "01", "10", "11"]
for code in (CODE_P, CODE_Q):                            # prefix-free: no codeword starts another one
    assert not any(a != b and b.startswith(a) for a in code for b in code)
len_p = sum(pi * len(w) for pi, w in zip(p.tolist(), CODE_P))   # average bits per symbol, data from p
len_q = sum(pi * len(w) for pi, w in zip(p.tolist(), CODE_Q))
assert abs(len_p - entropy(p).item() * BITS) < 1e-12 and abs(len_q - cross_entropy(p, q).item() * BITS) < 1e-12
print("== p = (1/2, 1/4, 1/8, 1/8), q uniform over 4 ==")
print(f"H(p)      : {entropy(p).item() * BITS:.4f} bits  = {entropy(p).item():.4f} nats")
print(f"H(p, q)   : {cross_entropy(p, q).item() * BITS:.4f} bits  = {cross_entropy(p, q).item():.4f} nats")
print(f"KL(p||q)  : {kl(p, q).item() * BITS:.4f} bits  = {kl(p, q).item():.4f} nats")
print(f"H(q) = log2 4 = {entropy(q).item() * BITS:.4f} bits, the most any distribution over 4 outcomes has")
print(f"codes {', '.join(CODE_P)} / {', '.join(CODE_Q)}: {len_p:.4f} / {len_q:.4f} bits per symbol on average")
print()

# Asymmetry with two coins.
a, b = t(0.5, 0.5), t(0.99, 0.01)
print("== a fair coin p = (0.5, 0.5) and a bent one q = (0.99, 0.01) ==")
print(f"KL(p||q)  : {kl(a, b).item():.4f} nats   (half of p's outcomes are tails; q gives tails 1%)")
print(f"KL(q||p)  : {kl(b, a).item():.4f} nats")
print(f"KL(p||p)  : {kl(a, a).item():.4f} nats")
c = t(1.0, 0.0)                                           # a coin that never lands tails
print(f"with q = (1, 0): KL(p||q) = {kl(a, c).item()}, KL(q||p) = {kl(c, a).item():.4f} nats = log 2")
assert kl(a, b) > 2 * kl(b, a) and kl(a, a) == 0
assert kl(a, c) == math.inf and torch.allclose(kl(c, a), t(math.log(2)))
print()

# 10,000 random pairs of distributions over V outcomes.
P = torch.softmax(2 * torch.randn(N_PAIRS, V, dtype=DTYPE, device=DEVICE), dim=-1)
Q = torch.softmax(2 * torch.randn(N_PAIRS, V, dtype=DTYPE, device=DEVICE), dim=-1)
kl_pq, kl_qp = kl(P, Q), kl(Q, P)
# Library KLs, written independently of this file: F.kl_div takes log q first and p second;
# torch.distributions takes p, q.
lib_kl = F.kl_div(Q.log(), P, reduction="none").sum(-1)
dist_kl = torch.distributions.kl_divergence(torch.distributions.Categorical(probs=P),
                                            torch.distributions.Categorical(probs=Q))
assert (cross_entropy(P, Q) - entropy(P) - dist_kl).abs().max() < 1e-12          # H(p,q) = H(p) + KL(p||q)
assert torch.allclose(lib_kl, dist_kl) and torch.allclose(kl_pq, dist_kl)
assert (dist_kl >= 0).all() and torch.allclose(kl(P, P), torch.zeros_like(kl_pq))   # Gibbs' inequality
assert ((entropy(P) >= 0) & (entropy(P) <= math.log(V) + 1e-12)).all()           # 0 <= H <= log V
gap = (kl_pq - kl_qp).abs()
print(f"== {N_PAIRS} random pairs over {V} outcomes ==")
print("H(p,q) - H(p) = library KL     : for every pair (to 1e-12)")
print(f"smallest KL(p||q)              : {dist_kl.min().item():.4f}")
print(f"mean KL(p||q), mean KL(q||p)   : {kl_pq.mean().item():.4f}, {kl_qp.mean().item():.4f}")
print(f"|KL(p||q) - KL(q||p)| > 0.1 in : {(gap > 0.1).float().mean().item():.1%} of pairs")
print(f"largest H(p)                   : {entropy(P).max().item():.4f} <= log {V} = {math.log(V):.4f}")
