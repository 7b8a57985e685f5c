"""Repetitions of the generic ``reps`` kind: any repeated movement, large (squats,
sit-to-stand, bridges) or steps.

Walking bouts count their steps (each heel strike jolts the trunk upwards: one
peak of vertical acceleration); elsewhere each cycle of the movement's main
direction (the first principal component of angles and acceleration) is a
repetition. ``displacement`` (acceleration integrated twice in a band) serves
the exercises' count too (``reps``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from korset.analysis.rhythm import regularity


@dataclass(frozen=True)
class GenericParams:
    """The generic kind's settings, each with its unit and reason."""

    period_range_s: tuple[float, float] = (0.35, 12.0)  # a cycle's period (s): steps are
    #                                                     quick
    min_size_fraction: float = 0.25  # a repetition is at least this share of the typical
    #                                  one's size
    min_prominence_fraction: float = 0.25  # and rises at least this much (of the typical
    #                                        size) above its dips
    min_spacing_fraction: float = 0.55  # repetitions are at least this many periods apart
    min_reps: int = 3  # fewer similar movements are no rhythm to count by
    gait_pad_s: float = 1.0  # walking detected is widened by this much (s) for counting
    #                          steps
    min_bout_s: float = 4.0  # stretches between walks shorter than this (s) hold no
    #                          repetitions
    step_band_hz: tuple[float, float] = (0.5, 4.0)  # the heel strikes' jolts are found in
    #                                                 this band (Hz)
    step_spacing_fraction: float = 0.6  # of the step period: closer jolts belong to one
    #                                     step
    step_period_s: tuple[float, float] = (0.3, 1.0)  # a walk's cadence (s a step), slow
    #                                                  (60 steps a minute) to brisk
    min_walk_s: float = 3.0  # walking shorter than this (s), once heaving is taken off, is
    #                          no walk
    walk_max_heave_m: float = 0.2  # a walk lifts the pelvis by a few cm each step (m); a
    #                                squat by 30
    walk_heave_window_s: float = 2.0  # the pelvis's heave is judged over this (s)
    heave_band_hz: tuple[float, float] = (0.3, 4.0)  # ... in this band (Hz): a squat or
    #                                                  sitting down takes a second or two,
    #                                                  a step a quarter to a half
    step_regularity: float = 0.25  # the jolts repeat at least this clearly at a walk's
    #                                cadence
    step_size_fraction: float = 0.3  # a step's jolt is at least this share of the typical
    #                                  step's
    min_width_fraction: float = 0.45  # a repetition lasts at least this share of the
    #                                   typical one's length
    accel_deg_per_ms2: float = 10.0  # weight of linear acceleration against angles (deg
    #                                  per m/s^2)
    # ``displacement``'s band (Hz): movement over seconds; below it, a degree of tilt
    # error would pass for metres.
    displacement_band_hz: tuple[float, float] = (0.15, 2.0)
    # A cycle of the generic kind rises at least this far (degrees; acceleration weighted
    # accel_deg_per_ms2) above its dips: a squat, a sit-to-stand or a bridge moves the
    # lower back by 15-35 degrees; a few degrees is sway, a breath or a wobble.
    min_cycle_deg: float = 5.0
    cycles_hz: float = 20.0  # cycles are counted at about this rate (Hz): they take
    #                          seconds
    cycles_band_hz: tuple[float, float] = (0.08, 3.0)  # cycles are found in this band (Hz):
    #                                                    a slow one takes 12 s, and the
    #                                                    upper edge keeps a step's jolt
    cycles_smooth_periods: float = 0.15  # ... smoothed over this (periods): a breath's
    #                                      ripple on a cycle is not a second peak


PARAMS = GenericParams()


