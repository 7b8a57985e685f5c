"""The IMU chip as a measuring instrument: errors, noise, quantisation, sampling.

Numbers are the datasheets' typical or specified values (sections cited);
``SensorErrors.draw`` picks one chip's errors at random within them, as one
physical part on one patient's belt would have.

- LSM6DSOX: ST DS12814 Rev 3, Table 2 "Mechanical characteristics": zero-g
  offset +-20 mg (LA_TyOff), zero-rate level +-1 dps (G_TyOff), sensitivity
  tolerance +-1 % (LA_So%, G_So%), acceleration noise density 70 ug/sqrt(Hz)
  high-performance mode (An), rate noise density 3.8 mdps/sqrt(Hz) (Rn).
- MPU-6886: TDK DS-000193 Rev 1.1, Tables 1-2: gyro rate noise 0.004
  dps/sqrt(Hz), accelerometer noise 100 ug/sqrt(Hz), zero-g offset +-40 mg,
  ZRO +-1 dps after factory trim, sensitivity tolerance +-1 %.
- MPU-6050: InvenSense PS-MPU-6000A-00 Rev 3.4, sections 6.1-6.2: rate noise
  0.005 dps/sqrt(Hz), accelerometer noise 400 ug/sqrt(Hz), zero-g offset
  +-50 mg (X/Y +-50, Z +-80), ZRO +-20 dps (untrimmed), sensitivity
  tolerance +-3 %.

Noise is white at the density over a bandwidth of ODR/2 (the chips' digital
low-pass filters sit near ODR/2 at these rates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from korset.recording import STANDARD_GRAVITY
from korset.sim.kinematics import exp_so3

DEG = np.pi / 180.0


@dataclass(frozen=True)
class ChipProfile:
    name: str
    accel_noise_ug_rthz: float  # ug/sqrt(Hz)
    gyro_noise_mdps_rthz: float  # mdps/sqrt(Hz)
    accel_offset_mg: float  # datasheet zero-g offset bound, mg
    gyro_offset_dps: float  # zero-rate level bound, deg/s
    scale_tolerance: float  # sensitivity tolerance, fraction
    accel_lsb_per_g: dict[int, float]  # full scale g -> LSB/g
    gyro_lsb_per_dps: dict[int, float]  # full scale dps -> LSB/(deg/s)


CHIPS = {
    "lsm6dsox": ChipProfile(
        "lsm6dsox", 70.0, 3.8, 20.0, 1.0, 0.01,
        {2: 1e6 / 61, 4: 1e6 / 122, 8: 1e6 / 244, 16: 1e6 / 488},
        {125: 1e6 / 4375, 250: 1e6 / 8750, 500: 1e6 / 17500, 1000: 1e6 / 35000,
         2000: 1e6 / 70000}),
    "mpu6886": ChipProfile(
        "mpu6886", 100.0, 4.0, 40.0, 1.0, 0.01,
        {2: 16384, 4: 8192, 8: 4096, 16: 2048},
        {250: 131.0, 500: 65.5, 1000: 32.8, 2000: 16.4}),
    "mpu6050": ChipProfile(
        "mpu6050", 400.0, 5.0, 50.0, 20.0, 0.03,
        {2: 16384, 4: 8192, 8: 4096, 16: 2048},
        {250: 131.0, 500: 65.5, 1000: 32.8, 2000: 16.4}),
}


@dataclass(frozen=True)
class SensorErrors:
    """One part's errors on one patient. Angles in radians, rates in rad/s."""

    misalignment: np.ndarray  # (3,) rotation vector, body -> sensor mounting error
    accel_bias: np.ndarray  # (3,) m/s^2
    gyro_bias: np.ndarray  # (3,) rad/s
    gyro_bias_walk: float  # rad/s/sqrt(s), random walk of the gyro bias
    accel_scale: np.ndarray  # (3,) multiplicative, ~1
    gyro_scale: np.ndarray  # (3,)
    clock_error: float  # fraction: actual rate = nominal * (1 + clock_error)
    jitter_s: float  # sample-time jitter, s (standard deviation)

    @classmethod
    def draw(cls, rng: np.random.Generator, chip: ChipProfile, level: str = "typical"
             ) -> SensorErrors:
        """Errors within the datasheet (``typical``) or beyond it (``large``, for robustness).

        ``large``: gyro bias up to +-3 deg/s, mounting error up to 10 deg, 2.5 %
        clock error, twice the accelerometer offset.
        """
        large = level == "large"
        mis_deg = 10.0 if large else 5.0
        axis = rng.normal(size=3)
        axis /= np.linalg.norm(axis)
        gyro_bound = 3.0 if large else min(chip.gyro_offset_dps, 1.5)
        return cls(
            misalignment=axis * rng.uniform(0.3, 1.0) * mis_deg * DEG,
            accel_bias=rng.uniform(-1, 1, 3) * chip.accel_offset_mg * (2 if large else 1)
            * 1e-3 * STANDARD_GRAVITY,
            gyro_bias=rng.uniform(-1, 1, 3) * gyro_bound * DEG,
            gyro_bias_walk=(0.02 if large else 0.005) * DEG,
            accel_scale=1 + rng.uniform(-1, 1, 3) * chip.scale_tolerance,
            gyro_scale=1 + rng.uniform(-1, 1, 3) * chip.scale_tolerance,
            clock_error=rng.uniform(-1, 1) * (0.025 if large else 0.01),
            jitter_s=rng.uniform(10e-6, 80e-6),
        )

    @classmethod
    def none(cls) -> SensorErrors:
        z = np.zeros(3)
        return cls(z, z, z, 0.0, np.ones(3), np.ones(3), 0.0, 0.0)


