"""Slow estimates (drifts, trends, held levels) computed at a low rate, then spread back.

Block means at about SLOW_HZ first: filters over seconds then cost a tenth of
what they would at the sample rate, which keeps an hour's analysis within a
second.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

SLOW_HZ = 10.0


def decimate(x: np.ndarray, rate_hz: float) -> tuple[np.ndarray, int]:
    """Block means at about SLOW_HZ (the last, partial block included); and the block size."""
    step = max(1, int(round(rate_hz / SLOW_HZ)))
    n = len(x)
    m = -(-n // step)
    padded = np.concatenate([x, np.repeat(x[-1:], m * step - n, axis=0)])
    return padded.reshape(m, step, *x.shape[1:]).mean(1), step


def expand(coarse: np.ndarray, step: int, n: int) -> np.ndarray:
    """Back to every sample: linear between the blocks' centres."""
    centres = (np.arange(len(coarse)) + 0.5) * step - 0.5
    at = np.arange(n)
    if coarse.ndim == 1:
        return np.interp(at, centres, coarse)
    return np.stack([np.interp(at, centres, coarse[:, i]) for i in range(coarse.shape[1])], -1)


def smooth(x: np.ndarray, rate_hz: float, sigma_s: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing (sigma in s). "nearest" ends, so a trend at the
    edges is held, not pulled towards zero."""
    coarse, step = decimate(x, rate_hz)
    coarse = ndimage.gaussian_filter1d(coarse, sigma_s * rate_hz / step, axis=0,
                                       mode="nearest")
    return expand(coarse, step, len(x))


def median(x: np.ndarray, rate_hz: float, window_s: float) -> np.ndarray:
    """Running median over ``window_s``, per column: a step passes unblurred, anything
    shorter than half the window (a fault, a breath) does not."""
    coarse, step = decimate(x, rate_hz)
    size = max(1, int(window_s * rate_hz / step) | 1)
    # Column by column: scipy's one-dimensional median filter is an order of magnitude
    # faster than the same window given as an (n, 1) footprint.
    if coarse.ndim == 1:
        coarse = ndimage.median_filter(coarse, size=size, mode="nearest")
    else:
        coarse = np.stack([ndimage.median_filter(coarse[:, i], size=size, mode="nearest")
                           for i in range(coarse.shape[1])], -1)
    return expand(coarse, step, len(x))
