"""Input checks: is a CSV recording in the units it claims, and is it continuous?

Judged from physics, not from thresholds on extremes (a slow exercise in deg/s
peaks at 5 "rad/s", which no threshold on the rate's size can tell from rad/s):

1. **Time** (``time_unit``): the typical step (the median) against the rates an
   IMU samples at. 10 ms is 100 Hz in seconds, and 10 read as seconds is
   0.1 Hz, which no IMU does. Times may start anywhere (Unix time starts near
   1.7e9 s): ``korset.inputs`` counts them from the first sample.
2. **Gaps** (``korset.recording.gaps``): a step longer than ``GAP_STEPS``
   typical steps. Lost samples cannot be spaced evenly (a session file has one
   nominal rate) nor integrated over.
3. **Acceleration** (``accel_unit``): at rest the accelerometer reads gravity
   alone, \\|a\\| = g. Read where the signal is steadiest, in m/s^2 that is
   about 9.81; g read as m/s^2 is about 1.
4. **Angular rate** (``gyro_unit``): the gravity direction u the
   accelerometer sees turns in the body frame as du/dt = u x omega. Over
   windows where the accelerometer sees gravity alone (\\|a\\| near its rest
   value), the change of u is fitted by least squares as ``scale`` times the
   integral of u x omega, plus a constant gyro bias. The scale is about 1 in
   the right unit; deg/s read as rad/s gives about 1/57. The fraction of u's
   change the fit explains says whether anything can be told: a still
   recording, or one of walking (its accelerations swamp its small tilts),
   explains little and nothing is said. Rotation about gravity (turning
   round) moves u not at all and is rightly ignored.

A unit that does not fit is an error naming the option that converts (its
``Finding.values["fits"]``: the unit that does, if one does); the checks after
it go on in that unit, so that one message names every fix. Each threshold,
its unit and its reason is a field of ``Checks``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from korset.recording import GAP_STEPS, STANDARD_GRAVITY, typical_step_s


@dataclass(frozen=True)
class Checks:
    """The thresholds of the input checks."""

    # Hz: body-worn IMUs sample at 10-1000 Hz (Korset's 25-208, phones 50-500, lab
    # systems up to 1000), with a factor of two to spare each way. Narrower than the
    # factor of 1000 between s, ms and us, so that one unit fits at most.
    imu_rate_hz: tuple[float, float] = (5.0, 2000.0)
    # Multiples of g: |a| where the signal is steadiest, in the right unit. At rest it is
    # g within a sensor's scale error (a few %); a patient who never keeps still for a
    # moment still averages close to it. Narrower than the factor of 9.81 between m/s^2
    # and g.
    gravity_ratio: tuple[float, float] = (0.5, 2.0)
    # s: the window over which |a|'s steadiness is measured, and the share of the
    # recording taken as its steadiest (where it is at rest, if anywhere).
    steady_window_s: float = 0.5
    steady_share: float = 0.25
    # s: the accelerometer is smoothed (a moving mean) before its direction is taken,
    # against noise and the motor's buzz (aliased to a few Hz at 26 Hz); movements of the
    # lower back are slower.
    gyro_smooth_s: float = 0.5
    # s: the windows over which u's change and the gyro's prediction of it are compared:
    # long enough for an exercise's movement to tilt u beyond the noise, short enough
    # that the gyro bias barely adds up.
    gyro_window_s: float = 1.0
    # Fraction of g: a window is used only if |a| (smoothed) stays this close to its rest
    # value throughout: a bump or a stride accelerates the trunk by tens of % of g. Smaller
    # accelerations are left to the robust fit (below): a tighter bound dropped the
    # windows of the largest movements, where the motor buzzes for a fault.
    gyro_steady_fraction: float = 0.2
    # Huber weights: a window whose misfit exceeds this many robust standard deviations
    # (1.4826 median absolute misfit) weighs less, in proportion; refitted this often.
    gyro_huber: float = 2.0
    gyro_fit_iterations: int = 10
    # s: windows of steady movement needed before anything is said (each is one more
    # comparison; with fewer, chance fits are too likely).
    gyro_min_steady_s: float = 10.0
    # Fraction of u's change the fit explains beyond a constant bias (weighted). With the
    # gyro shifted in time against the accelerometer (no relation) it stayed below 0.14
    # (810 shifts of 270 recordings; the highest where repetitions realign at half a
    # recording's shift); 264 simulated sets explained 0.5-1, the six real recordings
    # told 0.37-0.94 (three walks of 8-11 s have too few windows: nothing said).
    gyro_min_explained: float = 0.2
    # Factor: the fitted scale in the right unit. Smoothing and linear acceleration put
    # it at 0.52-1.09 in simulated and real recordings; a wrong unit is 57 times off.
    gyro_scale_band: float = 3.0
    # rad/s (~1150 deg/s): a lower back does not turn this fast. Only a warning, for
    # when the fit can tell nothing (a recording too short or too still to fit).
    gyro_implausible_rad_s: float = 20.0
    # Typical steps: a longer step is a gap (korset.recording.GAP_STEPS).
    gap_steps: float = GAP_STEPS
    # s: a gap this short is filled in (linearly, at the typical step) rather than refused:
    # a logger or radio dropping a few samples. The leaflet's movements take seconds (a
    # repetition 2-6 s, faults 1-2.5 s: korset.sim), so a fifth of a second between
    # two real samples hides no repetition or fault and bends the attitude by little
    # more than the gyro's noise; longer, and the recording is split or refused.
    bridge_gap_s: float = 0.2


CHECKS = Checks()


@dataclass(frozen=True)
class Finding:
    """What a check found: an error (a wrong unit) or a warning (odd data)."""

    code: str
    text: str
    values: dict
    error: bool


def _fix(option: str, fits: str, given: str, default: str) -> str:
    if fits == default:
        return f"give {option} {fits} (the default), or drop {option} {given}"
    return f"give {option} {fits}"


def _unit_that_fits(table: dict[str, float], given: str, ok) -> str | None:
    """The unit in ``table`` other than ``given`` for which ``ok(factor)`` holds."""
    fits = [u for u, factor in table.items() if u != given and ok(factor)]
    return fits[0] if len(fits) == 1 else None


def time_unit(t_raw: np.ndarray, table: dict[str, float], given: str, default: str,
              checks: Checks = CHECKS) -> Finding | None:
    """The typical step in ``given`` against the rates an IMU samples at."""
    step = typical_step_s(t_raw)
    lo, hi = checks.imu_rate_hz

    def ok(factor: float) -> bool:
        return lo <= 1.0 / (step * factor) <= hi

    if ok(table[given]):
        return None
    rate = 1.0 / (step * table[given])
    fits = _unit_that_fits(table, given, ok)
    hint = (f"in {fits} ({step:.3g} {fits} is {1 / (step * table[fits]):.3g} Hz)? "
            + _fix("--time-unit", fits, given, default)) if fits else \
        f"give --time-unit as one of {', '.join(table)}, or check the t column"
    return Finding("time_unit", f"the samples are typically {step:.3g} {given} apart, "
                   f"{rate:.3g} Hz, where an IMU samples at {lo:g}-{hi:g} Hz: {hint}",
                   {"step": step, "rate_hz": rate, "fits": fits}, True)


def _steady_magnitude(accel: np.ndarray, rate_hz: float, checks: Checks) -> float:
    """|a| where it varies least (relative to itself): at rest, if ever."""
    mag = np.linalg.norm(accel, axis=1)
    k = max(2, int(round(checks.steady_window_s * rate_hz)))
    mean = ndimage.uniform_filter1d(mag, k, mode="nearest")
    spread = np.sqrt(np.maximum(ndimage.uniform_filter1d(mag ** 2, k, mode="nearest")
                                - mean ** 2, 0.0)) / np.maximum(np.abs(mean), 1e-12)
    steadiest = spread <= np.quantile(spread, checks.steady_share)
    return float(np.median(mag[steadiest]))


def accel_unit(accel: np.ndarray, rate_hz: float, table: dict[str, float], given: str,
               default: str, checks: Checks = CHECKS) -> Finding | None:
    """|a| at rest against g. ``accel`` already converted from ``given``."""
    rest = _steady_magnitude(accel, rate_hz, checks)
    lo, hi = checks.gravity_ratio
    raw = rest / table[given]

    def ok(factor: float) -> bool:
        return lo <= raw * factor / STANDARD_GRAVITY <= hi

    if ok(table[given]):
        return None
    fits = _unit_that_fits(table, given, ok)
    hint = f"in {fits}? " + _fix("--accel-unit", fits, given, default) if fits else \
        "gravity taken out (the contract includes it), or another unit?"
    return Finding("accel_unit", f"at rest the acceleration's magnitude is {rest:.3g} m/s^2, "
                   f"not about {STANDARD_GRAVITY:.2f} (gravity): {hint}",
                   {"rest_m_s2": round(rest, 3), "fits": fits}, True)


@dataclass(frozen=True)
class GyroFit:
    """The gyro's scale against the tilt the accelerometer sees (``fit_gyro_scale``)."""

    scale: float  # what the angular rate must be multiplied by to explain the tilt
    explained: float  # fraction of the tilt's change explained beyond a constant bias
    steady_s: float  # time covered by the windows used, s


