"""Motion to IMU signals: what a sensor on the lower back measures for a given attitude.

Attitude is given as yaw, pitch and roll angles over time (Z-Y-X Euler angles,
radians; body frame x anterior, y left, z up; pitch > 0 is bending forward,
roll > 0 tilts the top to the right). The sensor is taken to rotate about its
own location, so it measures gravity's reaction and the body angular rate:

    f_body = R^T (0, 0, g)
    w_body = (roll', 0, 0) + Rx^T (0, pitch', 0) + Rx^T Ry^T (0, 0, yaw')

with R = Rz(yaw) Ry(pitch) Rx(roll). The simulator builds on this.
"""

from __future__ import annotations

import numpy as np

from korset.recording import STANDARD_GRAVITY, Recording


def _rx(a):
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1),
                     np.stack([z, s, c], -1)], -2)


def _ry(a):
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1),
                     np.stack([-s, z, c], -1)], -2)


def _rz(a):
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


def rotation(yaw, pitch, roll) -> np.ndarray:
    """(n, 3, 3) body-to-world rotation matrices."""
    return _rz(yaw) @ _ry(pitch) @ _rx(roll)


def imu_from_attitude(t, yaw, pitch, roll) -> Recording:
    """Specific force and angular rate for an attitude history (pure rotation)."""
    t = np.asarray(t, dtype=float)
    yaw, pitch, roll = (np.asarray(a, dtype=float) for a in (yaw, pitch, roll))
    r = rotation(yaw, pitch, roll)
    up = np.array([0.0, 0.0, STANDARD_GRAVITY])
    accel = np.einsum("nji,j->ni", r, up)
    d_yaw, d_pitch, d_roll = (np.gradient(a, t) for a in (yaw, pitch, roll))
    rxt = np.swapaxes(_rx(roll), -1, -2)
    ryt = np.swapaxes(_ry(pitch), -1, -2)
    zeros = np.zeros_like(t)
    gyro = (np.stack([d_roll, zeros, zeros], -1)
            + np.einsum("nij,nj->ni", rxt, np.stack([zeros, d_pitch, zeros], -1))
            + np.einsum("nij,nj->ni", rxt @ ryt, np.stack([zeros, zeros, d_yaw], -1)))
    return Recording(t=t, accel=accel, gyro=gyro)


def bends(duration_s: float = 10.0, rate_hz: float = 200.0, pitch_deg: float = 10.0,
          period_s: float = 4.0, roll_deg: float = 3.0, yaw_deg: float = 5.0) -> Recording:
    """Standing still for 2 s, then slow forward bends with a little side tilt and twist."""
    t = np.arange(0.0, duration_s, 1.0 / rate_hz)
    phase = np.clip(t - 2.0, 0.0, None) * 2 * np.pi / period_s
    shape = 0.5 * (1 - np.cos(phase))
    return imu_from_attitude(t, np.radians(yaw_deg) * np.sin(phase / 2) * (t > 2.0),
                             np.radians(pitch_deg) * shape, np.radians(roll_deg) * shape)
