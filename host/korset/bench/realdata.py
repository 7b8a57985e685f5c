"""Real recordings with labelled activities: excerpts of UCI HAPT (``tests/data/real/hapt``).

HAPT ("Smartphone-Based Recognition of Human Activities and Postural Transitions",
UCI ML Repository 341, doi:10.24432/C54G7M; Reyes-Ortiz, Oneto, Samà, Parra and
Anguita, "Transition-Aware Human Activity Recognition Using Smartphones",
Neurocomputing 171 (2016) 754-767, doi:10.1016/j.neucom.2015.07.085) holds a
waist-worn phone's accelerometer and gyro at 50 Hz while people stand, sit, lie,
change between those postures and walk, with each activity's first and last
sample labelled by hand from video. The directory's README says what was taken
and how it was converted; ``convert_hapt`` did it and does it again from the
original files.

What is measured on each excerpt (``run_hapt``), with the analysis as it is:

- **posture**: each labelled still stretch (sitting, standing, lying; its first and
  last ``STILL_MARGIN_S`` left out) analysed on its own with every exercise that
  starts sitting, standing or lying on the back: ``Analysis.posture`` should name
  the stretch's posture;
- **walking**: the whole excerpt, and the walk alone (from the last postural
  transition to the end of the walking bout, the reference at its start), analysed
  with every exercise but the generic kind: no repetitions and no faults inside a
  walking bout (widened by ``REAL_MATCH_S``);
- **sit-to-stand**: the stretch from standing through sitting back to standing
  (``STAND_SIT_MARGIN_S`` of standing either side) with the generic kind: one whole
  cycle, so one repetition (HAPT's protocol has one such cycle per experiment, so
  repeated sit-to-stands cannot be counted here);
- **still**: the generic kind on each still stretch alone: no repetition.

Counts come with their confidence and range, to judge those too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from korset.recording import STANDARD_GRAVITY, Recording, read_csv
from korsetfw import catalogue as cat

RATE_HZ = 50.0  # HAPT's sampling rate (the files have no times)
ACTIVITIES = {1: "WALKING", 2: "WALKING_UPSTAIRS", 3: "WALKING_DOWNSTAIRS", 4: "SITTING",
              5: "STANDING", 6: "LAYING", 7: "STAND_TO_SIT", 8: "SIT_TO_STAND",
              9: "SIT_TO_LIE", 10: "LIE_TO_SIT", 11: "STAND_TO_LIE", 12: "LIE_TO_STAND"}
WALKING, SITTING, STANDING, LAYING = 1, 4, 5, 6
STAND_TO_SIT, SIT_TO_STAND = 7, 8
TRANSITIONS = (7, 8, 9, 10, 11, 12)
# The catalogue posture of each still activity. HAPT's lying is on the back: gravity
# reads along the anterior axis found from walking (README, "Frame").
POSTURE_OF = {SITTING: cat.SITTING, STANDING: cat.STANDING, LAYING: cat.SUPINE}

STILL_MARGIN_S = 1.0  # left out at either end of a labelled still stretch (its edges are
# set by eye from video, and the movement before it settles)
STAND_SIT_MARGIN_S = 5.0  # standing kept before sitting down and after standing up
WALK_LEAD_S = 1.0  # before the walk's stretch: after the end of the last transition
REAL_MATCH_S = 0.5  # a repetition this close to a walking bout is inside it (as mobgap's)

# Conversion (convert_hapt): the excerpt of an experiment runs from CROP_BEFORE_S before
# its stand-to-sit to CROP_AFTER_S after the end of its first walking bout.
CROP_BEFORE_S = 8.0
CROP_AFTER_S = 2.0
# The experiments taken (users 1, 2, 4 and 5: of each user's two experiments the shorter
# excerpt; of the six users the four shortest, to keep the files small).
EXPERIMENTS = ((1, 1), (4, 2), (8, 4), (10, 5))


@dataclass(frozen=True)
class Activity:
    """One labelled activity: HAPT's number and name, first and last sample's time, s."""

    activity: int
    name: str
    start_s: float
    end_s: float


@dataclass
class Excerpt:
    """One excerpt: its recording (contract: body frame, SI) and its labelled activities."""

    name: str
    recording: Recording
    activities: list[Activity]
    meta: dict

    def of(self, *activity: int) -> list[Activity]:
        return [a for a in self.activities if a.activity in activity]


def load_hapt(directory: str | Path) -> list[Excerpt]:
    """The excerpts in ``directory`` (each ``NAME.csv`` with its labels in ``NAME.json``)."""
    out = []
    for path in sorted(Path(directory).glob("*.csv")):
        meta = json.loads(path.with_suffix(".json").read_text())
        acts = [Activity(a["activity"], a["name"], a["start_s"], a["end_s"])
                for a in meta["activities"]]
        out.append(Excerpt(path.stem, read_csv(path), acts, meta))
    return out


def cut(recording: Recording, start_s: float, end_s: float) -> Recording:
    """The samples from ``start_s`` to ``end_s`` (inclusive), times kept."""
    keep = (recording.t >= start_s - 1e-9) & (recording.t <= end_s + 1e-9)
    return Recording(recording.t[keep], recording.accel[keep], recording.gyro[keep])


def still_stretches(excerpt: Excerpt, margin_s: float = STILL_MARGIN_S
                    ) -> list[tuple[str, float, float]]:
    """(catalogue posture, start_s, end_s) of each labelled still stretch, its ends left out."""
    return [(POSTURE_OF[a.activity], a.start_s + margin_s, a.end_s - margin_s)
            for a in excerpt.of(SITTING, STANDING, LAYING)
            if a.end_s - a.start_s > 2 * margin_s + 2.0]


def stand_sit_stand(excerpt: Excerpt) -> tuple[float, float] | None:
    """From STAND_SIT_MARGIN_S before a stand-to-sit to as long after the sit-to-stand that
    follows it, both inside labelled standing; None when the excerpt has no such cycle."""
    down, up = excerpt.of(STAND_TO_SIT), excerpt.of(SIT_TO_STAND)
    stands = excerpt.of(STANDING)
    for d in down:
        later = [u for u in up if u.start_s > d.end_s]
        if not later:
            continue
        u = later[0]
        start, end = d.start_s - STAND_SIT_MARGIN_S, u.end_s + STAND_SIT_MARGIN_S
        if any(s.start_s <= start and s.end_s >= d.start_s - 0.1 for s in stands) and \
                any(s.start_s <= u.end_s + 0.1 and s.end_s >= end for s in stands):
            return start, end
    return None


def walk_stretch(excerpt: Excerpt, bout: Activity) -> tuple[float, float]:
    """The walk alone: from WALK_LEAD_S after the last transition before ``bout`` to the
    bout's end (the person has stood up, walks off unlabelled, turns, and walks the bout)."""
    before = [a.end_s for a in excerpt.of(*TRANSITIONS) if a.end_s < bout.start_s]
    start = (max(before) + WALK_LEAD_S) if before else excerpt.recording.t[0]
    return start, bout.end_s


