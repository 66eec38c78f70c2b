"""How likely the best-ranked entry is the right answer: a logistic model over the ranker's signals.

No single signal separates a long citizen's message about 榮民證 from a near-domain question
about 月退俸: coverage falls with every word of context, fuzzy similarity falls with length, a
short keyword is "fully contained" in both. A logistic regression (Platt-style calibration, as
QnA Maker and Rasa turn raw scores into confidences) weighs them together; its coefficients are
fitted by `python -m bot calibrate` on the labelled questions in tests/data (the calibration
halves only) and pasted below. docs/term-weighting.md shows the fit and its figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

FEATURES = ("blend", "margin", "coverage", "fuzzy", "phrase", "unknown", "length", "bm25_share", "anchored")


@dataclass(frozen=True)
class Model:
    """Standardisation (mean, sd) and logistic weights, one per feature, plus a bias."""

    mean: tuple[float, ...]
    sd: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, x: list[float]) -> float:
        """P(the best entry answers the question correctly), 0..1."""
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.sd))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def features(candidates: list, key: str) -> list[float]:
    """The model's inputs for the best of a ranked candidate list (at least one candidate)."""
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    bm25_total = sum(c.bm25 for c in candidates) or 1.0
    return [best.score, best.score - runner_up, best.coverage, best.fuzzy, best.phrase, best.unknown,
            math.log1p(len(key)), best.bm25 / bm25_total, float(best.anchored)]


def fit(rows: list[tuple[list[float], int]], l2: float = 0.01, steps: int = 3000, rate: float = 0.1) -> Model:
    """Fit the model by batch gradient descent (deterministic: same rows, same model)."""
    n = len(rows[0][0])
    mean = [sum(x[i] for x, _ in rows) / len(rows) for i in range(n)]
    sd = [(sum((x[i] - mean[i]) ** 2 for x, _ in rows) / len(rows)) ** 0.5 or 1.0 for i in range(n)]
    zs = [([(x[i] - mean[i]) / sd[i] for i in range(n)], y) for x, y in rows]
    weights, bias = [0.0] * n, 0.0
    for _ in range(steps):
        grad, grad_bias = [0.0] * n, 0.0
        for z, y in zs:
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, bias + sum(w * v for w, v in zip(weights, z))))))
            grad = [g + (p - y) * v for g, v in zip(grad, z)]
            grad_bias += p - y
        weights = [w - rate * (g / len(zs) + l2 * w) for w, g in zip(weights, grad)]
        bias -= rate * grad_bias / len(zs)
    return Model(tuple(mean), tuple(sd), tuple(weights), bias)


def as_python(model: Model) -> str:
    """The model as the MODEL assignment below, to paste after a calibration."""
    r = lambda xs: "(" + ", ".join(f"{v:.4f}" for v in xs) + ")"  # noqa: E731
    return (f"MODEL = Model(\n    mean={r(model.mean)},\n    sd={r(model.sd)},\n"
            f"    weights={r(model.weights)},\n    bias={model.bias:.4f},\n)")


# Fitted with `python -m bot calibrate tests/data/calibration-a.yaml tests/data/calibration-b.yaml
# tests/data/real-fit.yaml` (README, "Calibration"); the knowledge was never edited from those files'
# failures since, so the fit sees questions the knowledge was not written for.
# Refitted 2026-12-02 on that day's knowledge (docs/term-weighting.md, "Refit").
MODEL = Model(
    mean=(0.7324, 0.2851, 0.6897, 0.5312, 0.9377, 0.2486, 2.8571, 0.4585, 0.9376),
    sd=(0.1942, 0.1998, 0.2596, 0.2178, 0.1916, 0.2513, 0.5565, 0.1254, 0.2418),
    weights=(0.6946, 0.1861, 0.4915, 0.8596, 0.5850, -0.7947, 0.9647, 0.8065, -0.1098),
    bias=3.2157,
)
