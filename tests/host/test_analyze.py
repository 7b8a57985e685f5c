"""``korset analyze`` and what it stands on: reading files (korset.inputs),
analysing them as the file or the user says (korset.setfiles), saving sets, and
sync adding new sessions to the history.

The analysis itself is being tuned: these tests check what holds whatever its
figures: options reach it, two spellings of the same data give the same
result, a session's events and header are used, clear faults are found.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from korset import inputs
from korset import session as sess
from korset.cli import main
from korset.history import History
from korset.recording import STANDARD_GRAVITY, Recording, write_csv
from korset.setfiles import record_stored
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat
from korsetfw import events as ev

RATE_HZ = 52.0
JSON_KEYS = {"reps", "rep_times_s", "holds", "faults", "posture", "quality"}


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(["analyze", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def analyse_json(capsys, *argv) -> dict:
    code, out, err = cli(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)  # stdout is the JSON and nothing else


@pytest.fixture(scope="module")
def hold_set():
    """Exercise 1 (holds, every axis judged against the reference) with clear faults."""
    return simulate(cat.get(1), 3, rate_hz=RATE_HZ, holds=4, fault_rate=0.6)


@pytest.fixture(scope="module")
def files(hold_set, tmp_path_factory):
    """The hold set as a contract CSV, as another device's export, and as a session file
    from a board: header (exercise 1, tolerances) and reference and set-end events."""
    d = tmp_path_factory.mktemp("analyze")
    rec = hold_set.recording
    contract = d / "contract.csv"
    write_csv(rec, contract)
    # Another device: sensor mounted as '+Y-X+Z' (body x = sensor +Y, body y = sensor -X,
    # body z = sensor +Z), so sensor X = -body y, sensor Y = body x; in g, deg/s and ms.
    a, g = rec.accel / STANDARD_GRAVITY, np.degrees(rec.gyro)
    other = d / "other.csv"
    np.savetxt(other, np.column_stack([
        rec.t * 1000, -a[:, 1], a[:, 0], a[:, 2], -g[:, 1], g[:, 0], g[:, 2]]),
        delimiter=",", header="t,ax,ay,az,gx,gy,gz", comments="", fmt="%.7f")
    truth = hold_set.truth
    reference = int(np.searchsorted(rec.t, truth["reference_s"]))
    end = int(np.searchsorted(rec.t, truth["set_end_s"]))
    board = sess.decode(sess.from_recording(rec))
    tolerance = {"flexion": 3.5, "lateral": 4.5, "rotation": 4.0}
    session = d / "board.kss"
    session.write_bytes(sess.encode(
        board.raw, dict(board.header, exercise=1, tolerance_deg=tolerance, device="b0a4d",
                        session=12, start_unix_s=1.7e9),
        events=[(ev.SET_START, 0, 0), (ev.REFERENCE, reference, 0), (ev.SET_END, end, 4)]))
    return {"contract": contract, "other": other, "session": session, "dir": d,
            "tolerance": tolerance, "reference_s": reference / board.rate_hz,
            "end_s": end / board.rate_hz}


OTHER_DEVICE = ("--accel-unit", "g", "--gyro-unit", "deg/s", "--time-unit", "ms",
                "--alignment", "+Y-X+Z")


# -- inputs ------------------------------------------------------------------------------

def test_another_devices_export_reads_as_the_contract(files):
    contract = inputs.load(files["contract"]).recording
    other = inputs.load(files["other"], accel_unit="g", gyro_unit="deg/s", time_unit="ms",
                        alignment="+Y-X+Z").recording
    np.testing.assert_allclose(other.t, contract.t, atol=1e-5)
    np.testing.assert_allclose(other.accel, contract.accel, atol=1e-4)
    np.testing.assert_allclose(other.gyro, contract.gyro, atol=1e-6)
    # Upright on its back: gravity along body +x (supine), whatever the sensor axes were.
    assert np.median(other.accel[:, 0]) > 9.0


def test_a_rate_no_back_turns_at_is_questioned(tmp_path):
    csv = tmp_path / "degrees.csv"
    t = np.arange(100) / RATE_HZ
    gyro = np.zeros((100, 3))
    gyro[40:60, 1] = 45.0  # deg/s, written where rad/s belong
    write_csv(Recording(t, np.tile([0.0, 0.0, 9.81], (100, 1)), gyro), csv)
    assert "--gyro-unit deg/s" in inputs.load(csv).warnings[0].text
    assert inputs.load(csv, gyro_unit="deg/s").warnings == []


def test_a_session_file_says_what_the_board_knew(files):
    loaded = inputs.load(files["session"])
    assert loaded.is_session and loaded.exercise == 1
    assert loaded.tolerance_deg == files["tolerance"]
    assert loaded.reference_s == pytest.approx(files["reference_s"])
    assert loaded.end_s == pytest.approx(files["end_s"])
    assert (loaded.device, loaded.session, loaded.start_unix_s) == ("b0a4d", 12, 1.7e9)
    assert inputs.load(files["contract"]).exercise is None


def test_exercise_names(tmp_path):
    assert inputs.exercise("3") is cat.get(3) and inputs.exercise(9) is cat.get(9)
    assert inputs.exercise("hold").kind == cat.HOLD
    with pytest.raises(inputs.InputError, match="1-9, reps, hold.*--programme"):
        inputs.exercise("10")


# -- analyze -----------------------------------------------------------------------------

def test_the_same_set_from_another_device_gives_the_same_analysis(files, capsys):
    contract = analyse_json(capsys, files["contract"], "-e", "1")
    other = analyse_json(capsys, files["other"], "-e", "1", *OTHER_DEVICE)
    assert other["reference_s"] == pytest.approx(contract["reference_s"], abs=0.001)
    assert len(other["faults"]) == len(contract["faults"]) > 0
    for f, g in zip(other["faults"], contract["faults"], strict=True):
        assert f["axis"] == g["axis"]
        assert f["start_s"] == pytest.approx(g["start_s"], abs=0.05)
        assert f["peak_deg"] == pytest.approx(g["peak_deg"], abs=0.1)
    assert len(other["holds"]) == len(contract["holds"])
    # Read as the contract, the same file is off by a factor of ~9.81: said, not judged.
    code, _, err = cli(capsys, files["other"], "-e", "1")
    assert code == 1 and "--accel-unit g" in err and len(err.splitlines()) == 1


def test_a_session_is_analysed_as_the_board_recorded_it(files, hold_set, capsys):
    d = analyse_json(capsys, files["session"])
    assert JSON_KEYS <= set(d)
    assert d["exercise"] == 1 and d["kind"] == cat.HOLD and d["posture"] == cat.SUPINE
    assert d["tolerance_deg"] == files["tolerance"]  # the board's, not the catalogue's
    assert d["reference_s"] == pytest.approx(files["reference_s"], abs=1.5 / RATE_HZ)
    assert d["set_end_s"] <= files["end_s"] + 1.5 / RATE_HZ
    # Clear faults (1.5 degrees or more past the tolerance, while judged) are found.
    tol = files["tolerance"]
    clear = [f for f in hold_set.truth["faults"]
             if abs(f["peak_deg"]) >= tol[f["axis"]] + 1.5
             and files["reference_s"] < f["start_s"] < files["end_s"]]
    assert clear
    for f in clear:
        assert any(g["axis"] == f["axis"] and g["start_s"] < f["end_s"] + 0.5
                   and g["end_s"] > f["start_s"] - 0.5
                   and np.sign(g["peak_deg"]) == np.sign(f["peak_deg"])
                   for g in d["faults"]), f"missed {f}"
    # The options override the header: a tolerance for every axis, another exercise.
    d = analyse_json(capsys, files["session"], "--tolerance", "6")
    assert d["tolerance_deg"] == {"flexion": 6.0, "lateral": 6.0, "rotation": 6.0}
    d = analyse_json(capsys, files["session"], "-e", "hold")
    assert d["exercise"] == "hold" and d["tolerance_deg"] == cat.get("hold").tolerance_deg


def test_the_readable_summary(files, capsys):
    code, out, _ = cli(capsys, files["session"])
    assert code == 0
    assert "1: Find the corset, lying on your back (hold)" in out
    assert "session   12 of board b0a4d" in out
    assert "supine, as the exercise begins" in out
    assert f"from the reference at {files['reference_s']:.1f} s" in out
    assert "tolerance flexion 3.5, lateral 4.5, rotation 4.0 deg" in out
    assert "holds" in out and "faults" in out and "(tolerance 3.5)" in out


def test_warnings_go_to_stderr_with_json(files, capsys):
    # Exercise 4 is done sitting; the set was recorded lying down.
    code, out, err = cli(capsys, files["contract"], "-e", "4", "--json")
    assert code == 0
    d = json.loads(out)
    assert not d["posture_ok"] and d["warnings"]
    assert "warning: the set started lying on the back" in err


def short_csv(path, rows: int, t_step: float = 0.02) -> str:
    lines = ["t,ax,ay,az,gx,gy,gz"] + [f"{i * t_step},0,0,9.81,0,0,0" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("argv, message", [
    (["{d}/none.csv", "-e", "1"], "none.csv: no such file"),
    (["{contract}"], "does not say what exercise it is: give --exercise"),
    (["{contract}", "-e", "12"], "unknown exercise '12': give a catalogue number 1-9"),
    (["{contract}", "-e", "1", "--accel-unit", "furlongs"], "--accel-unit 'furlongs': give "
                                                            "one of m/s2, g"),
    (["{contract}", "-e", "1", "--gyro-unit", "rpm"], "--gyro-unit 'rpm'"),
    (["{contract}", "-e", "1", "--alignment", "+X+X+Z"], "each sensor axis must appear once"),
    (["{contract}", "-e", "1", "--alignment=-X+Y+Z"], "a mirror image"),
    (["{contract}", "-e", "1", "--tolerance", "0"], "give 0.5-30"),
    (["{session}", "--alignment", "+Y-X+Z"], "is a session file, which states its own units"),
    (["{short}", "-e", "1"], "fewer than 10 samples"),
    (["{backwards}", "-e", "1"], "time does not increase"),
    (["{contract}", "-e", "1", "--db", "{d}/h.sqlite"], "add --save"),
])
def test_errors_are_one_line(files, capsys, argv, message):
    d = files["dir"]
    names = {"d": d, "contract": files["contract"], "session": files["session"],
             "short": short_csv(d / "short.csv", 5),
             "backwards": short_csv(d / "backwards.csv", 20, t_step=-0.02)}
    code, out, err = cli(capsys, *(a.format(**names) for a in argv))
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("korset analyze: ")
    assert message in err


def test_a_custom_exercise_from_a_programme(tmp_path, capsys):
    programme = tmp_path / "programme.toml"
    programme.write_text('[[exercise]]\nkey = "bridge"\nname = "Bridge"\nkind = "reps"\n'
                         'posture = "supine"\naxes = ["rotation"]\ntolerance_deg = 6.0\n'
                         'reps = [10, 12]\n')
    from korset.programme import load

    bridge = load(programme).lookup("bridge")
    rec = simulate(bridge, 5, rate_hz=RATE_HZ, reps=6).recording
    csv = tmp_path / "bridge.csv"
    write_csv(rec, csv)
    d = analyse_json(capsys, csv, "-e", "bridge", "--programme", programme)
    assert d["exercise"] == "bridge" and d["name_en"] == "Bridge" and d["kind"] == cat.REPS
    assert d["tolerance_deg"] == {"rotation": 6.0} and d["target_reps"] == [10, 12]
    code, _, err = cli(capsys, csv, "-e", "plank", "--programme", programme)
    assert code == 1 and "or a custom one: bridge" in err
    # A session recorded for it names only its key: the programme must say what it is.
    session = tmp_path / "bridge.kss"
    session.write_bytes(sess.from_recording(rec, exercise="bridge"))
    code, _, err = cli(capsys, session)
    assert code == 1 and "recorded for exercise 'bridge'" in err and "--programme" in err
    assert analyse_json(capsys, session, "--programme", programme)["exercise"] == "bridge"


# -- saving ------------------------------------------------------------------------------

def test_saving_twice_keeps_one_set(files, tmp_path, capsys):
    where = ["--save", "--db", tmp_path / "h.sqlite", "--store", tmp_path / "store"]
    for _ in range(2):
        code, out, _ = cli(capsys, files["contract"], "-e", "1", "--tolerance", "5", *where)
        assert code == 0 and "saved: " in out
    (record,) = History(tmp_path / "h.sqlite").sets()
    assert record.analysis.exercise == 1 and record.session == 0
    (stored,) = (tmp_path / "store").glob("*/*.kss")
    assert record.path == str(stored.resolve())
    # The CSV became a session file of the exercise and tolerance it was analysed as.
    header = sess.read(stored).header
    assert header["exercise"] == 1 and header["tolerance_deg"] == record.analysis.tolerance_deg

    # A session file is stored as it is, under its board and number; with --json the
    # saving goes to stderr and stdout stays JSON.
    for _ in range(2):
        code, out, err = cli(capsys, files["session"], *where, "--json")
        assert code == 0 and "saved: " in err
        json.loads(out)
    assert History(tmp_path / "h.sqlite").count() == 2
    copy = tmp_path / "store" / "b0a4d" / "000012.kss"
    assert copy.read_bytes() == files["session"].read_bytes()


def test_a_stored_session_is_recorded_as_its_header_says(files, tmp_path):
    history = History(tmp_path / "h.sqlite")
    record = record_stored(files["session"], history)
    assert record.device == "b0a4d" and record.session == 12
    assert record.started_unix_s == 1.7e9 and record.analysis.exercise == 1
    assert record.analysis.tolerance_deg == files["tolerance"]
    # A free recording (no exercise) is not analysed.
    free = tmp_path / "free.kss"
    free.write_bytes(sess.from_recording(inputs.load(files["contract"]).recording))
    assert record_stored(free, history) is None
    assert history.count() == 1


def test_sync_goes_on_when_a_session_cannot_be_analysed(files, tmp_path, capsys,
                                                        monkeypatch):
    from korset.commands.sync import _record

    history = History(tmp_path / "h.sqlite")
    t = np.arange(5) / RATE_HZ
    short = Recording(t, np.tile([0.0, 0.0, 9.81], (5, 1)), np.zeros((5, 3)))
    broken = tmp_path / "short.kss"
    broken.write_bytes(sess.from_recording(short, exercise=3))
    assert _record(broken, history) == "stored, not analysed"
    assert "fewer than 10 samples" in capsys.readouterr().err
    assert "in the history" in _record(files["session"], history)
    assert history.count() == 1

    def broken_analysis(path, history):
        raise IndexError("index 3 is out of bounds")

    monkeypatch.setattr("korset.setfiles.record_stored", broken_analysis)
    assert _record(files["session"], history) == "stored, not analysed"
    assert "the analysis failed (IndexError: index 3" in capsys.readouterr().err


def test_sync_says_a_set_was_not_judged(files, tmp_path):
    """A session whose patient was never still: recorded as not judged, and sync says so
    (not '0 fault(s)')."""
    from korset.commands.sync import _record

    rng = np.random.default_rng(7)
    t = np.arange(0, 30, 1 / RATE_HZ)
    accel = np.tile([9.81, 0.0, 0.0], (len(t), 1)) + rng.normal(0, 1.5, (len(t), 3))
    gyro = rng.normal(0, 0.8, (len(t), 3))  # never still for a second
    restless = tmp_path / "restless.kss"
    restless.write_bytes(sess.from_recording(Recording(t, accel, gyro), exercise=1))
    history = History(tmp_path / "h.sqlite")
    said = _record(restless, history)
    assert said.startswith("exercise 1, not judged (you were never still") and \
        "fault" not in said
    (record,) = history.sets()
    assert not record.judged