def _inside(times, bouts) -> int:
    return sum(any(a - REAL_MATCH_S <= x <= b + REAL_MATCH_S for a, b in bouts) for x in times)


def _overlapping(faults, bouts) -> int:
    return sum(any(f.start_s <= b + REAL_MATCH_S and f.end_s >= a - REAL_MATCH_S
                   for a, b in bouts) for f in faults)


def posture_exercises() -> list[cat.Exercise]:
    """The catalogue's exercises that start sitting, standing or lying on the back."""
    return [ex for ex in cat.EXERCISES if ex.posture in (cat.SITTING, cat.STANDING, cat.SUPINE)]


def measure_posture(excerpt: Excerpt) -> list[dict]:
    """One row per still stretch and exercise: the posture named and the true one."""
    from korset.analysis import analyze

    rows = []
    for posture, start, end in still_stretches(excerpt):
        rec = cut(excerpt.recording, start, end)
        for ex in posture_exercises():
            r = analyze(rec, ex)
            rows.append({"excerpt": excerpt.name, "start_s": round(start, 2),
                         "end_s": round(end, 2), "truth": posture, "exercise": ex.key,
                         "exercise_posture": ex.posture, "named": r.posture})
    return rows


def measure_walking(excerpt: Excerpt) -> list[dict]:
    """One row per exercise (not the generic kind) and stretch: repetitions and faults
    inside the walking bouts. Stretches: the whole excerpt (a reference found as usual),
    and each walk alone with the reference at its first sample, as a board marks the
    start of a set (without it nothing is judged: the person is not still for a second
    between standing up and walking off)."""
    from korset.analysis import analyze

    bouts = [(b.start_s, b.end_s) for b in excerpt.of(WALKING)]
    stretches = [("whole", excerpt.recording, None)]
    for b in excerpt.of(WALKING):
        start, end = walk_stretch(excerpt, b)
        stretches.append((f"walk {start:.1f}-{end:.1f} s", cut(excerpt.recording, start, end),
                          start))
    rows = []
    for label, rec, reference_s in stretches:
        for ex in cat.EXERCISES:
            if ex.key == cat.REPS:
                continue
            r = analyze(rec, ex, reference_s=reference_s)
            rows.append({"excerpt": excerpt.name, "stretch": label, "exercise": ex.key,
                         "reps_while_walking": _inside(r.rep_times_s, bouts),
                         "faults_while_walking": _overlapping(r.faults, bouts),
                         "reps": r.reps, "faults": len(r.faults),
                         "judged_s": [r.reference_s, r.set_end_s]})
    return rows


