"""The whole history of an export, read as an analyst would: dormancy, age, robust baselines, rhythm.

Pure functions over small summaries (events per day, active weeks per actor), never over events,
so they are cheap, bounded in memory and testable on generated series. The minimum evidence each
measure needs is knowledge (``minimum:`` in knowledge/ingest.yaml, read once into ``MINIMUM``), quoted by
the notes in the report.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median

from expert.ingest.report import minimum_evidence

__all__ = [
    "MINIMUM", "REFERENCE_WINDOWS", "BAND_WINDOWS", "SIGNALS", "Change", "robust_change", "poisson_cdf",
    "quantile", "usual_gap", "is_regular", "is_lost", "is_dormant", "absence_factor",
]

# Minimum evidence per measure (knowledge/ingest.yaml ``minimum:``); below it the measure is left out with a note.
MINIMUM = minimum_evidence()
REFERENCE_WINDOWS = 4   # the reference is the median of up to this many earlier windows (one year of quarters)
BAND_WINDOWS = 8        # the normal swing is the range of up to this many earlier windows (two years)
SIGNALS = ("clear", "within_normal_swing", "too_few_events")
SIGNIFICANCE = 0.05


def is_dormant(silence_days: float, usual_gap_days: float) -> bool:
    """Dormant: silent at least MINIMUM['dormant_days'] and MINIMUM['dormant_ratio'] times the usual longest pause."""
    return silence_days >= MINIMUM["dormant_days"] and silence_days >= MINIMUM["dormant_ratio"] * usual_gap_days


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated quantile of a non-empty sequence (q in 0..1)."""
    xs = sorted(values)
    pos = (len(xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def poisson_cdf(k: int, lam: float) -> float:
    """P(X <= k) for X ~ Poisson(lam): how likely a count this low is by chance alone."""
    if lam <= 0:
        return 1.0
    term = total = math.exp(-lam) if lam < 700 else 0.0
    if term == 0.0:  # exp underflow for huge lam: use the log-space sum
        return math.fsum(math.exp(i * math.log(lam) - lam - math.lgamma(i + 1)) for i in range(k + 1))
    for i in range(1, k + 1):
        term *= lam / i
        total += term
    return min(total, 1.0)


@dataclass(frozen=True, slots=True)
class Change:
    """The current window against a burst-proof reference, with how sure the change is."""

    current: int
    reference: float
    reference_windows: int
    band_low: int
    band_high: int
    p_value: float
    signal: str

    @property
    def pct(self) -> float:
        """Percent change of the current window against the reference (negative = down)."""
        return round((self.current - self.reference) / self.reference * 100.0, 1)

    def evidence(self) -> dict[str, float | int | str]:
        """The numbers a reader needs to judge the change."""
        out: dict[str, float | int | str] = {
            "current": self.current, "reference": round(self.reference, 1), "reference_windows": self.reference_windows,
            "normal_low": self.band_low, "normal_high": self.band_high, "signal": self.signal}
        if self.current < self.reference:  # the count test only speaks to a fall
            out["p_value"] = round(self.p_value, 4)
        return out


def robust_change(current: int, earlier: Sequence[int]) -> Change | None:
    """Compare ``current`` with the median of the earlier windows (most recent first).

    One busy quarter cannot dominate a median; when the median is 0 but there was activity, the
    mean is used so an emptied window still reads as -100 %. The signal says how sure the change
    is: ``too_few_events`` when a Poisson count test cannot tell a fall from chance,
    ``within_normal_swing`` when the current window lies inside the range of the earlier ones
    (never for an empty window), else ``clear`` (a clear fall, or a clear rise).
    """
    ref_windows = list(earlier[:REFERENCE_WINDOWS])
    if not ref_windows or not any(ref_windows):
        return None
    reference = float(median(ref_windows)) or sum(ref_windows) / len(ref_windows)
    band = list(earlier[:BAND_WINDOWS])
    low, high = min(band), max(band)
    p = poisson_cdf(current, reference) if current < reference else 1.0
    if current < reference and p >= SIGNIFICANCE:
        signal = "too_few_events"
    elif current > 0 and low <= current <= high:
        signal = "within_normal_swing"
    else:
        signal = "clear"
    return Change(current, reference, len(ref_windows), low, high, p, signal)


def usual_gap(active: Iterable[int]) -> float | None:
    """The usual longest pause: 90th percentile of the gaps between consecutive active days (or weeks)."""
    xs = sorted(set(active))
    gaps = [b - a for a, b in zip(xs, xs[1:])]
    return quantile(gaps, 0.9) if gaps else None


def is_regular(active_months: Iterable[int]) -> bool:
    """Active in several months spread beyond one quarter: at least MINIMUM['regular_months'] months
    whose first and last are MINIMUM['regular_span_months'] months apart or more (one busy quarter is not a habit)."""
    months = sorted(set(active_months))
    return len(months) >= MINIMUM["regular_months"] and months[-1] - months[0] + 1 >= MINIMUM["regular_span_months"]


def is_lost(weeks: Iterable[int], now_week: int, community_dormant: bool) -> bool:
    """A regular is lost when silent at least 4 weeks and far longer than their own rhythm
    (3x their usual longest pause: weeks for a daily chatter, months for a quarterly committer),
    or silent with the whole community dormant."""
    xs = sorted(set(weeks))
    silence = now_week - xs[-1]
    if silence < MINIMUM["lost_min_weeks"]:
        return False
    if community_dormant:
        return True
    gap = usual_gap(xs)
    return gap is not None and silence >= MINIMUM["lost_ratio"] * max(gap, 1.0)


def absence_factor(counts_desc: Sequence[int]) -> int:
    """CHAOSS Contributor Absence Factor: fewest top contributors whose contributions reach 50 %."""
    half, running = sum(counts_desc) / 2.0, 0
    for n, count in enumerate(counts_desc, start=1):
        running += count
        if running >= half:
            return n
    return len(counts_desc)
