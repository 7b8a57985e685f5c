"""Bad files into the commands that read them: a clear error or a right answer, never a
traceback, never a user's file changed, never a set stored as judged that was not.

A thousand malformed inputs (seeded): CSV recordings and session files made
from simulated sets, then broken in the ways files are broken in practice
(truncated, garbled, wrong units, gaps, spreadsheet dialects, damaged bytes).
Each goes through ``analyze``, ``export`` and ``analyze --save``; a few short
ones through ``replay`` on the virtual board. The commands run in this
process through ``korset.cli.main``, as the ``korset`` command does: an
exception escaping it is the traceback a user would see.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from korset import session as sess
from korset.cli import main
from korset.history import History
from korset.recording import Recording
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat

N_INPUTS = 1000
N_REPLAYS = 12  # the virtual board takes a second or two each


def _base(seed: int) -> Recording:
    ex = cat.get(random.Random(seed).choice(["rock_back", "wall_flatten", "corset_supine"]))
    return simulate(ex, seed, rate_hz=52.0, reps=3, holds=2).recording


def _csv_text(rec: Recording) -> str:
    buffer = io.StringIO()
    rows = np.column_stack([rec.t, rec.accel, rec.gyro])
    buffer.write("t,ax,ay,az,gx,gy,gz\n")
    for row in rows:
        buffer.write(",".join(f"{v:.6f}" for v in row) + "\n")
    return buffer.getvalue()


# -- how files are broken: each takes (rng, recording) and gives (bytes, wrong_unit) -----

def _scaled(rng, rec):
    """One column group in another unit, as other devices write them."""
    which = rng.choice(["gyro_deg", "accel_g", "time_ms"])
    t, a, g = rec.t.copy(), rec.accel.copy(), rec.gyro.copy()
    if which == "gyro_deg":
        g = np.degrees(g)
    elif which == "accel_g":
        a = a / 9.80665
    else:
        t = t * 1000.0
    return _csv_text(Recording(t, a, g)).encode(), True


def _truncated(rng, rec):
    text = _csv_text(rec).encode()
    return text[:rng.randrange(0, len(text))], False


def _garbled_bytes(rng, rec):
    data = bytearray(_csv_text(rec).encode())
    for _ in range(rng.randrange(1, 50)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data), False


def _bad_cells(rng, rec):
    lines = _csv_text(rec).splitlines()
    for _ in range(rng.randrange(1, 5)):
        i = rng.randrange(1, len(lines))
        cells = lines[i].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(["nan", "inf", "-inf", "", "x", "1e999",
                                                        "0x10", "--1", "1,5"])
        lines[i] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode(), False


def _header(rng, rec):
    lines = _csv_text(rec).splitlines()
    names = lines[0].split(",")
    kind = rng.choice(["drop", "rename", "swap", "case", "empty", "dup"])
    if kind == "drop":
        del names[rng.randrange(len(names))]
    elif kind == "rename":
        names[rng.randrange(len(names))] = "q"
    elif kind == "swap":
        i, j = rng.sample(range(len(names)), 2)
        names[i], names[j] = names[j], names[i]
    elif kind == "case":
        names = [n.upper() for n in names]
    elif kind == "empty":
        names = [""]
    else:
        names[1] = names[0]
    lines[0] = ",".join(names)
    return ("\n".join(lines) + "\n").encode(), False


def _time_order(rng, rec):
    t = rec.t.copy()
    i = rng.randrange(1, len(t) - 1)
    kind = rng.choice(["repeat", "back", "gap", "jump"])
    if kind == "repeat":
        t[i] = t[i - 1]
    elif kind == "back":
        t[i] = t[i - 1] - 0.5
    elif kind == "gap":
        t[i:] += rng.uniform(1.0, 900.0)
    else:
        t[i:] += 1.7e9
    return _csv_text(Recording(t, rec.accel, rec.gyro)).encode(), False


def _dialect(rng, rec):
    text = _csv_text(rec)
    kind = rng.choice(["semicolon_comma", "tab", "bom", "crlf", "quoted"])
    if kind == "semicolon_comma":
        text = text.replace(",", ";").replace(".", ",")
    elif kind == "tab":
        text = text.replace(",", "\t")
    elif kind == "bom":
        text = "\ufeff" + text
    elif kind == "crlf":
        text = text.replace("\n", "\r\n")
    else:
        text = "\n".join(",".join(f'"{c}"' for c in line.split(","))
                         for line in text.splitlines()) + "\n"
    return text.encode("utf-8"), False


def _tiny(rng, rec):
    lines = _csv_text(rec).splitlines()
    return ("\n".join(lines[:rng.randrange(0, 12)]) + "\n").encode(), False


def _binary(rng, rec):
    return rng.randbytes(rng.randrange(0, 4096)), False


def _session_damage(rng, rec):
    data = bytearray(sess.from_recording(rec, source="fuzz"))
    kind = rng.choice(["cut", "flip", "zero", "append", "header"])
    if kind == "cut":
        data = data[:rng.randrange(0, len(data))]
    elif kind == "flip":
        for _ in range(rng.randrange(1, 20)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == "zero":
        at = rng.randrange(len(data))
        end = min(len(data), at + rng.randrange(1, 600))
        data[at:end] = bytes(end - at)
    elif kind == "append":
        data += rng.randbytes(rng.randrange(1, 2000))
    else:
        at = rng.randrange(4, min(200, len(data)))
        data[at] = rng.randrange(256)
    return bytes(data), False


BREAKERS = [_scaled, _truncated, _garbled_bytes, _bad_cells, _header, _time_order, _dialect,
            _tiny, _binary, _session_damage]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse's usage errors: one line, exit 2
            code = int(e.code or 0)
    return code, out.getvalue(), err.getvalue()


def _digests(root: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The malformed files, each with whether it is a wrong unit (must be refused)."""
    root = tmp_path_factory.mktemp("fuzz-in")
    bases = [_base(seed) for seed in range(4)]
    rng = random.Random(2026)
    made = []
    for i in range(N_INPUTS):
        breaker = BREAKERS[i % len(BREAKERS)]
        data, wrong_unit = breaker(rng, bases[rng.randrange(len(bases))])
        suffix = ".kss" if breaker is _session_damage else ".csv"
        path = root / f"{i:04d}-{breaker.__name__.strip('_')}{suffix}"
        path.write_bytes(data)
        made.append((path, wrong_unit))
    return root, made


