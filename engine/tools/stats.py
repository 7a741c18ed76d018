"""The statistics behind `report`: rates, lift, sample-ratio mismatch (scipy).

Conversion is per visitor: a visitor exposed to a rule (`engage_show` or `engage_control`)
converts when any `engage_conversion` of theirs comes at or after their first exposure.
Each arm's rate gets a Wilson 95% interval. The lift (treatment minus control) and its
interval and p-value come from Welch's two-sample t-test on the visitors' 0/1 outcomes
(with thousands of visitors, the two-proportion z-test; unlike it, also sane for small
ones); the relative lift's interval uses the delta method, as GrowthBook's frequentist
engine does. The sample-ratio-mismatch check is GrowthBook's: a chi-square goodness-of-fit
test of the visitors per arm against the rule's control-group fraction, flagged below
p = 0.001.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats

CONFIDENCE = 0.95
SRM_THRESHOLD = 0.001
# Below these, a lift is "not enough data yet" rather than a number.
MIN_VISITORS_PER_ARM = 100
MIN_CONVERSIONS = 10  # converted visitors, both arms together


def rate_interval(converted: int, visitors: int) -> tuple[float, float] | None:
    if visitors <= 0:
        return None
    ci = stats.binomtest(converted, visitors).proportion_ci(CONFIDENCE, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class Lift:
    absolute: float
    interval: tuple[float, float]
    p_value: float
    relative: float | None
    relative_interval: tuple[float, float] | None

    @property
    def significant(self) -> bool:
        return self.p_value < 1 - CONFIDENCE


def enough_data(visitors_t: int, visitors_c: int, converted_t: int, converted_c: int) -> str | None:
    """None when a lift may be given, else why not (for "not enough data yet: ...")."""
    if min(visitors_t, visitors_c) < MIN_VISITORS_PER_ARM:
        return f"each arm needs at least {MIN_VISITORS_PER_ARM} visitors (treatment {visitors_t}, control {visitors_c})"
    if converted_t + converted_c < MIN_CONVERSIONS:
        return f"at least {MIN_CONVERSIONS} converted visitors are needed ({converted_t + converted_c} so far)"
    return None


def lift(visitors_t: int, converted_t: int, visitors_c: int, converted_c: int) -> Lift:
    """Treatment minus control conversion rate, with its 95% interval and p-value."""
    p_t, p_c = converted_t / visitors_t, converted_c / visitors_c
    if (converted_t in (0, visitors_t)) and (converted_c in (0, visitors_c)):
        # No variance in either arm: the test is undefined; the difference is exact.
        diff = p_t - p_c
        return Lift(diff, (diff, diff), 1.0 if diff == 0 else 0.0, diff / p_c if p_c else None, None)
    # The sample variance of n visitors' 0/1 outcomes, k of them 1.
    var_t = p_t * (1 - p_t) * visitors_t / (visitors_t - 1)
    var_c = p_c * (1 - p_c) * visitors_c / (visitors_c - 1)
    test = stats.ttest_ind_from_stats(p_t, math.sqrt(var_t), visitors_t, p_c, math.sqrt(var_c), visitors_c, equal_var=False)
    # Its interval: Welch's standard error and Welch-Satterthwaite degrees of freedom.
    a, b = var_t / visitors_t, var_c / visitors_c
    df = (a + b) ** 2 / (a**2 / (visitors_t - 1) + b**2 / (visitors_c - 1))
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * math.sqrt(a + b)
    relative = relative_interval = None
    if p_c > 0:
        # Delta method for (mean_t / mean_c) - 1.
        se = math.sqrt(var_t / (visitors_t * p_c**2) + var_c * p_t**2 / (visitors_c * p_c**4))
        z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
        relative = p_t / p_c - 1
        relative_interval = (relative - z * se, relative + z * se)
    diff = p_t - p_c
    return Lift(diff, (diff - half, diff + half), float(test.pvalue), relative, relative_interval)


def sample_ratio(visitors_t: int, visitors_c: int, split: float) -> float | None:
    """The SRM check's p-value for `split` (the control fraction), or None if it cannot run."""
    total = visitors_t + visitors_c
    if total == 0 or not 0 < split < 1:
        return None
    result = stats.chisquare([visitors_t, visitors_c], [total * (1 - split), total * split])
    return float(result.pvalue)