def measure_still_generic(excerpt: Excerpt) -> list[dict]:
    """The generic kind on each still stretch alone: nothing to count there."""
    from korset.analysis import analyze

    rows = []
    for posture, start, end in still_stretches(excerpt):
        r = analyze(cut(excerpt.recording, start, end), cat.get(cat.REPS))
        rows.append({"excerpt": excerpt.name, "posture": posture, "start_s": round(start, 2),
                     "end_s": round(end, 2), "reps": r.reps,
                     "reps_range": list(r.reps_range) if r.reps_range else None,
                     "reps_confident": r.reps_confident})
    return rows


def measure_stand_sit(excerpt: Excerpt) -> dict | None:
    """The generic kind on the stand-sit-stand stretch (``stand_sit_stand``)."""
    from korset.analysis import analyze

    span = stand_sit_stand(excerpt)
    if span is None:
        return None
    r = analyze(cut(excerpt.recording, *span), cat.get(cat.REPS))
    return {"excerpt": excerpt.name, "start_s": round(span[0], 2), "end_s": round(span[1], 2),
            "cycles": 1, "reps": r.reps, "rep_times_s": r.rep_times_s,
            "reps_range": list(r.reps_range) if r.reps_range else None,
            "reps_confident": r.reps_confident}


def run_hapt(directory: str | Path) -> dict:
    """Every measure above over the excerpts in ``directory``, with totals."""
    excerpts = load_hapt(directory)
    posture, walking, stand_sit, still = [], [], [], []
    for e in excerpts:
        posture += measure_posture(e)
        walking += measure_walking(e)
        still += measure_still_generic(e)
        row = measure_stand_sit(e)
        if row:
            stand_sit.append(row)
    cells: dict[str, dict] = {}
    for row in posture:
        c = cells.setdefault(f"{row['truth']} as {row['exercise_posture']}",
                             {"stretches": 0, "named_right": 0, "named": {}})
        c["stretches"] += 1
        c["named_right"] += row["named"] == row["truth"]
        c["named"][row["named"]] = c["named"].get(row["named"], 0) + 1
    return {"excerpts": [{"name": e.name, "seconds": round(e.recording.duration_s, 1),
                          "walking_s": round(sum(b.end_s - b.start_s
                                                 for b in e.of(WALKING)), 1)}
                         for e in excerpts],
            "posture": posture, "posture_cells": cells,
            "posture_right": sum(r["named"] == r["truth"] for r in posture),
            "posture_judged": len(posture),
            "walking": walking,
            "reps_while_walking": sum(r["reps_while_walking"] for r in walking),
            "faults_while_walking": sum(r["faults_while_walking"] for r in walking),
            "stand_sit": stand_sit,
            "stand_sit_exact": sum(r["reps"] == r["cycles"] for r in stand_sit),
            "still_generic": still,
            "still_generic_reps": sum(r["reps"] for r in still)}


