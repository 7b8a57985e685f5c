"""When is the patient still, when walking, and which way is up: the recording's activity.

Pure functions of arrays (accelerometer m/s^2, gyro rad/s, body frame, rate in
Hz). Stillness is judged first on how much the signals vary rather than on
their size, so that an unknown gyro bias does not hide it; once the bias is
known, slow smooth movement is excluded too (as the firmware does, in
``korsetfw.stillness``, with the same thresholds).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from korset.recording import STANDARD_GRAVITY
from korsetfw import catalogue as cat

STILL_GYRO_VARIATION_DPS = 1.5  # summed |gyro - its 0.15 s mean| over the axes, averaged
STILL_ACCEL_VARIATION_G = 0.02  # the same for the accelerometer
STILL_RATE_DPS = 0.7  # once the bias is known: |rate| (0.25 s mean) below this
STILL_MIN_S = 0.8  # a stillness lasts at least this long

# Walking, running, stairs: the trunk's vertical acceleration swings by well over
# 1 m/s^2 at 1-3 steps a second. An exercise for the lower back moves it by a
# fraction of that (rocking back on all fours: ~0.3 m/s^2).
GAIT_BAND_HZ = (0.8, 3.5)
GAIT_RMS_MS2 = 0.25  # band-passed |a| RMS over GAIT_WINDOW_S
GAIT_WINDOW_S = 2.0
GAIT_MIN_S = 2.0
# Band-passed RMS of the pelvis's roll and yaw rates: each stride twists the pelvis
# (rotation) and drops one hip (obliquity) by several degrees. Pitch is left out: a
# brisk squat or sit-to-stand pitches the pelvis as fast, but neither twists it.
GAIT_TWIST_RMS_DPS = 6.0
GAIT_TWIST_AXES = (0, 2)  # body x (anterior: roll) and z (up: yaw)
GAIT_UPRIGHT_DEG = 50.0  # walking, the trunk stays this close to upright (turns tilt it)

POSTURE_MATCH_DEG = 35.0  # gravity within this of a posture's direction: in that posture
SITTING_TILT_DEG = 12.0  # upright, gravity tipped this far towards anterior: sitting ...
STANDING_TILT_DEG = 4.0  # ... this little: standing (between: a belt worn tilted, either)


def _mean(x: np.ndarray, rate_hz: float, seconds: float) -> np.ndarray:
    return ndimage.uniform_filter1d(x, max(1, int(round(seconds * rate_hz))), axis=0,
                                    mode="nearest")


def quiet_mask(accel: np.ndarray, gyro: np.ndarray, rate_hz: float) -> np.ndarray:
    """(n,) bool: the signals vary little (the first test of stillness, bias unknown)."""
    g = np.degrees(gyro)
    a = accel / STANDARD_GRAVITY
    g_var = _mean(np.abs(g - _mean(g, rate_hz, 0.15)).sum(1), rate_hz, 0.25)
    a_var = _mean(np.abs(a - _mean(a, rate_hz, 0.15)).sum(1), rate_hz, 0.25)
    return (g_var < STILL_GYRO_VARIATION_DPS) & (a_var < STILL_ACCEL_VARIATION_G)


def still_mask(quiet: np.ndarray, gyro: np.ndarray, rate_hz: float,
               bias: np.ndarray | None = None) -> np.ndarray:
    """(n,) bool: quiet (``quiet_mask``) and, once the bias is known, not turning slowly
    either; for at least STILL_MIN_S."""
    if bias is not None:
        rate = np.linalg.norm(_mean(np.degrees(gyro - bias), rate_hz, 0.25), axis=1)
        quiet = quiet & (rate < STILL_RATE_DPS)
    return keep_runs(quiet, int(STILL_MIN_S * rate_hz))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the True runs of ``mask``."""
    edges = np.diff(mask.astype(np.int8), prepend=0, append=0)
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(),
                    strict=True))


