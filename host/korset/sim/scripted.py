"""Scripted motions: simple, exactly known movements for tests and the demo.

Unlike ``simulate`` there is no patient model, no sensor error and no truth
beyond the attitude itself: the sensor rotates about its own location.
"""

from __future__ import annotations

import numpy as np

from korset.recording import Recording
from korset.sim import kinematics as kin


def attitude_recording(t: np.ndarray, rotation: np.ndarray, flexion: np.ndarray,
                       lateral: np.ndarray) -> Recording:
    """Ideal IMU signals for deviation angles (radians) from standing upright."""
    r = kin.deviation_rotation(rotation, flexion, lateral)
    force = kin.specific_force(t, r, np.zeros((len(t), 3)))
    return Recording(t=t, accel=force, gyro=kin.angular_rate(t, r))


def bends(duration_s: float = 10.0, rate_hz: float = 200.0, pitch_deg: float = 10.0,
          period_s: float = 4.0, roll_deg: float = 3.0, yaw_deg: float = 5.0) -> Recording:
    """Standing still for 2 s, then slow forward bends with a little side tilt and twist."""
    t = np.arange(0.0, duration_s, 1.0 / rate_hz)
    phase = np.clip(t - 2.0, 0.0, None) * 2 * np.pi / period_s
    shape = 0.5 * (1 - np.cos(phase))
    deg = np.pi / 180
    return attitude_recording(t, yaw_deg * deg * np.sin(phase / 2) * (t > 2.0),
                              pitch_deg * deg * shape, -roll_deg * deg * shape)