def test_analyze_and_export_answer_every_bad_file_in_words(inputs, tmp_path, monkeypatch):
    root, made = inputs
    monkeypatch.setenv("KORSET_HOME", str(tmp_path / "home"))
    before = _digests(root)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    refused = 0
    for i, (path, wrong_unit) in enumerate(made):
        code, stdout, stderr = _run("analyze", "--json", "-e", "3", str(path))
        assert code in (0, 1), (path, code, stderr)
        if code == 1:
            refused += 1
            assert stderr.startswith("korset analyze: ") and stderr.count("\n") == 1, \
                (path, stderr)
        else:
            result = json.loads(stdout)
            assert result["reps"] >= 0
        if wrong_unit:
            assert code == 1 and "give --" in stderr, (path, stderr)
        target = ["--csv", str(out_dir / f"{i}.csv")] if path.suffix == ".kss" else \
            ["--session", str(out_dir / f"{i}.kss")]
        code, _stdout, stderr = _run("export", str(path), *target)
        assert code in (0, 1), (path, code, stderr)
        if code == 1:
            assert stderr.startswith("korset export: ") and stderr.count("\n") == 1, \
                (path, stderr)
    assert _digests(root) == before  # no input touched
    assert set(p.parent for p in out_dir.rglob("*") if p.is_file()) <= {out_dir}
    # A refused or failed export leaves no half-written temporary file behind.
    assert not [p.name for p in out_dir.iterdir() if p.name.endswith(".tmp")]
    assert 0 < refused < len(made)  # the families include files that are fine to read


def test_saving_bad_files_stores_only_what_was_judged(inputs, tmp_path, monkeypatch):
    root, made = inputs
    monkeypatch.setenv("KORSET_HOME", str(tmp_path / "home"))
    db, store = tmp_path / "h.sqlite", tmp_path / "store"
    before = _digests(root)
    saved = []
    for path, wrong_unit in made[::4]:  # every family, a quarter of each
        code, stdout, stderr = _run("analyze", "--json", "--save", "-e", "3", "--db", str(db),
                                    "--store", str(store), str(path))
        assert code in (0, 1), (path, code, stderr)
        if wrong_unit:
            assert code == 1
        if code == 0:
            saved.append(path)
    assert _digests(root) == before
    records = History(db).sets() if db.exists() else []
    assert len(records) <= len(saved)
    for record in records:
        # What the history holds as judged is what the stored session analyses as.
        code, stdout, stderr = _run("analyze", "--json", "-e", "3", str(record.path))
        assert code == 0, stderr
        again = json.loads(stdout)
        assert record.analysis.judged == again["judged"]
        if not record.analysis.judged:
            assert record.analysis.not_judged


def test_replay_answers_short_bad_files_in_words(inputs, tmp_path, monkeypatch):
    root, made = inputs
    monkeypatch.setenv("KORSET_HOME", str(tmp_path / "home"))
    before = _digests(root)
    short = [p for p, _ in made if p.suffix == ".csv" and p.stat().st_size < 40_000]
    rng = random.Random(7)
    for path in rng.sample(short, min(N_REPLAYS, len(short))):
        code, _stdout, stderr = _run("replay", "-e", "3", str(path))
        assert code in (0, 1), (path, code, stderr)
        if code == 1:
            assert stderr.startswith("korset replay: ") and stderr.count("\n") == 1, \
                (path, stderr)
    assert _digests(root) == before