def sample_times(duration_s: float, rate_hz: float, errors: SensorErrors,
                 rng: np.random.Generator) -> np.ndarray:
    """The instants at which the chip samples, on the true clock."""
    actual = rate_hz * (1 + errors.clock_error)
    t = np.arange(0.0, duration_s, 1.0 / actual)
    if errors.jitter_s:
        t = t + rng.normal(0.0, errors.jitter_s, len(t))
        t = np.maximum.accumulate(np.clip(t, 0.0, duration_s))
        t[1:] = np.maximum(t[1:], t[:-1] + 1e-6)
    return t


def measure(t: np.ndarray, force: np.ndarray, rate: np.ndarray, errors: SensorErrors,
            chip: ChipProfile, rate_hz: float, rng: np.random.Generator,
            accel_fs_g: int = 4, gyro_fs_dps: int = 500,
            vibration: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """What the chip reports (body axes as the board believes them, SI units).

    ``force``/``rate``: ideal specific force and angular rate at ``t`` in the
    true body frame. ``vibration``: extra specific force (m/s^2) at ``t`` from the
    motor, already in sensor axes.
    """
    mount = exp_so3(errors.misalignment)  # true body -> what the board calls body
    f = force @ mount.T
    w = rate @ mount.T
    n = len(t)
    walk = np.cumsum(rng.normal(0.0, 1.0, (n, 3)), axis=0) * errors.gyro_bias_walk * \
        np.sqrt(np.gradient(t))[:, None]
    f = f * errors.accel_scale + errors.accel_bias
    w = w * errors.gyro_scale + errors.gyro_bias + walk
    if vibration is not None:
        f = f + vibration
    bandwidth = rate_hz / 2.0
    f = f + rng.normal(0.0, chip.accel_noise_ug_rthz * 1e-6 * STANDARD_GRAVITY
                       * np.sqrt(bandwidth), (n, 3))
    w = w + rng.normal(0.0, chip.gyro_noise_mdps_rthz * 1e-3 * DEG * np.sqrt(bandwidth), (n, 3))
    a_lsb = STANDARD_GRAVITY / chip.accel_lsb_per_g[accel_fs_g]
    g_lsb = DEG / chip.gyro_lsb_per_dps[gyro_fs_dps]
    f = np.clip(np.round(f / a_lsb), -32768, 32767) * a_lsb
    w = np.clip(np.round(w / g_lsb), -32768, 32767) * g_lsb
    return f, w


def motor_vibration(t: np.ndarray, on: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Specific force (n, 3) added by an ERM motor next to the IMU while ``on``.

    A 10 mm ERM spins at roughly 9,000-13,000 rpm (150-220 Hz) and shakes a
    small board with about 0.5-1.5 g; the chip's low-pass filter near ODR/2
    leaves an aliased residue, modelled as a quarter of it. Spin-up takes
    ~40 ms.
    """
    freq = rng.uniform(150.0, 220.0)
    amp = rng.uniform(0.5, 1.5) * STANDARD_GRAVITY * 0.25
    direction = np.array([rng.uniform(0.6, 1.0), rng.uniform(0.6, 1.0), rng.uniform(0, 0.3)])
    direction /= np.linalg.norm(direction)
    # Spin-up/down envelope: first-order with 40 ms time constant.
    env = np.zeros(len(t))
    for k in range(1, len(t)):
        dt = t[k] - t[k - 1]
        target = 1.0 if on[k] else 0.0
        env[k] = target + (env[k - 1] - target) * np.exp(-dt / 0.04)
    phase = 2 * np.pi * freq * t + rng.uniform(0, 2 * np.pi)
    wave = np.sin(phase) + 0.3 * np.sin(2 * phase + 1.0)
    return (amp * env * wave)[:, None] * direction[None, :]
