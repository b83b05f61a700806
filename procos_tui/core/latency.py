"""Latency histograms: what the time-bucket rollups store, and percentiles read from them.

An interaction's latency is the time from its input row to the output row that answers it
(the pairing of core.conversation.group_interactions). Rollups keep, per group, counts over
logarithmic buckets (packed: the first bucket, then the counts from it on; see unpack()):

- bucket 0 holds latencies under 1 ms (reported as 0);
- bucket k >= 1 holds [1 ms * GAMMA**(k-1), 1 ms * GAMMA**k), GAMMA = 1.1;
- the last bucket (MAX_BUCKET) also holds everything longer (some 75 years).

A bucket stands for 2*lo*hi/(lo+hi), within (GAMMA-1)/(GAMMA+1) = 4.77 % of any value in it.
Percentiles interpolate between the two ranks around p*(n-1), as PostgreSQL's percentile_cont
does; a weighted mean of values each within 4.77 % is within 4.77 % of the exact mean, so a
percentile is within 4.77 % (relative) of percentile_cont over the same latencies (for
latencies of 1 ms and more). init-db.sql's procos_ai_latency_bucket() is the same function.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

GAMMA = 1.1
BASE_S = 0.001
MAX_BUCKET = 300
RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1)


def bucket_of(seconds: float) -> int:
    if not seconds >= BASE_S:  # also NaN
        return 0
    k = 1 + math.floor(math.log(seconds / BASE_S) / math.log(GAMMA))
    return min(max(k, 1), MAX_BUCKET)


def bucket_value(k: int) -> float:
    """The value bucket k stands for, in seconds."""
    if k <= 0:
        return 0.0
    lo, hi = BASE_S * GAMMA ** (k - 1), BASE_S * GAMMA ** k
    return 2 * lo * hi / (lo + hi)


def unpack(packed: Sequence[int] | None) -> list[int]:
    """The server's packed form [first bucket, its count, the next one's, ...] -> dense."""
    if not packed or len(packed) < 2:
        return []
    return [0] * packed[0] + list(packed[1:])


def histogram(latencies: Iterable[float]) -> list[int]:
    counts: list[int] = []
    for value in latencies:
        k = bucket_of(value)
        if k >= len(counts):
            counts.extend([0] * (k + 1 - len(counts)))
        counts[k] += 1
    return counts


def merge(*hists: Sequence[int] | None) -> list[int]:
    out: list[int] = []
    for hist in hists:
        if not hist:
            continue
        if len(hist) > len(out):
            out.extend([0] * (len(hist) - len(out)))
        for k, n in enumerate(hist):
            out[k] += n or 0
    return out


def percentile(hist: Sequence[int], p: float) -> float | None:
    """percentile_cont(p) over the histogram's latencies, approximately; None when empty."""
    total = sum(hist)
    if total == 0:
        return None
    position = p * (total - 1)
    below = math.floor(position)
    fraction = position - below
    low = _value_at_rank(hist, below)
    if fraction == 0:
        return low
    return low + fraction * (_value_at_rank(hist, below + 1) - low)


def _value_at_rank(hist: Sequence[int], rank: int) -> float:
    seen = 0
    for k, n in enumerate(hist):
        seen += n
        if seen > rank:
            return bucket_value(k)
    return bucket_value(len(hist) - 1)

