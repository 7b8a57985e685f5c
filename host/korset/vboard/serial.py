"""The virtual board's USB serial port: a pseudo-terminal that real mpremote can use.

``SerialBoard`` runs the firmware in serial mode (``vboot`` under
``micropython -i``: main.py, then the REPL on the board's own LittleFS) on an
inner pseudo-terminal, and copies bytes between it and an outer one whose
slave, ``/dev/pts/N``, is the board's port. On the way it does what the
board's USB-serial and reset logic would, and what a bare unix process
does not:

- Ctrl-C from the host also becomes SIGINT while code runs: main.py after a
  boot, or what the raw REPL executes (the unix port reads its terminal only
  at the prompt, a board's UART interrupt always); at a prompt it stays a
  byte (SIGINT there would end the unix process). A command typed in the
  friendly REPL is not interrupted this way;
- a soft reset (Ctrl-D at an empty raw-REPL prompt, or in the friendly REPL)
  makes the unix process exit: the bridge starts it again from the board's
  flash and prints the board's ``MPY: soft reboot`` banner, running main.py
  only after a friendly-REPL reset, as ports do; ``machine.reset()`` (exit
  75) boots again with main.py;
- the outer terminal does not turn ``\\n`` into ``\\r\\n`` (mpremote matches
  prompts byte for byte), and output nobody reads is dropped, oldest first,
  rather than blocking the board.

Connect mpremote to the ``/dev/pts/N`` name itself: mpremote uses its fast
path only for names under ``/dev/pts/``.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import subprocess
import termios
import threading
import time
import tty
from pathlib import Path

from korset.vboard import EXIT_RESET, VirtualBoard

_CTRL_A = 0x01
_CTRL_B = 0x02
_CTRL_C = 0x03
_CTRL_D = 0x04
_RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n>"
_SOFT_REBOOT = b"MPY: soft reboot\r\n"


def _raw_terminal(fd: int) -> None:
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[1] &= ~termios.ONLCR
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


class SerialBoard:
    def __init__(self, board: VirtualBoard, *, install: bool = False, speed: float = 1.0):
        self.board = board
        self.install = install
        self.speed = speed
        self._outer, outer_slave = os.openpty()
        _raw_terminal(outer_slave)
        self.port = os.ttyname(outer_slave)
        self._outer_slave = outer_slave  # kept open: the port exists while the board does
        self._fds_open = True
        os.set_blocking(self._outer, False)
        self.proc: subprocess.Popen | None = None
        self.pin_log = board.root / "pins.csv"  # "t_us,pin,kind,value", every boot appended
        self.pin_log.unlink(missing_ok=True)
        self._inner: int | None = None
        self._ready_file = Path("/nonexistent")
        self._ready_seen = False
        self._raw = False  # the host put the REPL in raw mode
        self._running = True  # code (main.py or a command) is running, not a prompt
        self._soft_reset_pending = False
        self._swallow_banner = False  # after a raw soft reset: hide the friendly banner
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.boots = 0

    # -- the board process -----------------------------------------------------------

    def _launch(self, run_main: bool) -> None:
        inner, inner_slave = os.openpty()
        _raw_terminal(inner_slave)
        config, _work = self.board.prepare(install=self.install, speed=self.speed,
                                           settings=None)
        self.install = False
        cfg = Path(config)
        import json

        self._ready_file = cfg.parent / "ready"
        self._ready_file.unlink(missing_ok=True)
        data = json.loads(cfg.read_text())
        data["repl"] = {"run_main": run_main}
        data["ready_file"] = str(self._ready_file)
        # One pin log for the board's whole life here: every reset starts a new process in
        # a fresh run directory, and what the pins did before must stay readable.
        data["pin_log"] = str(self.pin_log)
        cfg.write_text(json.dumps(data))
        command = self.board.command(cfg)
        command.insert(1, "-i")
        self.proc = subprocess.Popen(command, env=self.board.environment(), stdin=inner_slave,
                                     stdout=inner_slave, stderr=inner_slave,
                                     start_new_session=True)
        os.close(inner_slave)
        os.set_blocking(inner, False)
        self._inner = inner
        self._running = False  # decided when start-up is done (see _from_host)
        self._ready_seen = False
        self.boots += 1

    def start(self) -> str:
        """Boot the board; returns its port (``/dev/pts/N``)."""
        if self.install:
            # Flash the firmware first, in a run of its own, so that nothing on the port
            # (mpremote's Ctrl-C) can interrupt the copying half way.
            self.board.run(stop_at_s=0.01, install=True)
            self.install = False
        self._launch(run_main=True)
        self._thread = threading.Thread(target=self._pump, name="vboard-serial", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        """Power off (idempotent: the port's descriptors are closed once)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._kill()
        fds, self._fds_open = (self._outer, self._outer_slave) if self._fds_open else (), False
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._inner is not None:
            try:
                os.close(self._inner)
            except OSError:
                pass
            self._inner = None

    # -- the copying loop ------------------------------------------------------------

    def _pump(self) -> None:
        while not self._stop.is_set():
            fds = [self._outer] + ([self._inner] if self._inner is not None else [])
            try:
                ready, _, _ = select.select(fds, [], [], 0.05)
            except (OSError, ValueError):
                ready = []
            if self._outer in ready:
                self._from_host()
            if self._inner is not None and self._inner in ready:
                self._from_board()
            if self.proc is not None and self.proc.poll() is not None:
                self._drain_board()
                self._restart(self.proc.returncode)

    def _from_host(self) -> None:
        try:
            data = os.read(self._outer, 4096)
        except OSError as e:
            if e.errno in (errno.EIO, errno.EAGAIN):
                time.sleep(0.02)  # nobody has the port open
                return
            raise
        # Until the board's start-up code is done, hold what the host sends (as a
        # board's USB stack does before the REPL runs).
        deadline = time.monotonic() + 10.0
        while not self._ready_seen and time.monotonic() < deadline and not self._stop.is_set():
            state = self._ready()
            if state:
                self._ready_seen = True
                self._running = state == "main"  # main.py runs; else the REPL prompt
            else:
                time.sleep(0.005)
        for byte in data:
            if byte == _CTRL_A:
                self._raw = True
            elif byte == _CTRL_B:
                self._raw = False
            elif byte == _CTRL_C and self._running and self.proc is not None:
                os.kill(self.proc.pid, signal.SIGINT)
                self._running = False  # one interrupt stops it; a second could hit the handler
            elif byte == _CTRL_D:
                self._soft_reset_pending = True
                self._running = self._raw  # in raw mode ^D runs the code sent
        if self._inner is not None:
            self._write(self._inner, data)

    def _ready(self) -> str:
        """"main" or "repl" once the board's start-up code is done, else ""."""
        try:
            return self._ready_file.read_text().strip()
        except OSError:
            return ""

    def _from_board(self) -> None:
        try:
            data = os.read(self._inner, 65536)
        except OSError:
            return
        self._to_host(data)

    def _drain_board(self) -> None:
        while self._inner is not None:
            try:
                data = os.read(self._inner, 65536)
            except OSError:
                return
            if not data:
                return
            self._to_host(data)

    def _to_host(self, data: bytes) -> None:
        if self._swallow_banner:
            # The restarted interpreter greets as a friendly REPL; enter raw mode for the
            # host, which expects the board to stay raw across a soft reset.
            if b">>> " not in data:
                return
            self._swallow_banner = False
            data = data.split(b">>> ", 1)[1]
            self._write(self._inner, bytes((_CTRL_A,)))
            return
        if data.endswith(b">>> ") or (self._raw and data.endswith(b"\x04>")) or \
                data.endswith(_RAW_BANNER):
            self._running = False
        self._write(self._outer, data, drop=True)

    def _write(self, fd: int | None, data: bytes, drop: bool = False) -> None:
        view = memoryview(data)
        while view and fd is not None:
            try:
                n = os.write(fd, view)
                view = view[n:]
            except BlockingIOError:
                if drop:
                    return  # nobody reads: a board's USB buffer would overflow too
                time.sleep(0.001)
            except OSError:
                return

    def _restart(self, status: int | None) -> None:
        """The unix process ended: a soft reset, machine.reset(), or a crash."""
        raw_soft = self._soft_reset_pending and self._raw and status != EXIT_RESET
        self._soft_reset_pending = False
        self._kill()
        if self._stop.is_set():
            return
        self._write(self._outer, _SOFT_REBOOT, drop=True)
        if raw_soft:
            self._launch(run_main=False)
            self._swallow_banner = True
        else:
            self._raw = False
            self._launch(run_main=True)