def _cross_matrix(v: np.ndarray) -> np.ndarray:
    """(m, 3, 3): [v]x for each row, so that [v]x @ c = v x c."""
    z = np.zeros(len(v))
    return np.stack([np.stack([z, -v[:, 2], v[:, 1]], 1),
                     np.stack([v[:, 2], z, -v[:, 0]], 1),
                     np.stack([-v[:, 1], v[:, 0], z], 1)], 1)


def fit_gyro_scale(t: np.ndarray, accel: np.ndarray, gyro: np.ndarray,
                   checks: Checks = CHECKS) -> GyroFit:
    """Fit du = scale * integral(u x omega) + integral(u) x c over steady windows (u: the
    smoothed accelerometer's direction, c: a constant bias term), robustly: windows that
    fit badly (a bump, a buzz, linear acceleration that tilts u) weigh less (Huber
    weights, iteratively reweighted least squares)."""
    step = typical_step_s(t)
    rate = 1.0 / step
    a = ndimage.uniform_filter1d(accel, max(1, int(round(checks.gyro_smooth_s * rate))),
                                 axis=0, mode="nearest")
    mag = np.linalg.norm(a, axis=1)
    u = a / np.maximum(mag, 1e-12)[:, None]
    dt = np.diff(t, prepend=t[0])
    gap = dt > checks.gap_steps * step
    dt[gap] = 0.0
    zero = np.zeros((1, 3))
    turn = np.vstack([zero, np.cumsum(np.cross(u, gyro) * dt[:, None], axis=0)])
    along = np.vstack([zero, np.cumsum(u * dt[:, None], axis=0)])
    w = max(2, int(round(checks.gyro_window_s * rate)))
    hop = max(1, w // 4)
    rest = float(np.median(mag))
    off = np.abs(mag / max(rest, 1e-12) - 1.0) > checks.gyro_steady_fraction
    bad = ndimage.maximum_filter1d((off | gap).astype(np.uint8), w + 1, origin=-(w // 2))
    i = np.arange(0, len(t) - w, hop)
    i = i[bad[i] == 0]
    if len(i) < 4:
        return GyroFit(float("nan"), 0.0, 0.0)
    du = u[i + w] - u[i]  # (m, 3)
    bias = _cross_matrix(along[i + w] - along[i])  # (m, 3, 3)
    full = np.concatenate([(turn[i + w] - turn[i])[:, :, None], bias], axis=2)  # (m, 3, 4)
    weights = np.ones(len(i))
    for _ in range(checks.gyro_fit_iterations):
        c = _weighted_fit(full, du, weights)[0]
        miss = np.linalg.norm(du - full @ c, axis=1)
        spread = 1.4826 * float(np.median(miss)) + 1e-12
        weights = np.minimum(1.0, checks.gyro_huber * spread / np.maximum(miss, 1e-12))
    c, r = _weighted_fit(full, du, weights)
    r0 = _weighted_fit(bias, du, weights)[1]
    explained = 1.0 - r / r0 if r0 > 1e-12 else 0.0
    return GyroFit(float(c[0]), explained, len(i) * hop * step)


def _weighted_fit(a: np.ndarray, y: np.ndarray, weights: np.ndarray
                  ) -> tuple[np.ndarray, float]:
    """Least squares of y (m, 3) by a (m, 3, k) with a weight per window: the
    coefficients and the weighted sum of squared residuals."""
    root = np.sqrt(weights)
    aw = (a * root[:, None, None]).reshape(-1, a.shape[2])
    yw = (y * root[:, None]).reshape(-1)
    c = np.linalg.lstsq(aw, yw, rcond=None)[0]
    return c, float(np.sum((yw - aw @ c) ** 2))


def gyro_unit(t: np.ndarray, accel: np.ndarray, gyro: np.ndarray, table: dict[str, float],
              given: str, default: str, checks: Checks = CHECKS) -> Finding | None:
    """The gyro's scale against the tilt the accelerometer sees. ``gyro`` already
    converted from ``given``."""
    fit = fit_gyro_scale(t, accel, gyro, checks)
    if fit.steady_s < checks.gyro_min_steady_s or fit.explained < checks.gyro_min_explained:
        fastest = float(np.percentile(np.abs(gyro), 99))
        if fastest > checks.gyro_implausible_rad_s:
            return Finding("gyro_unit", f"the angular rate reaches {fastest:.0f} rad/s, more "
                           "than a lower back turns: is it in deg/s (--gyro-unit deg/s)?",
                           {"rad_s": round(fastest)}, False)
        return None
    band = checks.gyro_scale_band
    values = {"scale": round(fit.scale, 4), "explained": round(fit.explained, 2),
              "steady_s": round(fit.steady_s)}
    if 1 / band <= fit.scale <= band:
        return None
    over = f"over {fit.steady_s:.0f} s of steady movement"
    if fit.scale <= 0:
        return Finding("gyro_accel_disagree", "the angular rate turns the body against the "
                       f"tilt the accelerometer sees ({over}): do the gyro's axes or signs "
                       "differ from the accelerometer's?", values, False)
    ratio = 1 / fit.scale
    times = f"{ratio:.3g} times as far" if ratio >= 1 else f"1/{fit.scale:.3g} as far"
    fits = _unit_that_fits(table, given, lambda f: 1 / band <= fit.scale * table[given] / f
                           <= band)
    said = f"the angular rate, integrated, turns the body {times} as the " \
        f"accelerometer sees it tilt ({over})"
    if fits is None:
        return Finding("gyro_accel_disagree", f"{said}: in another unit?", values, False)
    return Finding("gyro_unit", f"{said}: in {fits}? "
                   + _fix("--gyro-unit", fits, given, default), dict(values, fits=fits), True)
