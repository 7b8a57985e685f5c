"""CSV dialects read as the contract (korset.recording.read_csv), and export never writing
over its input or an existing file without --force."""

from __future__ import annotations

import numpy as np
import pytest

from korset import inputs
from korset import session as sess
from korset.cli import main
from korset.recording import COLUMNS, RecordingError, read_csv, write_csv
from korset.sim.simulate import simulate
from korsetfw import catalogue as cat


@pytest.fixture(scope="module")
def rec():
    return simulate(cat.get(4), 21, rate_hz=52.0).recording


def text(rec, sep=",", decimal=".", header=COLUMNS, extra=None) -> str:
    """``rec`` as a spreadsheet writes it: ``header`` names, ``sep``, ``decimal``."""
    names = list(header) + ([extra[0]] if extra else [])
    lines = [sep.join(names)]
    for row in np.column_stack([rec.t, rec.accel, rec.gyro]):
        fields = [f"{row[0]:.5f}"] + [f"{v:.6f}" for v in row[1:]]
        fields = [f.replace(".", decimal) for f in fields] + ([extra[1]] if extra else [])
        lines.append(sep.join(fields))
    return "\r\n".join(lines) + "\r\n"


def same(a, b) -> None:
    np.testing.assert_allclose(a.t, b.t, atol=1e-5)
    np.testing.assert_allclose(a.accel, b.accel, atol=1e-6)
    np.testing.assert_allclose(a.gyro, b.gyro, atol=1e-6)


UPPER = ("  T ", "AX", " Ay", "az ", "GX", "gY", "Gz")

# name -> (file bytes from rec). Each failed before: "header lacks column(s) t, ax, ...".
DIALECTS = {
    "danish excel: ; and decimal comma": lambda r: text(r, ";", ",").encode("cp1252"),
    "; with decimal points": lambda r: text(r, ";").encode(),
    "tab with decimal comma": lambda r: text(r, "\t", ",").encode(),
    "tab with decimal points": lambda r: text(r, "\t").encode(),
    "utf-8 byte order mark": lambda r: text(r).encode("utf-8-sig"),
    "upper case, spaces": lambda r: text(r, header=UPPER).encode(),
    "excel sep= line, BOM, ; decimal comma": lambda r: (
        "sep=;\r\n" + text(r, ";", ",")).encode("utf-8-sig"),
    "excel unicode text (utf-16, tab)": lambda r: text(r, "\t", ",", UPPER).encode("utf-16"),
    "cp1252 extra column": lambda r: text(r, ";", ",", extra=("note", "rygø")).encode("cp1252"),
    "; decimal points, a note with commas": lambda r: text(r, ";", extra=("note", "a, b")
                                                           ).encode(),
    "quoted names and values": lambda r: text(r, ";", ",", [f'"{c}"' for c in COLUMNS]
                                              ).encode(),
}


@pytest.mark.parametrize("name", DIALECTS)
def test_a_dialect_reads_as_the_contract(rec, tmp_path, name):
    contract = tmp_path / "contract.csv"
    write_csv(rec, contract)
    path = tmp_path / "dialect.csv"
    path.write_bytes(DIALECTS[name](rec))
    same(read_csv(path), read_csv(contract))
    same(inputs.load(path).recording, inputs.load(contract).recording)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", DIALECTS)
def test_every_dialect_of_seeded_sets_reads_the_same(tmp_path, name, seed):
    ex = [1, 3, 5, 7, "reps", "hold"][seed]
    r = simulate(cat.get(ex), 200 + seed, rate_hz=(26.0, 52.0, 104.0)[seed % 3]).recording
    path = tmp_path / "d.csv"
    path.write_bytes(DIALECTS[name](r))
    got = read_csv(path)
    np.testing.assert_allclose(got.t, r.t, atol=1e-5)
    np.testing.assert_allclose(got.gyro, r.gyro, atol=1e-6)


def test_thousands_separators_are_refused_not_guessed(rec, tmp_path):
    path = tmp_path / "thousands.csv"
    path.write_text("t;ax;ay;az;gx;gy;gz\n0,01;1.000,5;0;9,81;0;0;0\n0,02;1.000,5;0;9,81;0;0;0\n")
    with pytest.raises(RecordingError, match="both '.' and ','"):
        read_csv(path)


