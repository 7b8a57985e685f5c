"""Simulate a patient doing one exercise set with a Korset on the lower back.

``simulate`` returns the recording (recording contract, as the board's IMU
reports it) and the ground truth: repetition times, hold intervals, fault
episodes (start, end, peak deviation, axis), posture and the reference time.
Everything is drawn from one seed.

The set, in time: the patient fidgets into place, keeps still (the device
takes its reference after 1 s of stillness: ``reference_s``), does the
repetitions or holds, keeps still again (``set_end_s``), and fidgets at the
end. Fidgets are small shifts well inside the tolerance; they are neither
repetitions nor faults.

Deviation truth: for repetitions and holds in place (exercise 1), the lumbar
deviation from the reference attitude over the whole set; for other holds,
the deviation from the position held, while it is held (the movement into a
hold, e.g. the pelvic tilt of exercise 5, is the exercise, not a fault). A
fault is an interval where one of the exercise's axes is beyond its
tolerance; its ``peak_deg`` is the signed extreme.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from korset.recording import STANDARD_GRAVITY, Recording
from korset.sim import departures as dp
from korset.sim import kinematics as kin
from korset.sim import movements as mv
from korset.sim import sensor as sen
from korsetfw import catalogue as cat

DEG = np.pi / 180.0
INTERNAL_HZ = 1000.0  # kinematics grid, Hz
BUZZ_LATENCY_S = 0.03  # an ideal device buzzes this long after the crossing


@dataclass
class Simulation:
    recording: Recording
    truth: dict  # JSON-ready: the keys `korset analyze --json` prints, plus context
    t_fine: np.ndarray  # s, kinematics grid
    deviation_deg: np.ndarray  # (n, 3) rotation, flexion, lateral on t_fine (set reference)
    monitored_deg: np.ndarray  # (n, 3) what the truth judges: NaN outside the judged time
    params: dict = field(default_factory=dict)


def _tolerances(ex: cat.Exercise, tolerance_deg: float | None) -> dict[str, float]:
    if tolerance_deg is None:
        return dict(ex.tolerance_deg)
    return {axis: float(tolerance_deg) for axis in ex.axes}


def fault_intervals(t: np.ndarray, monitored_deg: np.ndarray, tolerance: dict[str, float]
                    ) -> list[dict]:
    """Episodes where a monitored axis is beyond its tolerance (NaN: not judged)."""
    faults = []
    for axis, tol in tolerance.items():
        dev = monitored_deg[:, mv.AXIS_INDEX[axis]]
        outside = np.nan_to_num(np.abs(dev), nan=0.0) > tol
        edges = np.diff(outside.astype(np.int8), prepend=0, append=0)
        for start, end in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1),
                              strict=True):
            seg = dev[start:end]
            k = int(np.nanargmax(np.abs(seg)))
            faults.append({"start_s": round(float(t[start]), 3),
                           "end_s": round(float(t[end - 1]), 3),
                           "peak_deg": round(float(seg[k]), 2), "axis": axis})
    faults.sort(key=lambda f: f["start_s"])
    return faults


class _Builder:
    """Accumulates deviation angles (deg) and translation (m, body axes) over time."""

    def __init__(self, t: np.ndarray):
        self.t = t
        self.dev = np.zeros((len(t), 3))
        self.move = np.zeros((len(t), 3))

    def pulse(self, start, rise, plateau, fall, angles_deg=(0, 0, 0), move_m=(0, 0, 0)):
        """Add a raised-cosine pulse; returns its shape over the whole grid."""
        i0, i1 = np.searchsorted(self.t, [start, start + rise + plateau + fall])
        part = mv.raised_cosine(self.t[i0:i1], start, rise, plateau, fall)
        self.dev[i0:i1] += part[:, None] * np.asarray(angles_deg, dtype=float)[None, :]
        self.move[i0:i1] += part[:, None] * np.asarray(move_m, dtype=float)[None, :]
        shape = np.zeros(len(self.t))
        shape[i0:i1] = part
        return shape


def simulate(exercise: cat.Exercise, seed: int, *, rate_hz: float = 104.0,
             reps: int | None = None, holds: int | None = None, fault_rate: float = 0.2,
             tolerance_deg: float | None = None, chip: str = "lsm6dsox",
             errors: str = "typical", tempo_scale: float | None = None, buzz: bool = True,
             accel_fs_g: int = 4, gyro_fs_dps: int = 500,
             departures: dp.Departures | None = None) -> Simulation:
    """Simulate one set. ``errors``: "typical", "large" or "none" (ideal sensor).
    ``departures``: real-life departures from the standard patient
    (``korset.sim.departures``; None: none). A seed's set without departures is the
    same set as before they existed: they draw from a random stream of their own.

    ValueError for what cannot be simulated (``check``)."""
    check(seed=seed, rate_hz=rate_hz, reps=reps, holds=holds, fault_rate=fault_rate,
          tolerance_deg=tolerance_deg, chip=chip, errors=errors, tempo_scale=tempo_scale,
          accel_fs_g=accel_fs_g, gyro_fs_dps=gyro_fs_dps)
    dep = departures or dp.Departures()
    seq = np.random.SeedSequence(seed)
    # The fifth child is the departures' own: the first four are what they always were.
    r_patient, r_plan, r_fault, r_sensor, r_dep = (np.random.default_rng(s)
                                                    for s in seq.spawn(5))
    tol = _tolerances(exercise, tolerance_deg)
    min_tol = min(tol.values()) if tol else 5.0

    # -- the patient ---------------------------------------------------------------
    generic_variant = None
    signature = mv.SIGNATURES.get(exercise.key)
    if signature is None and exercise.kind == cat.REPS and exercise.axes:
        signature = mv.custom_signature(exercise)
    posture = exercise.posture
    if signature is None and exercise.kind == cat.REPS:
        generic_variant = str(r_patient.choice(sorted(mv.GENERIC_REPS)))
        posture, signature = mv.GENERIC_REPS[generic_variant]
    elif posture == cat.ANY:
        posture = str(r_patient.choice([cat.STANDING, cat.SITTING, cat.SUPINE, cat.PRONE]))
    tempo = tempo_scale if tempo_scale is not None else r_patient.uniform(0.8, 1.25)
    amp_scale = r_patient.uniform(0.75, 1.25)
    upright = posture in (cat.STANDING, cat.SITTING)
    sway_deg = r_patient.uniform(0.1, 0.25) if upright else r_patient.uniform(0.03, 0.08)
    breath_deg = r_patient.uniform(0.1, 0.25)
    breath_hz = r_patient.uniform(0.2, 0.3)
    if dep.breaths_per_min is not None:
        breath_hz = r_dep.uniform(*dep.breaths_per_min) / 60.0
    heading = r_patient.uniform(0, 2 * np.pi)
    side_lying_side = int(r_patient.choice([-1, 1]))
    first_side = int(r_patient.choice([-1, 1]))

    # -- the plan: when what happens ---------------------------------------------
    plan = []  # (kind, start, rise, plateau, fall, extra)
    t = 0.5
    fidget_deg = 0.35 * min_tol
    for _ in range(int(r_plan.integers(1, 3))):
        d = r_plan.uniform(0.6, 1.5)
        plan.append(("fidget", t, d / 2, 0.0, d / 2, None))
        t += d + r_plan.uniform(0.3, 1.0)
    still_start = t
    reference_s = still_start + 1.0
    t += r_plan.uniform(2.0, 3.0)
    rep_times, hold_intervals = [], []
    belt_at_s = None  # when the sensor is seated again (departure belt_adjust)
    tempo_at_end = 1.0  # the last repetition's time over the first's (tempo_drift)
    if exercise.kind == cat.REPS:
        lo, hi = exercise.reps
        n_reps = reps if reps is not None else int(r_plan.integers(lo, hi + 1))
        drift = _tempo_drift(r_dep, dep, n_reps)
        tempo_at_end = float(drift[-1])
        breaks = _breaks(r_dep, dep, n_reps)
        for i in range(n_reps):
            d = r_plan.uniform(*signature.tempo_s) * tempo * drift[i]
            plateau = r_plan.uniform(0.0, 0.6) if r_plan.random() < 0.5 else 0.0
            move = d - plateau
            rise = move * r_plan.uniform(0.4, 0.55)
            if dep.out_share is not None:
                rise = move * r_dep.uniform(*dep.out_share)
            plan.append(("rep", t, rise, plateau, move - rise, i))
            rep_times.append(t + rise + plateau / 2)
            t += d
            t += (r_plan.uniform(0.0, 1.2) if r_plan.random() > 0.1
                  else r_plan.uniform(3.0, 6.0)) * drift[i]
            t, belt_at_s = _break(r_dep, breaks.get(i), plan, t, fidget_deg, belt_at_s)
    else:
        model = mv.hold_model(exercise)
        n_holds = holds if holds is not None else exercise.holds
        breaks = _breaks(r_dep, dep, n_holds)
        for i in range(n_holds):
            rise = r_plan.uniform(*model.transition_s)
            fall = r_plan.uniform(*model.transition_s)
            length = r_plan.uniform(*exercise.hold_s) * r_plan.uniform(0.97, 1.1)
            plan.append(("hold", t, rise, length, fall, i))
            hold_intervals.append((t + rise / 2, t + rise + length + fall / 2, t + rise,
                                   t + rise + length))
            t += rise + length + fall
            if i < n_holds - 1:
                rest = r_plan.uniform(*model.rest_s)
                if dep.hold_rest_s is not None:
                    rest = r_dep.uniform(*dep.hold_rest_s)
                t += rest
                t, belt_at_s = _break(r_dep, breaks.get(i), plan, t, fidget_deg, belt_at_s)
    set_end_s = t + r_plan.uniform(1.5, 3.0)
    t = set_end_s
    for _ in range(int(r_plan.integers(1, 3))):
        d = r_plan.uniform(0.6, 1.5)
        plan.append(("fidget", t, d / 2, 0.0, d / 2, None))
        t += d + r_plan.uniform(0.3, 1.0)
    duration = t + 0.5

    # -- kinematics on a fine grid -------------------------------------------------
    tf = np.arange(0.0, duration, 1.0 / INTERNAL_HZ)
    b = _Builder(tf)
    axes = [mv.AXIS_INDEX[a] for a in exercise.axes] or [1]
    primary = axes[0]
    hold_offsets = []
    breath_env = np.ones(len(tf))
    for kind, start, rise, plateau, fall, extra in plan:
        if kind == "fidget":
            ang = r_plan.uniform(-1, 1, 3) * fidget_deg
            b.pulse(start, rise, plateau, fall, ang, r_plan.uniform(-0.02, 0.02, 3))
        elif kind == "belt":  # pulling the belt straight: a fidget of the departure's own
            ang = r_dep.uniform(-1, 1, 3) * fidget_deg
            b.pulse(start, rise, plateau, fall, ang, r_dep.uniform(-0.02, 0.02, 3))
        elif kind == "rep":
            side = first_side * (1 if extra % 2 == 0 else -1)
            if exercise.sides == cat.ONE_SIDE:
                side = first_side
            elif dep.sides_blocked:  # one side's repetitions, then the other's
                side = first_side if extra < (len(rep_times) + 1) // 2 else -first_side
            signs = np.where(np.array(signature.sided), side, 1)
            a = amp_scale * r_plan.uniform(0.8, 1.2)
            if dep.rep_size is not None:
                a = amp_scale * r_dep.uniform(*dep.rep_size)
            rep_angles = a * np.array(signature.angles_deg) * signs[:3]
            b.pulse(start, rise, plateau, fall, rep_angles,
                    a * np.array(signature.translation_m) * signs[3:])
            _rep_fault(b, r_fault, exercise, signature, tol, primary, axes, start,
                       rise, plateau, fall, rep_angles, fault_rate, generic_variant)
        elif kind == "hold":
            model = mv.hold_model(exercise)
            offset = np.array([r_plan.uniform(*rng_) for rng_ in model.offset_deg])
            shape = b.pulse(start, rise, plateau, fall, offset)
            hold_offsets.append(offset)
            breath_env -= (1 - model.breath_in_hold) * shape
            _hold_fault(b, r_fault, tol, axes, start + rise, plateau, fault_rate, offset)
    sway = np.stack([mv.smooth_noise(tf, r_patient, sway_deg * s, (0.05, 0.5))
                     for s in (0.4, 1.0, 0.8)], -1)
    breath_phase = 2 * np.pi * np.cumsum(breath_hz * (1 + 0.1 * mv.smooth_noise(
        tf, r_patient, 1.0, (0.02, 0.1), 3))) / INTERNAL_HZ
    breath = np.sin(breath_phase) * breath_env
    b.dev += sway
    b.dev[:, 1] += breath_deg * breath
    b.move[:, 0] += 0.002 * breath
    _sighs(b, r_dep, dep, reference_s, set_end_s, breath_deg)
    _rest_drift(b, r_dep, dep, reference_s, set_end_s)
    if upright:
        b.move += np.stack([mv.smooth_noise(tf, r_patient, 0.004, (0.05, 0.4))
                            for _ in range(3)], -1) * np.array([1.0, 1.0, 0.2])

    r_ref = kin.rz(heading) @ mv.posture_rotation(posture, side_lying_side)
    r = r_ref @ kin.deviation_rotation(*(b.dev * DEG).T)
    position = b.move @ r_ref.T
    force = kin.specific_force(tf, r, position)
    rate = kin.angular_rate(tf, r)

    # -- truth ----------------------------------------------------------------------
    monitored = np.full_like(b.dev, np.nan)
    judged = np.zeros(len(tf), bool)
    if exercise.kind == cat.REPS or exercise.hold_in_place:
        judged = (tf >= reference_s) & (tf <= set_end_s)
        monitored[judged] = b.dev[judged]
    else:
        for (_, _, p0, p1), offset in zip(hold_intervals, hold_offsets, strict=True):
            inside = (tf >= p0) & (tf <= p1)
            monitored[inside] = b.dev[inside] - offset
    faults = fault_intervals(tf, monitored, tol)
    truth = {
        "exercise": exercise.number if exercise.number is not None else exercise.key,
        "exercise_key": exercise.key,
        "kind": exercise.kind,
        "posture": posture,
        "reps": len(rep_times),
        "rep_times_s": [round(x, 3) for x in rep_times],
        "holds": [{"start_s": round(h[0], 3), "end_s": round(h[1], 3)} for h in hold_intervals],
        "faults": faults,
        "tolerance_deg": tol,
        "reference_s": round(reference_s, 3),
        "set_end_s": round(set_end_s, 3),
    }

    # -- the sensor -----------------------------------------------------------------
    profile = sen.CHIPS[chip]
    errs = sen.SensorErrors.none() if errors == "none" else \
        sen.SensorErrors.draw(r_sensor, profile, errors)
    errs = _offsets(errs, r_dep, dep, profile)
    ts = sen.sample_times(duration, rate_hz, errs, r_sensor)
    f_s = np.stack([np.interp(ts, tf, force[:, i]) for i in range(3)], -1)
    w_s = np.stack([np.interp(ts, tf, rate[:, i]) for i in range(3)], -1)
    vibration = None
    if buzz and faults:
        on = np.zeros(len(ts), bool)
        for f in faults:
            on |= (ts >= f["start_s"] + BUZZ_LATENCY_S) & (ts <= f["end_s"] + BUZZ_LATENCY_S)
        vibration = sen.motor_vibration(ts, on, r_sensor)
    if belt_at_s is not None:
        f_s, w_s = _reseated(ts, f_s, w_s, r_dep, dep, belt_at_s)
    if errors == "none":
        accel, gyro = (f_s if vibration is None else f_s + vibration), w_s
    else:
        accel, gyro = sen.measure(ts, f_s, w_s, errs, profile, rate_hz, r_sensor,
                                  accel_fs_g, gyro_fs_dps, vibration)
    params = {
        "seed": seed, "rate_hz": rate_hz, "chip": chip, "errors": errors,
        "fault_rate": fault_rate, "tempo_scale": round(float(tempo), 3),
        "amplitude_scale": round(float(amp_scale), 3), "sway_deg": round(float(sway_deg), 3),
        "breath_deg": round(float(breath_deg), 3), "breath_hz": round(float(breath_hz), 3),
        "heading_deg": round(float(heading / DEG), 1), "buzz": buzz,
        "generic_variant": generic_variant,
        "misalignment_deg": round(float(np.linalg.norm(errs.misalignment) / DEG), 2),
        "gyro_bias_dps": [round(float(x / DEG), 3) for x in errs.gyro_bias],
        "clock_error": round(float(errs.clock_error), 5),
        "accel_fs_g": accel_fs_g, "gyro_fs_dps": gyro_fs_dps,
    }
    if dep.any:
        params["departures"] = {k: v for k, v in dataclasses.asdict(dep).items()
                                if v != getattr(dp.Departures(), k)}
        if belt_at_s is not None:
            params["belt_adjusted_at_s"] = round(float(belt_at_s), 3)
        if dep.tempo_drift:
            params["tempo_at_end"] = round(tempo_at_end, 3)
    truth["params"] = params
    return Simulation(Recording(ts, accel, gyro), truth, tf, b.dev, monitored, params)


def check(*, seed: int = 0, rate_hz: float = 104.0, reps: int | None = None,
          holds: int | None = None, fault_rate: float = 0.2,
          tolerance_deg: float | None = None, chip: str = "lsm6dsox", errors: str = "typical",
          tempo_scale: float | None = None, accel_fs_g: int = 4, gyro_fs_dps: int = 500
          ) -> None:
    """ValueError, naming the parameter, for a set that cannot be simulated: a negative
    seed (numpy's seeds are >= 0), a rate not above 0 or above the motion grid's
    ``INTERNAL_HZ`` (the sensor would only interpolate it), negative counts, a share
    outside 0-1, a tolerance or tempo scale not above 0, an unknown chip, error level or
    full scale of the chip.
    (The command line's bounds are narrower: what a board does, ``korset.commands._types``.)
    """
    def finite(x) -> bool:
        return isinstance(x, (int, float, np.integer, np.floating)) and bool(np.isfinite(x))

    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, not {seed!r}")
    if not finite(rate_hz) or not 0 < rate_hz <= INTERNAL_HZ:
        raise ValueError(f"rate_hz must be above 0 and at most {INTERNAL_HZ:g} Hz (the "
                         f"motion grid), not {rate_hz!r}")
    for name, n in (("reps", reps), ("holds", holds)):
        if n is not None and (not isinstance(n, (int, np.integer)) or n < 0):
            raise ValueError(f"{name} must be a whole number >= 0, not {n!r}")
    if not finite(fault_rate) or not 0 <= fault_rate <= 1:
        raise ValueError(f"fault_rate must be a share, 0-1, not {fault_rate!r}")
    for name, x in (("tolerance_deg", tolerance_deg), ("tempo_scale", tempo_scale)):
        if x is not None and (not finite(x) or x <= 0):
            raise ValueError(f"{name} must be above 0, not {x!r}")
    if chip not in sen.CHIPS:
        raise ValueError(f"chip must be one of {sorted(sen.CHIPS)}, not {chip!r}")
    elif accel_fs_g not in sen.CHIPS[chip].accel_lsb_per_g:
        raise ValueError(f"accel_fs_g must be one of {sorted(sen.CHIPS[chip].accel_lsb_per_g)} "
                         f"g for {chip}, not {accel_fs_g!r}")
    elif gyro_fs_dps not in sen.CHIPS[chip].gyro_lsb_per_dps:
        raise ValueError(f"gyro_fs_dps must be one of {sorted(sen.CHIPS[chip].gyro_lsb_per_dps)}"
                         f" deg/s for {chip}, not {gyro_fs_dps!r}")
    if errors not in ("typical", "large", "none"):
        raise ValueError(f"errors must be typical, large or none, not {errors!r}")


def _rep_fault(b, rng, exercise, signature, tol, primary, axes, start, rise, plateau, fall,
               rep_angles, fault_rate, generic_variant):
    """Maybe put a fault into this rep; otherwise a near miss well inside the tolerance.

    A fault goes the way the exercise tends to fail (its signature), else the
    way the rep itself moves on that axis, so that it adds to the rep's own
    movement: its peak is always 1-5 degrees beyond the tolerance. A near miss
    is a fault that stopped in time: the same way, 10-30 % of the tolerance.
    (It once took a random sign; against the rep's own movement it could
    cancel the rep on its main axis, leaving a planned repetition that no
    sensor on the lower back could see.)
    """
    if not exercise.axes or generic_variant:
        return
    peak_time = start + rise + plateau / 2
    width = rng.uniform(1.0, 2.5)
    hold = rng.uniform(0.0, 0.8)
    if rng.random() < fault_rate:
        axis = primary if (len(axes) == 1 or rng.random() < 0.75) else int(rng.choice(axes[1:]))
        name = [a for a, i in mv.AXIS_INDEX.items() if i == axis][0]
        own = float(np.sign(rep_angles[axis]))
        sign = signature.fault_sign if (axis == primary and signature.fault_sign) else own
        if sign == 0:
            sign = int(rng.choice([-1, 1]))
        amp = sign * (tol[name] + rng.uniform(1.0, 5.0))
    else:
        axis = primary
        name = [a for a, i in mv.AXIS_INDEX.items() if i == axis][0]
        own = float(np.sign(rep_angles[axis]))
        sign = signature.fault_sign or own or int(rng.choice([-1, 1]))
        amp = sign * rng.uniform(0.1, 0.3) * tol[name]
    angles = [0.0, 0.0, 0.0]
    angles[axis] = amp
    b.pulse(peak_time - width / 2 - hold / 2, width / 2, hold, width / 2, angles)


def _hold_fault(b, rng, tol, axes, hold_start, length, fault_rate, offset):
    """Maybe move away from the held position during the hold.

    On the axis the patient moved along into the hold, the fault goes further
    (deeper): going back towards the start is leaving the hold, not a fault in
    it. Other axes: either way.
    """
    if rng.random() >= fault_rate or length < 4.0:
        return
    axis = int(rng.choice(axes))
    name = [a for a, i in mv.AXIS_INDEX.items() if i == axis][0]
    width = rng.uniform(1.0, 2.5)
    hold = rng.uniform(0.0, 1.0)
    start = rng.uniform(hold_start + 1.0, hold_start + length - 1.0 - width - hold)
    angles = [0.0, 0.0, 0.0]
    sign = np.sign(offset[axis]) if abs(offset[axis]) > 0.3 else rng.choice([-1, 1])
    angles[axis] = sign * (tol[name] + rng.uniform(1.0, 5.0))
    b.pulse(start, width / 2, hold, width / 2, angles)


# -- real-life departures (korset.sim.departures) -------------------------------------

def _tempo_drift(rng, dep: dp.Departures, n: int) -> np.ndarray:
    """Each repetition's time as a multiple of the patient's tempo: 1, or drifting
    linearly from 1 at the first to 1 +- (a half to all of) the drift at the last."""
    if not dep.tempo_drift or n < 2:
        return np.ones(max(n, 1))
    amount = rng.uniform(0.5, 1.0) * dep.tempo_drift * rng.choice([-1.0, 1.0])
    return 1.0 + amount * np.linspace(0.0, 1.0, n)


def _breaks(rng, dep: dp.Departures, n: int) -> dict[int, list[str]]:
    """After which repetitions or holds (by index; never the last) the patient pauses or
    pulls the belt straight."""
    out: dict[int, list[str]] = {}
    gaps = list(range(n - 1))
    lo, hi = dep.pauses
    if hi and gaps:
        for i in rng.choice(gaps, min(len(gaps), int(rng.integers(lo, hi + 1))),
                            replace=False):
            out.setdefault(int(i), []).append("pause")
    if dep.belt_adjust_deg and gaps:
        out.setdefault(int(rng.choice(gaps)), []).append("belt")
    return out


def _break(rng, kinds: list[str] | None, plan: list, t: float, fidget_deg: float,
           belt_at_s: float | None) -> tuple[float, float | None]:
    """Add the breaks planned here; the time after them, and when the belt was seated."""
    for kind in kinds or ():
        if kind == "pause":
            t += rng.uniform(*dp.PAUSE_S)
        else:
            d = rng.uniform(*dp.BELT_FIDGET_S)
            plan.append(("belt", t, d / 2, 0.0, d / 2, None))
            belt_at_s = t + d / 2
            t += d + rng.uniform(0.3, 1.0)
    return t, belt_at_s


def _sighs(b: _Builder, rng, dep: dp.Departures, start_s: float, end_s: float,
           breath_deg: float) -> None:
    """Sighs: a breath of a few times the patient's, tilting the pelvis as one does."""
    lo, hi = dep.sighs
    if not hi or end_s - start_s < 10.0:
        return
    for _ in range(int(rng.integers(lo, hi + 1))):
        length = rng.uniform(*dp.SIGH_S)
        scale = rng.uniform(*dp.SIGH_SCALE)
        at = rng.uniform(start_s, end_s - length)
        b.pulse(at, length / 2, 0.0, length / 2, (0.0, breath_deg * scale, 0.0),
                (0.002 * scale, 0.0, 0.0))


def _rest_drift(b: _Builder, rng, dep: dp.Departures, start_s: float, end_s: float) -> None:
    """The rest posture settles (exponentially, over 20-60 s) or drifts (steadily) by up
    to ``rest_drift_deg`` in a random direction over the set; it stays there after."""
    if not dep.rest_drift_deg or end_s <= start_s:
        return
    direction = rng.normal(size=3)
    direction /= np.linalg.norm(direction)
    size = rng.uniform(1.0 / 3.0, 1.0) * dep.rest_drift_deg
    since = np.clip(b.t - start_s, 0.0, end_s - start_s)
    if rng.random() < 0.5:
        tau = rng.uniform(20.0, 60.0)
        shape = (1.0 - np.exp(-since / tau)) / (1.0 - np.exp(-(end_s - start_s) / tau))
    else:
        shape = since / (end_s - start_s)
    b.dev += shape[:, None] * (size * direction)[None, :]


def _offsets(errs: sen.SensorErrors, rng, dep: dp.Departures,
             profile: sen.ChipProfile) -> sen.SensorErrors:
    """Offsets at the datasheets' limits: half to all of each bound, either sign."""
    changes = {}
    if dep.gyro_offset_dps:
        changes["gyro_bias"] = (rng.choice([-1.0, 1.0], 3) * rng.uniform(0.5, 1.0, 3)
                                * dep.gyro_offset_dps * DEG)
    if dep.accel_offset_full:
        changes["accel_bias"] = (rng.choice([-1.0, 1.0], 3) * rng.uniform(0.5, 1.0, 3)
                                 * profile.accel_offset_mg * 1e-3 * STANDARD_GRAVITY)
    return dataclasses.replace(errs, **changes) if changes else errs


def _reseated(ts: np.ndarray, force: np.ndarray, rate: np.ndarray, rng,
              dep: dp.Departures, at_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The sensor seated again at ``at_s``, a third to all of ``belt_adjust_deg`` off
    about a random axis, turned there over a second: body vectors seen from the turned
    sensor (R(t)^T v), and the turn's own rate added to the gyro's."""
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    angle = rng.uniform(1.0 / 3.0, 1.0) * dep.belt_adjust_deg * DEG
    s = mv.raised_cosine(ts, at_s - 0.5, 1.0, 1e9, 0.0)  # 0 -> 1 over the second
    theta = (s * angle)[:, None]

    def seen(v: np.ndarray) -> np.ndarray:  # Rodrigues, rotating by -theta about axis
        k_v = np.cross(np.broadcast_to(axis, v.shape), v)
        return v * np.cos(theta) - k_v * np.sin(theta) + axis * (v @ axis)[:, None] * (
            1.0 - np.cos(theta))

    turning = np.gradient(s * angle, ts)[:, None] * axis[None, :]
    return seen(force), seen(rate) + turning
