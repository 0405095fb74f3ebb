"""Entropy, cross-entropy and KL divergence: H(p, q) = H(p) + KL(p || q), KL >= 0, and KL is asymmetric.

Look at: a distribution with probabilities 1/2, 1/4, 1/8, 1/8 has entropy 1.75 bits, and coding it
with a uniform q costs 2 bits, 0.25 bits more: that excess is KL(p || q). Over 10,000 random pairs
the identity holds, KL is never negative and is zero only for q = p, and KL(p || q) differs from
KL(q || p). F.kl_div and torch.distributions compute the same KL, with their own argument order.
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
print("== p = (1/2, 1/4, 1/8, 1/8), q uniform over 4 ==")
print(f"H(p)      : {entropy(p).item() * BITS:.4f} bits  = {entropy(p).item():.4f} nats")
print(f"H(p, q)   : {cross_entropy(p, q).item() * BITS:.4f} bits  = {cross_entropy(p, q).item():.4f} nats")
print(f"KL(p||q)  : {kl(p, q).item() * BITS:.4f} bits  = {kl(p, q).item():.4f} nats")
print(f"H(q) = log2 4 = {entropy(q).item() * BITS:.4f} bits, the most any distribution over 4 outcomes has")
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
assert (cross_entropy(P, Q) - entropy(P) - kl_pq).abs().max() < 1e-12             # the identity
assert (kl_pq >= 0).all() and torch.allclose(kl(P, P), torch.zeros_like(kl_pq))   # Gibbs' inequality
assert ((entropy(P) >= 0) & (entropy(P) <= math.log(V) + 1e-12)).all()           # 0 <= H <= log V
# Library versions: F.kl_div takes log q first and p second; torch.distributions takes p, q.
lib_kl = F.kl_div(Q.log(), P, reduction="none").sum(-1)
dist_kl = torch.distributions.kl_divergence(torch.distributions.Categorical(probs=P),
                                            torch.distributions.Categorical(probs=Q))
assert torch.allclose(lib_kl, kl_pq) and torch.allclose(dist_kl, kl_pq)
gap = (kl_pq - kl_qp).abs()
print(f"== {N_PAIRS} random pairs over {V} outcomes ==")
print(f"H(p,q) = H(p) + KL(p||q)       : holds for every pair (to 1e-12)")
print(f"smallest KL(p||q)              : {kl_pq.min().item():.4f}")
print(f"mean KL(p||q), mean KL(q||p)   : {kl_pq.mean().item():.4f}, {kl_qp.mean().item():.4f}")
print(f"|KL(p||q) - KL(q||p)| > 0.1 in : {(gap > 0.1).float().mean().item():.1%} of pairs")
print(f"largest H(p)                   : {entropy(P).max().item():.4f} <= log {V} = {math.log(V):.4f}")