def displacement(linear: np.ndarray, rate_hz: float,
                 band_hz: tuple[float, float] | None = None) -> np.ndarray:
    """(n, k) displacement (m) in the band, from (n, k) linear acceleration (m/s^2: accel
    less gravity, along k directions). ``band_hz``: (low, high) in Hz; None:
    ``PARAMS.displacement_band_hz``.

    Integrated twice in the frequency domain (divide by -(2 pi f)^2), zero phase;
    the band (fourth-order Butterworth magnitudes at both edges, so no ringing)
    keeps it from wandering: what is left is movement over seconds. Below the
    band, a degree of tilt error would pass for metres.
    """
    lin = linear - linear.mean(0)
    n = len(lin)
    size = 1 << int(np.ceil(np.log2(max(n, 2) * 1.25)))
    f = np.fft.rfftfreq(size, 1.0 / rate_hz)
    lo, hi = PARAMS.displacement_band_hz if band_hz is None else band_hz
    with np.errstate(divide="ignore", invalid="ignore"):
        high_pass = (f / lo) ** 4 / (1 + (f / lo) ** 4)
        gain = np.where(f > 0, -high_pass / (1 + (f / hi) ** 4) / (2 * np.pi * f) ** 2, 0.0)
    spec = np.fft.rfft(lin, size, axis=0) * gain[:, None]
    return np.fft.irfft(spec, size, axis=0)[:n]


def _peaks(t: np.ndarray, activity: np.ndarray, period: float, rate_hz: float,
           params: GenericParams, at_least: float = 0.0) -> list[float]:
    """Repetitions among the activity's peaks: big enough (at least ``at_least`` above
    their dips, in the activity's units), far enough apart, long enough.

    Sizes and lengths are judged against this set's own typical repetition (the
    median of the larger half, above the activity's quiet level), so the count adapts
    to small and slow movers. A short twitch (settling in, fidgeting at the end) is
    not a repetition.
    """
    from scipy import signal  # here: importing it takes half a second

    floor = float(np.percentile(activity, 10))  # an activity at rest: its quiet level
    spacing = max(1, int(params.min_spacing_fraction * period * rate_hz))
    peaks, props = signal.find_peaks(activity, distance=spacing,
                                     prominence=1e-9, width=1, rel_height=0.5)
    if not len(peaks):
        return []
    heights = activity[peaks] - floor
    upper = heights >= np.median(heights)
    typical = float(np.median(heights[upper]))
    if typical <= 0:
        return []
    typical_width = float(np.median(props["widths"][upper]))
    keep = (heights >= params.min_size_fraction * typical) & \
        (props["prominences"] >= at_least) & \
        (props["prominences"] >= params.min_prominence_fraction * typical) & \
        (props["widths"] >= params.min_width_fraction * typical_width)
    return [float(t[p]) for p in peaks[keep]]


def count_generic(t: np.ndarray, dev: np.ndarray, accel: np.ndarray, gravity: np.ndarray,
                  gait: np.ndarray, rate_hz: float, params: GenericParams = PARAMS
                  ) -> tuple[list[float], int, int, bool]:
    """Any repeated movement: steps while walking, cycles of the main movement elsewhere.
    Every repetition's time, the counts allowed (low, high) and whether the count is
    sure (steps and cycles are counted by rule: only none at all is)."""
    from korset.analysis.motion import keep_runs, runs, widen

    found: list[float] = []
    low = high = 0
    walking = widen(gait, int(params.gait_pad_s * rate_hz)) & \
        ~_heaving(accel, gravity, rate_hz, params)
    # What heaving left of a walk.
    walking = keep_runs(walking, int(params.min_walk_s * rate_hz))
    other = ~walking
    for a, b in runs(walking):
        steps = _steps(t[a:b], accel[a:b], gravity[a:b], rate_hz, params)
        if steps is None:  # vigorous, but not at a walk's cadence (sit-to-stand)
            other[a:b] = True
        else:
            found += steps
            low, high = low + len(steps), high + len(steps)
    for a, b in runs(other):
        if t[b - 1] - t[a] >= params.min_bout_s:
            times, lo, hi, _ = _cycles(t[a:b], dev[a:b], accel[a:b], rate_hz, params)
            found += times
            low, high = low + lo, high + hi
    return sorted(found), low, high, high == 0


