"""Combine evidence per diagnosis with MYCIN's certainty factors.

Why MYCIN: each rule states how much its finding raises (cf > 0) or lowers (cf < 0) belief in a
diagnosis, independently of other rules; the parallel combination is commutative and
associative, so the result does not depend on firing order (determinism), stays within -1..1,
and two weak findings add up to more than either without ever reaching certainty.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import reduce

__all__ = ["combine", "combine_all", "combine_grouped", "as_certainty"]


def combine(a: float, b: float) -> float:
    """MYCIN parallel combination of two certainty factors in -1..1."""
    if a >= 0 and b >= 0:
        return a + b * (1 - a)
    if a < 0 and b < 0:
        return a + b * (1 + a)
    denominator = 1 - min(abs(a), abs(b))
    return 0.0 if denominator == 0 else (a + b) / denominator


def combine_all(factors: Iterable[float]) -> float:
    """Combine any number of factors (0 when there are none)."""
    return reduce(combine, factors, 0.0)


def combine_grouped(pieces: Iterable[tuple[str, str, float]]) -> float:
    """Combine (group, rule id, cf) pieces: within a group the strongest finding for and the strongest
    against count once each (rules reading one signal are not independent evidence); across groups MYCIN."""
    strongest: dict[tuple[str, bool], tuple[float, str]] = {}
    for group, rule_id, cf in pieces:
        key = (group, cf > 0)
        best = strongest.get(key)
        if best is None or (abs(cf), rule_id) > (abs(best[0]), best[1]):
            strongest[key] = (cf, rule_id)
    return combine_all(strongest[k][0] for k in sorted(strongest))


def as_certainty(cf: float) -> float:
    """The reported certainty: belief clipped to 0..1 and rounded for stable output."""
    return round(min(1.0, max(0.0, cf)), 3)
