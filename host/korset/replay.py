"""Replay a recording through the firmware on the virtual board and read what it did.

The recording (the recording contract) becomes the virtual IMU's motion; the
firmware starts a set of the given exercise at boot (``/settings.json``) and
runs as fast as it can on the simulated clock, so times are on the
recording's clock. What it did comes from two places: its console events
(reference, reps, holds, buzz decisions) and the motor pin's log (when the
motor was really driven). A fault buzz is a motor episode that starts with a
``buzz_on`` event; the other episodes are cues.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from korset import KorsetError
from korset.commands import _outputs
from korset.recording import Recording
from korset.vboard import VirtualBoard
from korsetfw import catalogue
from korsetfw.button import LONG_PRESS_MS

LONG_PRESS_S = LONG_PRESS_MS / 1000

# The board matches an event to the motor episode it started within this time.
_MATCH_S = 0.05


@dataclass
class Replay:
    exercise: str | int
    tolerance_deg: dict
    reference_s: float | None
    buzzes: list[dict]  # [{start_s, end_s}]: fault buzzes, motor drive times
    reps: int
    rep_times_s: list[float]
    holds: list[dict]  # [{start_s, end_s}]
    cues: list[dict]  # [{start_s, end_s}]: motor episodes that were cue patterns
    events: list[dict]  # [{name, t_s, value}]
    console: list[str] = field(repr=False)

    def to_json(self) -> str:
        d = asdict(self)
        d.pop("console")
        return json.dumps(d, indent=1)


def parse_events(console: list[str]) -> list[dict]:
    events = []
    for line in console:
        if line.startswith("event "):
            parts = line.split()
            fields = dict(p.split("=", 1) for p in parts[2:])
            events.append({"name": parts[1], "t_s": float(fields["t"]),
                           "value": int(fields["value"])})
    return events


def end_with_long_press(end_s: float, presses=()) -> dict:
    """Run options that hold the board's button after ``end_s`` (the end of the
    patient's motion) long enough to end the set, as a patient does, so the
    session gets its end record; the run stops just after."""
    hold = (end_s + 0.2, end_s + 0.2 + LONG_PRESS_S + 0.3)
    return {"button_presses_s": tuple(presses) + (hold,), "stop_at_s": hold[1] + 0.2}


def replay(recording: Recording, exercise: catalogue.Exercise, tolerance_deg: float | None,
           root: Path, board: str | dict = "virtual", rate_hz: int | None = None,
           session_out: Path | None = None, **run_options) -> Replay:
    """``run_options`` go to ``VirtualBoard.run`` (bus faults, button, IMU clock error).

    ``session_out``: write there the session the firmware recorded on the
    board's flash, byte for byte (whole or not at all; the caller checks that it
    may be written, ``korset.commands._outputs.check``). The set is ended as a
    patient would end it, by holding the button after the recording, so the
    session has its end record.
    """
    vb = VirtualBoard(root, board)
    settings: dict = {"exercise": exercise.number or exercise.key, "status_period_s": 0}
    if tolerance_deg is not None:
        settings["tolerance_deg"] = tolerance_deg
    if rate_hz is not None:
        settings["rate_hz"] = rate_hz
    end_s = float(recording.t[-1])
    if session_out is not None and vb.board["button"]["pin"] is not None:
        run_options.update(end_with_long_press(end_s, run_options.get("button_presses_s", ())))
    result = vb.run(recording, settings=settings, **run_options)
    if result.exit_code != 0:
        raise KorsetError("the firmware stopped with an error:\n" + "\n".join(result.console))
    if session_out is not None:
        recorded = vb.sessions(root / "pulled")
        if not recorded:
            raise KorsetError("the firmware recorded no session:\n" + "\n".join(result.console))
        _outputs.write(Path(session_out), lambda tmp: shutil.copyfile(recorded[-1], tmp))
    events = parse_events(result.console)
    motor = result.drive_episodes(vb.board["motor"]["pin"])
    motor = [(a, min(b, end_s)) for a, b in motor]
    buzz_starts = [e["t_s"] for e in events if e["name"] == "buzz_on"]
    buzzes, cues = [], []
    for a, b in motor:
        if any(abs(a - t) <= _MATCH_S for t in buzz_starts):
            buzzes.append({"start_s": round(a, 3), "end_s": round(b, 3)})
        else:
            cues.append({"start_s": round(a, 3), "end_s": round(b, 3)})
    reference = [e["t_s"] for e in events if e["name"] == "reference"]
    reps = [e["t_s"] for e in events if e["name"] == "rep"]
    holds = []
    for e in events:
        if e["name"] == "hold_end":
            holds.append({"start_s": round(e["t_s"] - e["value"] / 1000, 3),
                          "end_s": round(e["t_s"], 3)})
    config_tol = dict(exercise.tolerance_deg) if tolerance_deg is None else {
        a: float(tolerance_deg) for a in (exercise.axes or catalogue.AXES)}
    return Replay(exercise=exercise.number or exercise.key, tolerance_deg=config_tol,
                  reference_s=round(reference[0], 3) if reference else None, buzzes=buzzes,
                  reps=len(reps), rep_times_s=[round(t, 3) for t in reps], holds=holds,
                  cues=cues, events=events, console=result.console)