def hapt_lines(result: dict) -> list[str]:
    """``run_hapt``'s figures as lines to print."""
    lines = [f"real recordings, UCI HAPT ({len(result['excerpts'])} excerpts, "
             + ", ".join(f"{e['name']} {e['seconds']} s" for e in result["excerpts"]) + "):"]
    lines.append(f"  posture of still stretches named right: {result['posture_right']} of "
                 f"{result['posture_judged']} (stretch x exercise); per stretch posture as "
                 "the exercise's starting posture:")
    for key, c in sorted(result["posture_cells"].items()):
        named = ", ".join(f"{k} {v}" for k, v in sorted(c["named"].items()))
        lines.append(f"    {key:<22} right {c['named_right']}/{c['stretches']}  ({named})")
    lines.append(f"  while walking (every exercise but the generic kind; the whole excerpt "
                 f"and the walk alone): repetitions {result['reps_while_walking']}, faults "
                 f"{result['faults_while_walking']}")
    for r in result["walking"]:
        if r["reps_while_walking"] or r["faults_while_walking"]:
            lines.append(f"    {r['excerpt']} {r['stretch']} {r['exercise']}: repetitions "
                         f"{r['reps_while_walking']}, faults {r['faults_while_walking']}")
    counted = [r for r in result["still_generic"] if r["reps"]]
    lines.append(f"  generic kind on still stretches alone: {result['still_generic_reps']} "
                 f"repetitions, in {len(counted)} of {len(result['still_generic'])} stretches"
                 + (": " + ", ".join(f"{r['excerpt']} {r['posture']} {r['start_s']}-"
                                     f"{r['end_s']} s {r['reps']}" for r in counted)
                    if counted else ""))
    lines.append(f"  stand-sit-stand (one cycle) with the generic kind: counted 1 in "
                 f"{result['stand_sit_exact']} of {len(result['stand_sit'])}")
    for r in result["stand_sit"]:
        lines.append(f"    {r['excerpt']} {r['start_s']}-{r['end_s']} s: {r['reps']} at "
                     f"{r['rep_times_s']} (range {r['reps_range']}, confident "
                     f"{r['reps_confident']})")
    return lines


# --- Conversion from HAPT's files (run once; kept to say exactly what was done) ---------


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def body_rotation(acc_g: np.ndarray, gyro: np.ndarray, labels: list[tuple[int, int, int]]
                  ) -> tuple[np.ndarray, dict]:
    """The rotation (3x3, rows: anterior, left, up in phone axes) from the phone's frame to
    the body frame, found from one experiment's data, and the evidence.

    1. Up: the mean specific force over the labelled standing (each stretch's first and
       last second left out), as a unit vector.
    2. Anterior: during the first labelled walk, the horizontal acceleration (the part
       perpendicular to up) band-passed around the step frequency (the peak of the
       vertical acceleration's spectrum, 0.8-3.5 Hz; band 0.75-1.25 times it) swings
       mostly fore and aft (each step brakes and propels the trunk; the sideways sway is
       at the stride frequency, half of it): its principal axis is the anterior axis.
       Its sign: the half towards the phone's +y, where gravity reads lying on the
       back and towards which sitting tilts it (README, "Frame").
    3. Left = up x anterior (right-handed).

    Checked, not used: the horizontal axis the trunk turns about while sitting down and
    standing up (the gyro's principal axis then) should be left-right
    (``pitch_axis_off_deg``: its angle from the left axis found above), and standing up
    should begin with a forward lean, gravity tilting towards -anterior
    (``sit_to_stand_lean``: the least anterior component of the unit specific force
    during it, minus the sitting's before it).

    ``labels``: (activity, first sample, last sample), 0-based inclusive.
    """
    from scipy import signal

    n = int(RATE_HZ)
    stands = [acc_g[a + n:b + 1 - n] for act, a, b in labels if act == STANDING and b - a > 3 * n]
    up = _unit(np.concatenate(stands).mean(0))
    _, a, b = next(x for x in labels if x[0] == WALKING)
    walk = acc_g[a:b + 1] - acc_g[a:b + 1].mean(0)
    vertical = walk @ up
    f = np.fft.rfftfreq(len(vertical), 1 / RATE_HZ)
    power = np.abs(np.fft.rfft(vertical * np.hanning(len(vertical)))) ** 2
    band = (f >= 0.8) & (f <= 3.5)
    step_hz = float(f[band][np.argmax(power[band])])
    sos = signal.butter(2, [0.75 * step_hz, 1.25 * step_hz], btype="band", fs=RATE_HZ,
                        output="sos")
    horizontal = walk - np.outer(vertical, up)
    swing = signal.sosfiltfilt(sos, horizontal, axis=0)
    values, vectors = np.linalg.eigh(swing.T @ swing)
    anterior = _unit(vectors[:, -1] - (vectors[:, -1] @ up) * up)
    if anterior[1] < 0:
        anterior = -anterior
    left = np.cross(up, anterior)
    rot = np.stack([anterior, left, up])

    turning = np.concatenate([gyro[a:b + 1] for act, a, b in labels
                              if act in (STAND_TO_SIT, SIT_TO_STAND)])
    axis = np.linalg.eigh(turning.T @ turning)[1][:, -1]
    axis = _unit(axis - (axis @ up) * up)
    pitch_off = float(np.degrees(np.arccos(min(1.0, abs(float(axis @ left))))))
    _, a, b = next(x for x in labels if x[0] == SIT_TO_STAND)
    sitting = _unit(acc_g[max(0, a - n):a].mean(0))
    force = acc_g[a:b + 1] / np.linalg.norm(acc_g[a:b + 1], axis=1)[:, None]
    lean = float(np.min(np.convolve(force @ anterior, np.ones(10) / 10, "valid"))
                 - sitting @ anterior)
    evidence = {"step_hz": round(step_hz, 2),
                "fore_aft_share": round(float(values[-1] / values.sum()), 3),
                "pitch_axis_off_deg": round(pitch_off, 1),
                "sit_to_stand_lean": round(lean, 2)}
    return rot, evidence


