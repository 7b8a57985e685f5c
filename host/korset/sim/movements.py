"""How each exercise moves the lower back: starting postures and repetition signatures.

A well-done repetition moves the lower back only a little: a degree or two of
rotation and, for some exercises, centimetres of translation (rocking back on
all fours moves the pelvis towards the feet). Each exercise has a signature:
the peak of its deviation angles (degrees) and of its translation (metres,
body axes at the reference), which components change sign when the working
side alternates, and where its faults go. Values are our estimates from the
leaflet's descriptions and lumbo-pelvic kinematics; they are parameters of the
simulator, not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from korsetfw import catalogue as cat

DEG = np.pi / 180.0
AXIS_INDEX = {cat.ROTATION: 0, cat.FLEXION: 1, cat.LATERAL: 2}  # order in deviation arrays
SITTING_PELVIS_TILT_DEG = 15.0  # the simulated pelvis tilted back sitting (see posture_rotation)


@dataclass(frozen=True)
class Signature:
    angles_deg: tuple[float, float, float]  # rotation, flexion, lateral at the rep's peak
    translation_m: tuple[float, float, float]  # body x, y, z at the peak
    sided: tuple[bool, bool, bool, bool, bool, bool]  # sign flips with side: 3 angles, 3 moves
    tempo_s: tuple[float, float]  # rep duration range at the patient's usual tempo
    fault_sign: int  # +1/-1: direction of the fault on the primary axis; 0: follows the side


_NO = (False, False, False, False, False, False)

# Repetition signatures, by catalogue key. Holds (1, 5, generic hold) have
# their own model in HOLDS; the generic "reps" kind picks one of GENERIC_REPS.
SIGNATURES = {
    "corset_standing_arm": Signature((0.8, -0.6, 0.4), (-0.008, 0.0, 0.0),
                                     (True, False, True, False, False, False), (3.0, 5.0), -1),
    "rock_back": Signature((0.0, 1.0, 0.0), (0.02, 0.0, -0.15), _NO, (3.0, 5.0), +1),
    "seated_knee_extension": Signature((0.4, 0.7, 0.5), (-0.005, 0.0, 0.0),
                                       (True, False, True, False, False, False), (3.0, 4.5), +1),
    "upper_back_extension": Signature((0.0, -0.9, 0.0), (-0.012, 0.0, 0.0), _NO, (3.0, 5.0),
                                      -1),
    "prone_leg_lift": Signature((0.6, -0.7, 0.3), (0.0, 0.0, 0.004),
                                (True, False, True, False, False, False), (3.0, 4.5), -1),
    "supine_leg_fall_out": Signature((1.0, 0.0, 0.4), (0.0, 0.005, 0.0),
                                     (True, False, True, False, True, False), (3.5, 5.0), 0),
    "side_lying_clam": Signature((1.0, 0.3, 0.0), (-0.005, 0.0, 0.0), _NO, (3.0, 4.5), 0),
}

# Generic repeated movements: large, which is why nothing is held still by default.
GENERIC_REPS = {
    "squat": (cat.STANDING, Signature((0.0, 30.0, 0.0), (0.05, 0.0, -0.30), _NO, (2.5, 4.0), 0)),
    "sit_to_stand": (cat.SITTING, Signature((0.0, 35.0, 0.0), (0.20, 0.0, 0.40), _NO,
                                            (3.0, 5.0), 0)),
    "bridge": (cat.SUPINE, Signature((0.0, -15.0, 0.0), (0.12, 0.0, 0.0), _NO, (3.0, 5.0), 0)),
}


@dataclass(frozen=True)
class HoldModel:
    offset_deg: tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
    transition_s: tuple[float, float]  # into and out of the hold
    rest_s: tuple[float, float]  # between holds
    breath_in_hold: float  # breathing amplitude in the hold, relative to at rest


HOLDS = {
    # Drawing in the lower belly tilts the pelvis back a little (the sensor's up axis
    # tips back: negative flexion, korsetfw.catalogue_motion); breathing is calmer while
    # the corset is held (leaflet: deep breath first, then hold).
    "corset_supine": HoldModel(((0.0, 0.0), (-1.0, -0.5), (0.0, 0.0)), (0.8, 1.5), (4.0, 8.0),
                               0.4),
    # Flattening the low back against the wall: a posterior pelvic tilt.
    "wall_flatten": HoldModel(((0.0, 0.0), (-10.0, -5.0), (0.0, 0.0)), (0.8, 1.5), (4.0, 8.0),
                              0.7),
    # Any held position: somewhere a few degrees away on any axis.
    "hold": HoldModel(((-4.0, 4.0), (-12.0, 12.0), (-5.0, 5.0)), (1.0, 2.0), (4.0, 8.0), 0.8),
}


def posture_rotation(posture: str, side: int) -> np.ndarray:
    """Body-to-world rotation of a starting posture (heading 0).

    ``side`` picks the side for side-lying (+1: right side down, -1: left).
    """
    from korset.sim.kinematics import rx, ry

    if posture == cat.STANDING:
        return np.eye(3)
    if posture == cat.SITTING:
        # Sitting tilts the pelvis back (the sensor's up axis tips back, a negative turn
        # about y): by 6-39 degrees from standing, 18 the median, in UCI HAPT's waist
        # recordings (tests/data/real/hapt).
        return ry(-SITTING_PELVIS_TILT_DEG * DEG)
    if posture == cat.SUPINE:
        return ry(-90 * DEG)  # anterior (x) up
    if posture == cat.PRONE:
        return ry(90 * DEG)  # anterior down
    if posture == cat.QUADRUPED:
        return ry(88 * DEG)  # trunk horizontal, facing the floor
    if posture == cat.SIDE_LYING:
        return rx(side * 90 * DEG)  # +1: left side (y) up
    raise ValueError(f"no posture {posture!r}")


def raised_cosine(t: np.ndarray, start: float, rise: float, plateau: float, fall: float
                  ) -> np.ndarray:
    """0 -> 1 over ``rise`` s, 1 for ``plateau`` s, 1 -> 0 over ``fall`` s; smooth (C1)."""
    y = np.zeros_like(t)
    a = (t >= start) & (t < start + rise)
    y[a] = 0.5 * (1 - np.cos(np.pi * (t[a] - start) / rise))
    b = (t >= start + rise) & (t < start + rise + plateau)
    y[b] = 1.0
    c0 = start + rise + plateau
    c = (t >= c0) & (t < c0 + fall)
    y[c] = 0.5 * (1 + np.cos(np.pi * (t[c] - c0) / fall))
    return y


def smooth_noise(t: np.ndarray, rng: np.random.Generator, rms: float,
                 band_hz: tuple[float, float], n: int = 8) -> np.ndarray:
    """Band-limited random wander: a sum of sinusoids with random phases (smooth)."""
    freqs = np.exp(rng.uniform(np.log(band_hz[0]), np.log(band_hz[1]), n))
    amps = rng.uniform(0.5, 1.0, n) / np.sqrt(freqs)
    phases = rng.uniform(0, 2 * np.pi, n)
    y = (amps[None, :] * np.sin(2 * np.pi * freqs[None, :] * t[:, None] + phases)).sum(1)
    return y * rms / max(np.sqrt(np.mean(y ** 2)), 1e-12)


def custom_signature(exercise) -> Signature:
    """A physiotherapist's own repetition exercise: a small well-done rep on its held axes."""
    angles = [0.0, 0.0, 0.0]
    for axis in exercise.axes:
        angles[AXIS_INDEX[axis]] = 0.8
    sided = exercise.sides == cat.ALTERNATE
    return Signature(tuple(angles), (0.01, 0.0, 0.0),
                     (sided, False, sided, False, sided, False), (3.0, 5.0), 0)


def hold_model(exercise) -> HoldModel:
    return HOLDS.get(exercise.key, HOLDS[cat.HOLD])
