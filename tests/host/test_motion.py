import numpy as np

from korset.motion import bends, imu_from_attitude, rotation
from korset.recording import STANDARD_GRAVITY


def test_static_specific_force_has_magnitude_g():
    rec = bends()
    still = rec.t < 2.0
    assert np.allclose(np.linalg.norm(rec.accel[still], axis=1), STANDARD_GRAVITY)
    # Rotation only: |f| = g throughout.
    assert np.allclose(np.linalg.norm(rec.accel, axis=1), STANDARD_GRAVITY)


def test_forward_bend_reads_negative_ax():
    t = np.linspace(0, 1, 101)
    rec = imu_from_attitude(t, 0 * t, np.radians(30) * np.ones_like(t), 0 * t)
    assert np.allclose(rec.accel[0], [-STANDARD_GRAVITY / 2, 0, STANDARD_GRAVITY * np.cos(
        np.radians(30))])


def test_integrating_gyro_reproduces_attitude():
    """Independent check: propagate R' = R [w]x with the gyro, compare to the angles."""
    rec = bends(duration_s=8.0, rate_hz=1000.0)
    r_true = rotation(*_angles(rec.t))
    r = r_true[0].copy()
    for k in range(1, len(rec.t)):
        w = 0.5 * (rec.gyro[k - 1] + rec.gyro[k]) * (rec.t[k] - rec.t[k - 1])
        angle = np.linalg.norm(w)
        if angle > 0:
            k_hat = w / angle
            kx = np.array([[0, -k_hat[2], k_hat[1]], [k_hat[2], 0, -k_hat[0]],
                           [-k_hat[1], k_hat[0], 0]])
            r = r @ (np.eye(3) + np.sin(angle) * kx + (1 - np.cos(angle)) * kx @ kx)
    err = np.degrees(np.arccos(np.clip((np.trace(r.T @ r_true[-1]) - 1) / 2, -1, 1)))
    assert err < 0.05


def _angles(t):
    phase = np.clip(t - 2.0, 0.0, None) * 2 * np.pi / 4.0
    shape = 0.5 * (1 - np.cos(phase))
    return (np.radians(5.0) * np.sin(phase / 2) * (t > 2.0), np.radians(10.0) * shape,
            np.radians(3.0) * shape)
