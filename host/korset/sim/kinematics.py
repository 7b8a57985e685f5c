"""Rigid-body kinematics of the sensor on the lower back: attitude and position to IMU signals.

Frames: the body frame is fixed to the pelvis/lower lumbar segment with x
anterior, y left, z superior (up) when standing; the world frame has z up.
``R`` maps body to world. The lumbar deviation from a reference attitude
``R_ref`` is defined by

    R = R_ref @ Rz(rotation) @ Ry(flexion) @ Rx(lateral)

(Z-Y-X angles of the relative rotation, in radians here, degrees at the
interfaces): flexion > 0 bends forward, lateral > 0 bends to the right (the top
moves towards -y), rotation > 0 turns to the left.

An ideal IMU at the body origin measures

    specific force   f = R^T (p'' + (0, 0, g))
    angular rate     w = vee(R^T R')           (body frame)

Both are computed numerically on a fine time grid: ``w`` from the exact
logarithm of each step's relative rotation, so integrating the gyro
reproduces the attitude.
"""

from __future__ import annotations

import numpy as np

from korset.recording import STANDARD_GRAVITY


def rx(a):
    a = np.asarray(a, dtype=float)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1),
                     np.stack([z, s, c], -1)], -2)


def ry(a):
    a = np.asarray(a, dtype=float)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1),
                     np.stack([-s, z, c], -1)], -2)


def rz(a):
    a = np.asarray(a, dtype=float)
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1),
                     np.stack([z, z, o], -1)], -2)


def deviation_rotation(rotation, flexion, lateral) -> np.ndarray:
    """Rz(rotation) @ Ry(flexion) @ Rx(lateral), radians; (n, 3, 3) for arrays."""
    return rz(rotation) @ ry(flexion) @ rx(lateral)


def deviation_angles(r_rel: np.ndarray) -> np.ndarray:
    """Inverse of deviation_rotation: (..., 3) = rotation, flexion, lateral in radians."""
    r_rel = np.asarray(r_rel)
    flexion = np.arcsin(np.clip(-r_rel[..., 2, 0], -1.0, 1.0))
    rotation = np.arctan2(r_rel[..., 1, 0], r_rel[..., 0, 0])
    lateral = np.arctan2(r_rel[..., 2, 1], r_rel[..., 2, 2])
    return np.stack([rotation, flexion, lateral], -1)


def log_so3(r: np.ndarray) -> np.ndarray:
    """Rotation vectors (..., 3) of rotation matrices (..., 3, 3), angles below pi."""
    cos = np.clip((np.trace(r, axis1=-2, axis2=-1) - 1.0) / 2.0, -1.0, 1.0)
    angle = np.arccos(cos)
    vee = np.stack([r[..., 2, 1] - r[..., 1, 2], r[..., 0, 2] - r[..., 2, 0],
                    r[..., 1, 0] - r[..., 0, 1]], -1)
    sin = np.sin(angle)
    # angle/(2 sin angle) -> 1/2 as angle -> 0
    factor = np.where(angle < 1e-8, 0.5, angle / (2.0 * np.where(sin == 0, 1.0, sin)))
    return vee * factor[..., None]


def exp_so3(w: np.ndarray) -> np.ndarray:
    """Rotation matrices of rotation vectors (Rodrigues)."""
    w = np.asarray(w, dtype=float)
    angle = np.linalg.norm(w, axis=-1)
    safe = np.where(angle == 0, 1.0, angle)
    k = w / safe[..., None]
    kx = np.zeros(w.shape[:-1] + (3, 3))
    kx[..., 0, 1], kx[..., 0, 2] = -k[..., 2], k[..., 1]
    kx[..., 1, 0], kx[..., 1, 2] = k[..., 2], -k[..., 0]
    kx[..., 2, 0], kx[..., 2, 1] = -k[..., 1], k[..., 0]
    s = np.sin(angle)[..., None, None]
    c = (1 - np.cos(angle))[..., None, None]
    return np.eye(3) + s * kx + c * (kx @ kx)


def angular_rate(t: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Body-frame angular rate (n, 3) of attitudes r (n, 3, 3) sampled at t."""
    dt = np.diff(t)
    step = log_so3(np.swapaxes(r[:-1], -1, -2) @ r[1:]) / dt[:, None]  # at midpoints
    w = np.empty((len(t), 3))
    w[1:-1] = 0.5 * (step[:-1] + step[1:])
    w[0], w[-1] = step[0], step[-1]
    return w


def specific_force(t: np.ndarray, r: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Body-frame specific force (n, 3) for attitudes r and world positions (n, 3), m."""
    accel = np.gradient(np.gradient(position, t, axis=0), t, axis=0)
    accel[:, 2] += STANDARD_GRAVITY
    return np.einsum("nji,nj->ni", r, accel)


def integrate_gyro(t: np.ndarray, gyro: np.ndarray, r0: np.ndarray) -> np.ndarray:
    """Attitude at the last sample from r0 and body rates (trapezoid per step)."""
    r = r0.copy()
    steps = exp_so3(0.5 * (gyro[:-1] + gyro[1:]) * np.diff(t)[:, None])
    for s in steps:
        r = r @ s
    return r