def keep_runs(mask: np.ndarray, min_length: int) -> np.ndarray:
    """``mask`` without its True runs shorter than ``min_length`` samples."""
    out = np.zeros(len(mask), bool)
    for a, b in runs(mask):
        if b - a >= min_length:
            out[a:b] = True
    return out


def widen(mask: np.ndarray, pad: int) -> np.ndarray:
    """``mask`` with each True run extended by ``pad`` samples on both sides."""
    out = np.zeros(len(mask), bool)
    for a, b in runs(mask):
        out[max(0, a - pad):b + pad] = True
    return out


def gait_mask(accel: np.ndarray, gyro: np.ndarray, rate_hz: float) -> np.ndarray:
    """(n,) bool: walking-like, for at least GAIT_MIN_S: upright, the trunk's acceleration
    swinging at step rates, and the pelvis twisting to and fro with the strides.

    Both signals are needed: the motor's buzz, aliased into the step band at low
    sample rates, shakes the accelerometer but turns nothing; an exercise's
    fault turns the pelvis but does not jolt it.
    """
    if len(accel) <= 30:
        return np.zeros(len(accel), bool)
    slow = _mean(accel, rate_hz, 1.0)
    cos_up = slow[:, 2] / np.maximum(np.linalg.norm(slow, axis=1), 1e-9)
    upright = cos_up > np.cos(np.radians(GAIT_UPRIGHT_DEG))
    if not upright.any():
        return np.zeros(len(accel), bool)  # no walk: and no scipy.signal (half a second)
    from scipy import signal

    hi = min(GAIT_BAND_HZ[1], 0.45 * rate_hz)
    sos = signal.butter(2, [GAIT_BAND_HZ[0], hi], btype="band", fs=rate_hz, output="sos")
    mag = np.linalg.norm(accel, axis=1)
    jolt = _mean(signal.sosfiltfilt(sos, mag - mag.mean()) ** 2, rate_hz, GAIT_WINDOW_S)
    twist = np.degrees(gyro[:, GAIT_TWIST_AXES])
    turn = _mean((signal.sosfiltfilt(sos, twist, axis=0) ** 2).sum(1), rate_hz, GAIT_WINDOW_S)
    walking = (jolt > GAIT_RMS_MS2 ** 2) & (turn > GAIT_TWIST_RMS_DPS ** 2) & upright
    return keep_runs(walking, int(GAIT_MIN_S * rate_hz))


def posture_of(up_body: np.ndarray, expected: str | None = None) -> str:
    """The starting posture whose gravity direction is nearest ``up_body`` (a unit vector).

    Directions alone cannot tell prone from on all fours; the expected posture wins
    that tie. Sitting and standing are both upright, but sitting tilts the pelvis back
    (6-39 degrees from standing, 18 the median, in UCI HAPT's waist recordings), which
    tips gravity towards the sensor's anterior axis: tipped SITTING_TILT_DEG or more,
    sitting; STANDING_TILT_DEG or less (or forwards), standing; between (a belt worn
    tilted by a few degrees looks the same), the expected one of the two, else the
    nearer.
    """
    best, best_angle = "unknown", POSTURE_MATCH_DEG
    for posture, direction in cat.POSTURE_UP.items():
        d = np.array(direction, dtype=float)
        if posture == cat.SIDE_LYING:
            cos = abs(float(up_body @ d))
        else:
            cos = float(up_body @ d)
        angle = float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))
        if angle < best_angle - 1e-9 or (angle <= best_angle + 1e-9 and posture == expected):
            best, best_angle = posture, angle
    if best in (cat.SITTING, cat.STANDING):
        back = float(np.degrees(np.arctan2(up_body[0], up_body[2])))
        if back >= SITTING_TILT_DEG:
            return cat.SITTING
        if back <= STANDING_TILT_DEG:
            return cat.STANDING
        if expected in (cat.SITTING, cat.STANDING):
            return expected
        return cat.SITTING if back >= 0.5 * (SITTING_TILT_DEG + STANDING_TILT_DEG) \
            else cat.STANDING
    return best