def convert_hapt(raw_dir: str | Path, out_dir: str | Path,
                 experiments: tuple[tuple[int, int], ...] = EXPERIMENTS) -> list[Path]:
    """Write each experiment's excerpt (``hapt_expXX_userYY.csv`` and ``.json``) from HAPT's
    ``RawData`` (``acc_expXX_userYY.txt`` in g, ``gyro_...`` in rad/s, ``labels.txt``)."""
    raw, out = Path(raw_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = np.loadtxt(raw / "labels.txt", dtype=int, ndmin=2)
    written = []
    for exp, user in experiments:
        acc = np.loadtxt(raw / f"acc_exp{exp:02d}_user{user:02d}.txt")
        gyro = np.loadtxt(raw / f"gyro_exp{exp:02d}_user{user:02d}.txt")
        rows = table[(table[:, 0] == exp) & (table[:, 1] == user)]
        labels = [(int(a), int(s), int(e)) for a, s, e in rows[:, 2:5]]
        rot, evidence = body_rotation(acc, gyro, labels)
        sit_down = next(s for a, s, _ in labels if a == STAND_TO_SIT)
        walk_end = next(e for a, _, e in labels if a == WALKING)
        first = max(0, sit_down - int(CROP_BEFORE_S * RATE_HZ))
        last = min(len(acc) - 1, walk_end + int(CROP_AFTER_S * RATE_HZ))
        crop = slice(first, last + 1)
        t = (np.arange(first, last + 1) - first) / RATE_HZ
        accel = acc[crop] @ rot.T * STANDARD_GRAVITY
        rate = gyro[crop] @ rot.T
        name = f"hapt_exp{exp:02d}_user{user:02d}"
        path = out / f"{name}.csv"
        with path.open("w", newline="\n") as fh:
            fh.write("t,ax,ay,az,gx,gy,gz\n")
            for i in range(len(t)):
                fh.write(f"{t[i]:.2f},{accel[i, 0]:.3f},{accel[i, 1]:.3f},{accel[i, 2]:.3f},"
                         f"{rate[i, 0]:.4f},{rate[i, 1]:.4f},{rate[i, 2]:.4f}\n")
        # Every activity the excerpt overlaps; one the excerpt cuts is marked so.
        acts = [{"activity": a, "name": ACTIVITIES[a],
                 "start_s": round((max(s, first) - first) / RATE_HZ, 2),
                 "end_s": round((min(e, last) - first) / RATE_HZ, 2),
                 **({"cut_by_excerpt": True} if s < first or e > last else {})}
                for a, s, e in labels if e >= first and s <= last]
        meta = {
            "source": f"UCI HAPT RawData acc_exp{exp:02d}_user{user:02d}.txt, "
                      f"gyro_exp{exp:02d}_user{user:02d}.txt, labels.txt",
            "licence": "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), see README",
            "experiment": exp, "user": user, "rate_hz": RATE_HZ, "samples": len(t),
            "original_rows": [first, last],
            "rotation_phone_to_body": [[round(float(v), 5) for v in r] for r in rot],
            "rotation_evidence": evidence,
            "activities": acts,
            "walking_bouts": [{"start_s": a["start_s"], "end_s": a["end_s"]}
                              for a in acts if a["activity"] == WALKING]}
        path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
        written += [path, path.with_suffix(".json")]
    return written


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 3:
        sys.exit("usage: python -m korset.bench.realdata HAPT_RAWDATA_DIR OUT_DIR")
    for p in convert_hapt(sys.argv[1], sys.argv[2]):
        print(p)
