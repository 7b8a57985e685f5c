"""A command ended by SIGTERM or SIGHUP removes its temporary files and exits 128+signum.

Their default action ends the process at once, skipping ``with
tempfile.TemporaryDirectory()`` and ``finally``: a replay killed that way left its
virtual board (5-28 MB) in /tmp. Real processes, real signals.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from korset.cli import main

SIGNALS = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A simulated set long enough that its replay runs a few seconds."""
    path = tmp_path_factory.mktemp("rec") / "long.csv"
    assert main(["sim", "-e", "3", "--seed", "5", "--reps", "60", "--rate", "833",
                 "-o", str(path)]) == 0
    return path


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum", SIGNALS, ids=[s.name for s in SIGNALS])
def test_a_signalled_replay_leaves_no_temporary_directory(recording, signum, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(tmp))
    proc = subprocess.Popen([sys.executable, "-m", "korset", "replay", str(recording),
                             "-e", "3"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(tmp.glob("korset-replay-*")):  # the board is being set up
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the replay made no temporary directory"
            time.sleep(0.01)
        time.sleep(0.3)  # into the run: the firmware's files and the board's flash
        assert proc.poll() is None, "the replay ended before the signal: make it longer"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    assert list(tmp.iterdir()) == []


def test_main_leaves_the_signal_handlers_as_it_found_them(capsys):
    before = {s: signal.getsignal(s) for s in SIGNALS}
    assert main([]) == 2
    assert main(["sim", "-e", "3"]) == 1  # a KorsetError: give --output
    assert {s: signal.getsignal(s) for s in SIGNALS} == before
