"""The firmware on the virtual board against simulated sets: it buzzes for faults, only them."""

import json

import pytest

from korset.cli import main
from korset.recording import write_csv
from korset.replay import replay
from korset.sim import simulate
from korset.sim.scripted import bends
from korsetfw import catalogue as cat


def _check(sim, r, max_latency_s=0.15):
    truth = sim.truth
    assert r.reference_s is not None and abs(r.reference_s - truth["reference_s"]) < 2.0
    assert truth["faults"], "the simulated set should have faults"
    for f in truth["faults"]:
        hits = [b for b in r.buzzes if f["start_s"] - 0.3 <= b["start_s"] <= f["end_s"]]
        assert hits, f"fault not buzzed: {f}"
        assert hits[0]["start_s"] - f["start_s"] < max_latency_s, (f, hits[0])
        # The buzz lasts while the back is out, and stops once it is back in.
        assert abs(hits[0]["end_s"] - f["end_s"]) < 0.5, (f, hits[0])
    for b in r.buzzes:
        assert any(f["start_s"] - 0.3 <= b["start_s"] <= f["end_s"] for f in truth["faults"]), \
            f"buzz without a fault: {b}"


@pytest.mark.parametrize("number, seed, rate", [
    (9, 3, 104.0),  # side-lying, fault axis: rotation
    (8, 4, 52.0),  # supine, rotation and lateral bend
    (6, 5, 104.0),  # standing, flexion (extension)
    (5, 6, 52.0),  # a hold in a tilted position, judged against the position held
])
def test_buzzes_for_every_fault_and_nothing_else(tmp_path, number, seed, rate):
    ex = cat.get(number)
    sim = simulate(ex, seed, rate_hz=rate, reps=8 if ex.kind == cat.REPS else None,
                   holds=3 if ex.kind == cat.HOLD else None, fault_rate=0.5, buzz=False)
    r = replay(sim.recording, ex, None, tmp_path, rate_hz=int(rate))
    _check(sim, r)
    # Cues: the boot buzz and the reference's two pulses at least; all short.
    assert len(r.cues) >= 3 and all(c["end_s"] - c["start_s"] < 0.5 for c in r.cues)


def test_no_buzz_for_a_set_without_faults(tmp_path):
    ex = cat.get(2)
    sim = simulate(ex, 7, reps=12, fault_rate=0.0, buzz=False)
    r = replay(sim.recording, ex, None, tmp_path)
    assert r.reference_s is not None and r.buzzes == []


def test_wrong_starting_posture_gets_its_own_cue_and_no_reference(tmp_path):
    standing = bends(duration_s=8.0, pitch_deg=0.0, roll_deg=0.0, yaw_deg=0.0)
    r = replay(standing, cat.get(3), None, tmp_path)  # exercise 3 starts on all fours
    names = [e["name"] for e in r.events]
    assert "posture_wrong" in names and "reference" not in names and r.reference_s is None


def test_tolerance_option_is_used(tmp_path):
    ex = cat.get(3)
    sim = simulate(ex, 8, reps=6, fault_rate=1.0, buzz=False)
    wide = replay(sim.recording, ex, 25.0, tmp_path)
    assert wide.tolerance_deg == {"flexion": 25.0} and wide.buzzes == []


def test_replay_command_prints_json(tmp_path, capsys):
    ex = cat.get(9)
    sim = simulate(ex, 9, reps=6, fault_rate=0.5, buzz=False)
    path = tmp_path / "set.csv"
    write_csv(sim.recording, path)
    assert main(["replay", str(path), "--exercise", "9", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"buzzes", "reps", "holds", "reference_s"}
    assert len(out["buzzes"]) == len(sim.truth["faults"])
    assert main(["replay", str(path), "--exercise", "9"]) == 0
    assert "buzzes:" in capsys.readouterr().out
    assert main(["replay", str(path), "--exercise", "12"]) == 1
    assert main(["replay", str(tmp_path / "missing.csv"), "--exercise", "3"]) == 1


def test_the_button_takes_the_reference_on_command(tmp_path):
    from korset.replay import parse_events
    from korset.vboard import VirtualBoard

    # On all fours but moving all the time: never still, so no automatic reference.
    ex = cat.get(3)
    sim = simulate(ex, 10, reps=6, fault_rate=0.0, buzz=False)
    board = VirtualBoard(tmp_path)
    result = board.run(sim.recording, settings={"exercise": 3, "status_period_s": 0},
                       button_presses_s=((1.0, 1.2),))
    events = parse_events(result.console)
    names = [e["name"] for e in events]
    assert "button" in names
    ref = [e for e in events if e["name"] == "reference"]
    # On command when the press ends (not automatic).
    assert ref[0]["value"] == 1 and 1.2 < ref[0]["t_s"] < 1.3


def test_bus_errors_during_a_set_are_counted_and_it_still_buzzes(tmp_path):
    ex = cat.get(9)
    sim = simulate(ex, 12, reps=8, fault_rate=0.5, buzz=False)
    fails = tuple(range(400, 6000, 97))  # a glitch every ~0.5 s of transfers
    r = replay(sim.recording, ex, None, tmp_path, fail_i2c_transfers=fails)
    _check(sim, r)
    errors = [e for e in r.events if e["name"] == "bus_error"]
    assert len(errors) >= 20 and errors[-1]["value"] == len(errors)


@pytest.mark.parametrize("argv, option", [
    (["--rate", "0"], "--rate"), (["--rate", "-52"], "--rate"), (["--rate", "5000"], "--rate"),
    (["--rate", "fast"], "--rate"), (["--tolerance", "0"], "--tolerance"),
    (["--tolerance", "100"], "--tolerance"), (["--tolerance", "nan"], "--tolerance"),
])
def test_impossible_rates_and_tolerances_are_refused_in_one_line(tmp_path, capsys, argv,
                                                                  option):
    path = tmp_path / "set.csv"
    path.write_text("t,ax,ay,az,gx,gy,gz\n")
    with pytest.raises(SystemExit) as e:
        main(["replay", str(path), "-e", "3", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and option in err[-1] and "must be" in err[-1]


def test_the_rate_asked_is_one_the_firmware_takes():
    from korset.commands.replay import nearest_rate

    assert [nearest_rate(r) for r in (25.0, 51.0, 60.0, 100.2, 333.0)] == \
        [25, 50, 52, 100, 208]


def test_session_out_never_replaces_a_file_without_force(tmp_path, capsys):
    sim = simulate(cat.get(6), 13, reps=2, fault_rate=0.0, buzz=False)
    path = tmp_path / "set.csv"
    write_csv(sim.recording, path)
    out = tmp_path / "mine.kss"
    out.write_bytes(b"mine")
    assert main(["replay", str(path), "-e", "6", "--session-out", str(out)]) == 1
    assert "--force" in capsys.readouterr().err and out.read_bytes() == b"mine"
    assert main(["replay", str(path), "-e", "6", "--session-out", str(path), "--force"]) == 1
    assert "also the input" in capsys.readouterr().err
