"""Faults: episodes where a monitored axis of the lower back is beyond its tolerance."""

from __future__ import annotations

import numpy as np

from korset.analysis.motion import runs
from korset.analysis.orientation import AXES
from korset.analysis.result import Fault

MERGE_S = 0.3  # two crossings this close on one axis are one episode (noise at the edge)
MIN_S = 0.08  # shorter excursions are noise, not movement


def episodes(t: np.ndarray, deviation_deg: np.ndarray, judged: np.ndarray,
             tolerance_deg: dict[str, float]) -> list[Fault]:
    """Faults in time order. ``deviation_deg``: (n, 3) in ``AXES`` order; NaN: not judged."""
    found = []
    for axis, tol in tolerance_deg.items():
        dev = deviation_deg[:, AXES.index(axis)]
        outside = judged & (np.nan_to_num(np.abs(dev), nan=0.0) > tol)
        merged: list[list[int]] = []
        for a, b in runs(outside):
            if merged and t[a] - t[merged[-1][1] - 1] <= MERGE_S:
                merged[-1][1] = b
            else:
                merged.append([a, b])
        for a, b in merged:
            if t[b - 1] - t[a] < MIN_S:
                continue
            seg = dev[a:b]
            k = int(np.nanargmax(np.abs(seg)))
            found.append(Fault(round(float(t[a]), 3), round(float(t[b - 1]), 3),
                               round(float(seg[k]), 2), axis))
    found.sort(key=lambda f: f.start_s)
    return found


def time_outside_s(t: np.ndarray, deviation_deg: np.ndarray, judged: np.ndarray,
                   tolerance_deg: dict[str, float]) -> float:
    outside = np.zeros(len(t), bool)
    for axis, tol in tolerance_deg.items():
        outside |= np.nan_to_num(np.abs(deviation_deg[:, AXES.index(axis)]), nan=0.0) > tol
    dt = np.gradient(t) if len(t) > 1 else np.zeros(len(t))
    return float(dt[outside & judged].sum())
