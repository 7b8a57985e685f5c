"""How regularly a signal repeats, and at what period: repetitions, steps, breaths."""

from __future__ import annotations

import numpy as np

BREATH_S = 4.0  # a calm breath (the catalogue's holds last 3-4 of them)
BREATH_RANGE_S = (2.5, 8.0)  # breathing's period: 7 to 24 breaths a minute


def regularity(x: np.ndarray, rate_hz: float, lo_s: float, hi_s: float
               ) -> tuple[float, float | None]:
    """How strongly ``x`` repeats, and at what period.

    The normalised autocorrelation's peaks in the lag range, each scored by how
    far it rises above the dip before it (a slow wander correlates with itself
    at every lag, but has no dip); the first peak scoring at least half the
    best is the period (not a multiple of it).
    """
    x = x - x.mean()
    n = len(x)
    size = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(x, size)
    ac = np.fft.irfft((spec * spec.conj()).real, size)[:n]
    if ac[0] <= 0:
        return 0.0, None
    ac = ac / ac[0]
    lo, hi = int(lo_s * rate_hz), min(int(hi_s * rate_hz), n // 2)
    if hi <= lo + 2:
        return 0.0, None
    peaks = local_maxima(ac[:hi])
    peaks = peaks[peaks >= lo]
    if not len(peaks):
        return 0.0, None
    scores = np.array([ac[p] - ac[:p].min() for p in peaks])
    best = int(np.argmax(scores))
    for i, p in enumerate(peaks):
        if scores[i] >= 0.5 * scores[best]:
            return float(scores[best]), p / rate_hz
    return float(scores[best]), peaks[best] / rate_hz


def local_maxima(x: np.ndarray) -> np.ndarray:
    """Indices of ``x``'s local maxima, as ``scipy.signal.find_peaks(x)`` gives them (the
    same, without importing scipy.signal: half a second): samples, or the middle (rounded
    down) of flat tops, higher than both neighbours; never the first or last sample."""
    x = np.asarray(x)
    if len(x) < 3:
        return np.zeros(0, dtype=np.intp)
    # Runs of equal samples [left, right]: a top where the run rises from the sample
    # before it and falls to the one after it.
    left = np.flatnonzero(np.concatenate([[True], x[1:] != x[:-1]]))
    right = np.concatenate([left[1:] - 1, [len(x) - 1]])
    inner = (left >= 1) & (right <= len(x) - 2)
    left, right = left[inner], right[inner]
    top = (x[left - 1] < x[left]) & (x[right + 1] < x[right])
    return ((left[top] + right[top]) // 2).astype(np.intp)
