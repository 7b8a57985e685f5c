import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from html.parser import HTMLParser

import pytest

from korset import paths
from korset.cli import COMMANDS, main
from korset.vboard import pull_files
from korsetfw import catalogue as cat


def test_help_lists_every_command(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


class _Sets(HTMLParser):
    """The language of a page and its set sections (``<article class="set">``)."""

    def __init__(self, page: str):
        super().__init__()
        self.lang, self.sets = None, []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "article" and "set" in (a.get("class") or "").split():
            self.sets.append(a.get("id"))


def test_demo_tells_the_whole_story_on_the_virtual_board(capsys, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("KORSET_HOME", str(home))  # the user's own history and sessions
    demo = tmp_path / "demo"
    assert main(["demo", "--exercise", "8", "--reps", "6", "--dir", str(demo),
                 "--lang", "da"]) == 0
    out = capsys.readouterr().out
    steps = [line for line in out.splitlines() if line.startswith("==> ")]
    # Flashed with mpremote: every firmware module compiled, nothing else on the board (the
    # host-only modules left off).
    from korsetfw import HOST_ONLY

    modules = sorted(p.stem for p in (paths.firmware_dir() / "korsetfw").glob("*.py")
                     if p.stem not in HOST_ONLY)
    assert re.search(rf"Flashed the board with mpremote on its serial port /dev/pts/\d+ .*"
                     rf"{len(modules) + 2} file\(s\) copied .* booted firmware 0\.1\.0", out)
    on_flash = pull_files(demo / "board" / "flash.bin", "/korsetfw", tmp_path / "pulled")
    assert sorted(p.name for p in on_flash) == [f"{m}.mpy" for m in modules]
    # ...and the set ran on what was flashed.
    assert "board| korset 0.1.0 on virtual: LSM6DSOX at 104 Hz" in out
    assert "board| set 8 (Let a knee fall out" in out
    assert re.search(r"Reference taken at \d+\.\d+ s", out)
    # Every fault of the simulated set was answered by a buzz, soon.
    faults = re.findall(r"Lower back out by .*", out)
    assert len(faults) >= 2 and not any("NOT buzzed" in f for f in faults)
    latencies = [int(m) if when == "after" else -int(m)
                 for m, when in re.findall(r"buzzed (\d+) ms (after|before)", out)]
    assert len(latencies) == len(faults) and max(latencies) < 150
    assert "buzz(es) without a fault" not in out
    assert re.search(r"Synced 1 session\(s\), .*\(0 left on the board\)", out)
    # The analysis against the truth: the same faults as were simulated (and buzzed).
    done = int(re.search(r"Repetitions: (\d+) done", out).group(1))
    # The count as sure as the analysis is of it: a number, "about N (low-high)" or "N,
    # not reliably counted (between low and high)"; its range holds what was done.
    m = re.search(r"(\d+) rep\(s\)(?:, not reliably counted \(between (\d+) and (\d+)\)"
                  r"| \((\d+)-(\d+)\))? found \(the patient did (\d+)\); (\d+) fault\(s\) "
                  r"found, (\d+) of the (\d+) simulated", out)
    assert m, out
    reps, truth_reps, n_faults, found, simulated = (int(m.group(i)) for i in (1, 6, 7, 8, 9))
    low, high = next(((int(m.group(i)), int(m.group(i + 1))) for i in (2, 4) if m.group(i)),
                     (reps, reps))
    assert truth_reps == done == 6 and abs(reps - truth_reps) <= 1 and low <= done <= high
    assert simulated == len(faults) and found == simulated == n_faults
    fault_lines = re.findall(r"^    fault .*", out, re.M)
    assert len(fault_lines) == simulated and not any("NOT found" in f for f in fault_lines)
    # Stored in the demo's history, one row with those counts; the user's is untouched.
    with closing(sqlite3.connect(demo / "history.sqlite")) as con:
        rows = con.execute("SELECT exercise, reps, faults FROM sets").fetchall()
    assert rows == [("8", reps, n_faults)]
    assert not home.exists()
    assert list((demo / "sessions").glob("*/*.kss"))
    # The report, in Danish: the text in the terminal, the page in the demo's directory.
    assert "1 sæt" in out and re.search(rf"Gentagelser +(?:ca\. )?{reps}\b|Gentagelser +kunne ikke "
                                        rf"tælles sikkert \(mellem {low} og {high}\b", out)
    html = demo / "report.html"
    page = _Sets(html.read_text(encoding="utf-8"))
    assert page.lang == "da" and len(page.sets) == 1
    assert any(str(html) in s for s in steps[-2:]) and html.as_uri() in steps[-1]
    assert "korset flash" in steps[-1] and "korset report --html" in steps[-1]


def test_console_script_is_installed():
    proc = subprocess.run([sys.executable, "-m", "korset", "--version"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("korset ")


def _demo_step(out: str, pattern: str) -> re.Match:
    m = re.search(pattern, out, re.M)
    assert m, out
    return m


@pytest.mark.parametrize("exercise", ["reps", "hold"])
def test_demo_shows_the_generic_kinds_too(exercise, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KORSET_HOME", str(tmp_path / "home"))
    demo = tmp_path / "demo"
    assert main(["demo", "--exercise", exercise, "--reps", "4", "--dir", str(demo)]) == 0
    out = capsys.readouterr().out
    assert "None" not in out
    _demo_step(out, rf"Simulated patient: exercise {exercise} \(Any ")
    _demo_step(out, rf"'korset start -e {exercise}'")
    if exercise == "reps":
        # Any repeated movement: no axis held still, so no faults to buzz for.
        done = int(_demo_step(out, r"Repetitions: (\d+) done").group(1))
        assert done == 4
        _demo_step(out, r"\d+ rep\(s\) found \(the patient did 4\)")
    else:
        # At its dose (one hold: the demo shows what the analysis can count, issue 15),
        # and the analysis finds what the patient did.
        done = int(_demo_step(out, r"Holds: (\d+) done; the board counted \d+ live").group(1))
        found = _demo_step(out, r"(\d+) hold\(s\) found \(the patient held (\d+)\)")
        assert done == cat.get("hold").holds == int(found.group(1)) == int(found.group(2))
    assert (demo / "report.html").exists()


@pytest.mark.parametrize("exercise", ["1", "2", "3", "4", "5", "6", "7", "9"])
def test_demo_shows_every_leaflet_exercise(exercise, capsys, tmp_path, monkeypatch):
    """8 in the whole story above, reps and hold beside it; the others here (a few
    seconds each with four repetitions)."""
    monkeypatch.setenv("KORSET_HOME", str(tmp_path / "home"))
    demo = tmp_path / "demo"
    assert main(["demo", "--exercise", exercise, "--reps", "4", "--dir", str(demo)]) == 0
    out = capsys.readouterr().out
    _demo_step(out, rf"Simulated patient: exercise {exercise} \(")
    _demo_step(out, rf"board\| set {exercise} \(")
    assert "NOT buzzed" not in out and "NOT found" not in out
    assert (demo / "report.html").exists()


def test_demo_refuses_what_it_cannot_show_and_the_users_files(capsys, tmp_path):
    assert main(["demo", "--exercise", "12", "--dir", str(tmp_path / "d")]) == 1
    assert "no exercise" in capsys.readouterr().err
    html = tmp_path / "mine.html"
    html.write_text("mine")
    assert main(["demo", "--html", str(html), "--dir", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert f"{html} exists" in err and "--force" in err and html.read_text() == "mine"
    full = tmp_path / "full"
    full.mkdir()
    (full / "history.sqlite").write_text("mine")
    assert main(["demo", "--dir", str(full)]) == 1
    assert "--force" in capsys.readouterr().err
    assert [p.name for p in full.iterdir()] == ["history.sqlite"]
    assert not (tmp_path / "d").exists()


def test_scan_without_bluetooth_says_so_in_words(capsys, monkeypatch):
    """No D-Bus system bus (a container, a Linux without bluetoothd): bleak's BlueZ
    backend meets [Errno 2] on the bus's socket."""
    if not sys.platform.startswith("linux"):
        pytest.skip("BlueZ's D-Bus socket is Linux's")
    monkeypatch.delenv("KORSET_VIRTUAL_BOARD", raising=False)
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/system_bus_socket")
    assert main(["scan", "--seconds", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Errno" not in err
    assert err.startswith("korset scan: no Bluetooth adapter found")
    assert "--virtual-board" in err and "korset demo" in err


@pytest.mark.parametrize("error", ["no adapter", "powered off", "bluez not running"])
def test_every_ble_command_says_no_adapter_in_words(error, capsys, monkeypatch):
    from bleak import BleakScanner
    from bleak.exc import (
        BleakBluetoothNotAvailableError,
        BleakBluetoothNotAvailableReason,
        BleakDBusError,
    )

    raised = {
        "no adapter": BleakBluetoothNotAvailableError(
            "No Bluetooth adapters found.", BleakBluetoothNotAvailableReason.NO_BLUETOOTH),
        "powered off": BleakBluetoothNotAvailableError(
            "Bluetooth is off", BleakBluetoothNotAvailableReason.POWERED_OFF),
        "bluez not running": BleakDBusError("org.freedesktop.DBus.Error.ServiceUnknown",
                                            ["The name org.bluez was not provided"]),
    }[error]

    async def fail(*args, **kwargs):
        raise raised

    monkeypatch.delenv("KORSET_VIRTUAL_BOARD", raising=False)
    monkeypatch.setattr(BleakScanner, "discover", fail)
    monkeypatch.setattr(BleakScanner, "find_device_by_filter", fail)
    for argv in (["scan"], ["info"], ["pair", "--device", "Korset-0001"]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1, err
        assert err.startswith(f"korset {argv[0]}: ")
        assert ("no Bluetooth adapter found" if error != "powered off"
                else "Bluetooth is off") in err, err
        assert "--virtual-board" in err
