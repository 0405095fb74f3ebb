"""Bayes' theorem on a medical test: a positive result from a 95%-accurate test means only 16% sick.

Look at: the posterior P(sick | positive) from the formula, the same number counted in a simulated
population of a million people, how a second positive test (yesterday's posterior is today's prior)
raises it to 78%, and how strongly the answer depends on the prior (the prevalence).
"""
import torch

PREVALENCE = 0.01        # P(sick): the prior
SENSITIVITY = 0.95       # P(positive | sick)
FALSE_POSITIVE = 0.05    # P(positive | healthy) = 1 - specificity
POPULATION = 1_000_000
PRIORS = [0.001, 0.01, 0.1, 0.5]

torch.manual_seed(0)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def posterior(prior, positive=True):
    """P(sick | result) = P(result | sick) P(sick) / P(result), with P(result) summed over both cases."""
    like_sick = SENSITIVITY if positive else 1 - SENSITIVITY
    like_healthy = FALSE_POSITIVE if positive else 1 - FALSE_POSITIVE
    evidence = like_sick * prior + like_healthy * (1 - prior)         # P(result), total probability
    return like_sick * prior / evidence


p1 = posterior(PREVALENCE)
assert abs(p1 - 0.0095 / (0.0095 + 0.0495)) < 1e-12

# Count it instead: simulate each person's health and test result.
g = torch.Generator(device=DEVICE).manual_seed(0)
sick = torch.rand(POPULATION, generator=g, device=DEVICE) < PREVALENCE
p_pos = torch.where(sick, SENSITIVITY, FALSE_POSITIVE)
positive = torch.rand(POPULATION, generator=g, device=DEVICE) < p_pos
n_pos, n_pos_sick = positive.sum().item(), (positive & sick).sum().item()
assert abs(n_pos_sick / n_pos - p1) < 0.01

print(f"== one positive test (simulation: {POPULATION} people) ==")
print(f"prior P(sick)                : {PREVALENCE:.4f}")
print(f"P(positive)                  : {SENSITIVITY * PREVALENCE + FALSE_POSITIVE * (1 - PREVALENCE):.4f}")
print(f"posterior P(sick | positive) : {p1:.4f}")
print(f"counted in the simulation    : {n_pos_sick} sick / {n_pos} positive = {n_pos_sick / n_pos:.4f}")
print()

# Sequential updating: after a test, the posterior is the prior for the next, independent test.
print("== repeated independent tests ==")
belief = PREVALENCE
for result in ["positive", "positive", "negative"]:
    new = posterior(belief, positive=result == "positive")
    print(f"{result:<9} P(sick): {belief:.4f} -> {new:.4f}")
    belief = new
# Two positives at once: the likelihoods multiply, same answer as updating twice.
both = SENSITIVITY**2 * PREVALENCE / (SENSITIVITY**2 * PREVALENCE + FALSE_POSITIVE**2 * (1 - PREVALENCE))
assert abs(posterior(posterior(PREVALENCE)) - both) < 1e-12
print()

print("== the prior matters: P(sick | one positive) ==")
print(f"{'prevalence':>10} {'posterior':>10}")
for prior in PRIORS:
    print(f"{prior:>10.3f} {posterior(prior):>10.4f}")
assert all(posterior(a) < posterior(b) for a, b in zip(PRIORS, PRIORS[1:]))