def test_a_missing_column_is_named_with_what_was_read(tmp_path):
    path = tmp_path / "missing.csv"
    path.write_text("t;ax;ay;az;gx;gy\n0;0;0;9.81;0;0\n0.01;0;0;9.81;0;0\n")
    with pytest.raises(RecordingError, match=r"lacks column\(s\) gz .*'gy'.*a semicolon"):
        read_csv(path)


def test_a_header_without_data_rows_is_said_without_numpys_warning(tmp_path, recwarn):
    path = tmp_path / "empty.csv"
    path.write_text(",".join(COLUMNS) + "\n")
    with pytest.raises(RecordingError, match="no samples"):
        read_csv(path)
    assert not [w for w in recwarn if "no data" in str(w.message)]


def test_a_clock_set_back_is_said(tmp_path):
    path = tmp_path / "back.csv"
    path.write_text("t,ax,ay,az,gx,gy,gz\n" + "".join(
        f"{t},0,0,9.81,0,0,0\n" for t in (10.0, 10.01, 10.02, 3.0, 3.01)))
    with pytest.raises(RecordingError, match="data row 4: it goes back by 7.02"):
        read_csv(path)


# -- export's outputs --------------------------------------------------------------------

@pytest.fixture()
def kss(rec, tmp_path):
    path = tmp_path / "s3.kss"
    path.write_bytes(sess.from_recording(rec))
    return path


def test_export_never_writes_over_its_input(kss, capsys):
    before = kss.read_bytes()
    for force in ([], ["--force"]):
        assert main(["export", str(kss), "--csv", str(kss), *force]) == 1
        err = capsys.readouterr().err
        assert "is also the input: give another output path" in err and len(
            err.splitlines()) == 1
    assert kss.read_bytes() == before
    assert main(["export", str(kss), "--csv", str(kss.with_suffix(".csv")), "--events",
                 str(kss)]) == 1
    assert kss.read_bytes() == before


def test_export_replaces_an_existing_file_only_with_force(kss, rec, tmp_path, capsys):
    out = tmp_path / "out.csv"
    out.write_text("mine\n")
    assert main(["export", str(kss), "--csv", str(out)]) == 1
    assert "exists: give another path, or --force" in capsys.readouterr().err
    assert out.read_text() == "mine\n"
    assert main(["export", str(kss), "--csv", str(out), "--force"]) == 0
    same(read_csv(out), sess.read(kss).to_recording())
    csv = tmp_path / "in.csv"
    write_csv(rec, csv)
    again = tmp_path / "again.kss"
    again.write_bytes(b"old")
    assert main(["export", str(csv), "--session", str(again)]) == 1
    assert again.read_bytes() == b"old"
    assert main(["export", str(csv), "--session", str(csv), "--force"]) == 1
    assert main(["export", str(csv), "--session", str(again), "--force"]) == 0
    assert sess.is_session(again)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_a_csv_cut_off_mid_row_keeps_the_rows_before_it(tmp_path):
    """A logger that lost power, a copy interrupted: the last row is incomplete. The
    recording is the rows before it, and the analysis says a line was left out."""
    from korset import inputs
    from korset.recording import read_csv as read

    whole = tmp_path / "whole.csv"
    rows = ["t,ax,ay,az,gx,gy,gz"] + [f"{i / 50:.3f},0,0,9.81,0,0,0" for i in range(200)]
    whole.write_text("\n".join(rows) + "\n")
    cut = tmp_path / "cut.csv"
    cut.write_text("\n".join(rows) + "\n" + "4.000,0,0,9.8")  # a row cut after its az
    assert len(read(cut)) == len(read(whole)) == 200
    loaded = inputs.load(cut)
    assert [n.code for n in loaded.warnings] == ["file_damage"]
    assert "cut off" in loaded.warnings[0].text
    # A complete last row without a final newline is a row like any other.
    cut.write_text("\n".join(rows))
    assert len(read(cut)) == 200 and not inputs.load(cut).warnings