def _heaving(accel: np.ndarray, gravity: np.ndarray, rate_hz: float, params: GenericParams
             ) -> np.ndarray:
    """(n,) bool: the pelvis moves up and down by more than a walk's few centimetres
    (squats, sitting down and standing up), judged over ``walk_heave_window_s``."""
    if len(accel) <= 30:
        return np.zeros(len(accel), bool)
    g = np.linalg.norm(gravity, axis=1)
    # Up changes over seconds, the band's movements are faster: the vertical acceleration
    # integrates to the vertical displacement (one column, a third of the work).
    lifting = np.einsum("ij,ij->i", accel, gravity) / np.maximum(g, 1e-9) - g
    vertical = displacement(lifting[:, None], rate_hz, band_hz=params.heave_band_hz)[:, 0]
    size = max(1, int(params.walk_heave_window_s * rate_hz))
    spread = ndimage.maximum_filter1d(vertical, size) - ndimage.minimum_filter1d(vertical, size)
    return spread > params.walk_max_heave_m


def _steps(t: np.ndarray, accel: np.ndarray, gravity: np.ndarray, rate_hz: float,
           params: GenericParams) -> list[float] | None:
    """Steps: each heel strike jolts the trunk upwards, one peak of vertical acceleration.
    None when the jolts do not come at a walking cadence."""
    from scipy import signal  # here: importing it takes half a second

    up = gravity / np.maximum(np.linalg.norm(gravity, axis=1, keepdims=True), 1e-9)
    vertical = np.einsum("ij,ij->i", accel, up)
    hi = min(params.step_band_hz[1], 0.45 * rate_hz)
    if len(t) < 3 * rate_hz:
        return []
    sos = signal.butter(2, [params.step_band_hz[0], hi], btype="band", fs=rate_hz, output="sos")
    v = signal.sosfiltfilt(sos, vertical)
    # A walk's jolts repeat at its cadence first of all; a brisk squat's jolts repeat at
    # the squat's period, with at most weaker echoes at shorter lags.
    regular, step_s = regularity(v, rate_hz, params.step_period_s[0], 3.0)
    if step_s is None or step_s > params.step_period_s[1] or regular < params.step_regularity:
        return None
    peaks, _ = signal.find_peaks(v, distance=max(1, int(params.step_spacing_fraction
                                                        * step_s * rate_hz)))
    if not len(peaks):
        return []
    typical = float(np.median(np.sort(v[peaks])[len(peaks) // 2:]))
    keep = v[peaks] >= params.step_size_fraction * typical
    return [float(x) for x in t[peaks[keep]]]


def _cycles(t: np.ndarray, dev: np.ndarray, accel: np.ndarray, rate_hz: float,
            params: GenericParams) -> tuple[list[float], int, int, bool]:
    """Cycles of the movement's main direction (squats, sit-to-stand, bridges): their
    times, the counts allowed (low, high) and whether that is sure (these rules weigh
    no alternative count, so only "nothing large moved" is)."""
    from scipy import signal  # here: importing it takes half a second

    x = np.column_stack([dev, (accel - accel.mean(0)) * params.accel_deg_per_ms2])
    # Cycles of seconds: block means at about ``cycles_hz`` are plenty, and an hour's
    # filtering then costs a fifth.
    step = max(1, int(round(rate_hz / params.cycles_hz)))
    n = len(x) // step * step
    x = x[:n].reshape(-1, step, x.shape[1]).mean(1)
    t = t[:n].reshape(-1, step).mean(1)
    rate_hz = rate_hz / step
    if len(x) < 30:
        return [], 0, 0, True
    lo, hi = params.cycles_band_hz
    sos = signal.butter(2, [lo, min(hi, 0.45 * rate_hz)], btype="band", fs=rate_hz,
                        output="sos")
    x = signal.sosfiltfilt(sos, x, axis=0)
    # First principal component: the movement's main direction.
    _, vectors = np.linalg.eigh(np.cov(x, rowvar=False))  # ascending eigenvalues
    p = x @ vectors[:, -1]
    # A repetition goes out and comes back: the movement is skewed towards "out".
    p = p * (1.0 if np.mean(p ** 3) >= 0 else -1.0)
    period = regularity(p, rate_hz, *params.period_range_s)[1] or 2.0
    width = max(1, int(params.cycles_smooth_periods * period * rate_hz))
    smooth = ndimage.uniform_filter1d(p, width, mode="nearest")
    found = _peaks(t, smooth, period, rate_hz, params, at_least=params.min_cycle_deg)
    if len(found) >= params.min_reps:
        return found, len(found), len(found), False
    # Fewer large movements than a rhythm's worth: none counted, but as many allowed.
    return [], 0, len(found), not found
