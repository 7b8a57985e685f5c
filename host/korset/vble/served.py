"""A virtual board that stays on the air between commands, reached over HCI on a TCP port.

A real board keeps running while the host's commands come and go: ``korset
start``, then ``korset live``, then ``korset stop`` and ``korset sync`` each
connect to the same board, which goes on sensing between them. A virtual
board booted by each command instead (``korset.ble.radio.VirtualRadio``) is
powered off when the command ends, so a sequence of commands meets a new,
idle board every time.

``ServedBoard`` (``korset vboard --ble``) keeps one ``RunningBoard`` on a
``bumble.link.LocalLink`` in its own process and serves, on a localhost TCP
port, what a USB Bluetooth adapter is: a controller speaking HCI (H4 framing,
Bluetooth Core Vol 4 Part A). Each connection to the port gets a fresh Bumble
controller on the board's link, as if an adapter were plugged in, and the
host's own Bumble stack drives it over the socket; when the socket closes the
adapter is unplugged: its links to the board end with a supervision timeout
(the board advertises again, as a real one does when the phone walks away).

The port is written to ``DIR/ble.json`` with the server's process id, and
removed when the server stops; ``served_port(DIR)`` is how a command finds a
board that is up. Bonds and keys stay where ``VirtualRadio`` keeps them, so
a board paired through one way is paired through the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from pathlib import Path

from bumble import hci, ll
from bumble.controller import Controller
from bumble.link import LocalLink
from bumble.transport.common import StreamPacketSink, StreamPacketSource

from korset.vble.running import RunningBoard
from korset.vboard import VirtualBoard

SERVED_FILE = "ble.json"  # beside the board's flash: {"port": N, "pid": N}
HOST = "127.0.0.1"  # the board is reachable from this machine only


def served_port(board_dir: str | Path) -> int | None:
    """The HCI port of the board served from ``board_dir``, or None when none is up
    (no file, or its server process is gone: a killed server leaves the file behind)."""
    path = Path(board_dir) / SERVED_FILE
    try:
        served = json.loads(path.read_text())
        port, pid = int(served["port"]), int(served["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, someone else's
    return port


class _Adapter(asyncio.Protocol):
    """One client of the port: a controller on the board's link, its HCI on the socket."""

    def __init__(self, link: LocalLink, number: int):
        self.link = link
        self.number = number
        self.source = StreamPacketSource()
        self.controller: Controller | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.WriteTransport)
        self.controller = Controller(f"adapter-{self.number}", host_source=self.source,
                                     host_sink=StreamPacketSink(transport), link=self.link)

    def data_received(self, data: bytes) -> None:
        self.source.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        controller, self.controller = self.controller, None
        if controller is None:
            return
        controller.host = None
        # Unplugged: the board hears nothing more from this adapter, and its link times out.
        for connection in list(controller.le_connections.values()):
            with contextlib.suppress(Exception):
                connection.send_ll_control_pdu(
                    ll.TerminateInd(hci.HCI_CONNECTION_TIMEOUT_ERROR))
        controller.le_connections.clear()
        if controller in self.link.controllers:
            self.link.remove_controller(controller)


class ServedBoard:
    """A virtual board on the air in this process, and the HCI port commands reach it by."""

    def __init__(self, board: VirtualBoard, *, install: bool, settings: dict | None = None,
                 recording=None):
        """``recording``: the motion its IMU feels from boot (None: lying still)."""
        self.board = board
        self.link = LocalLink()
        self.running = RunningBoard(board, self.link, settings=settings, install=install,
                                    recording=recording)
        self._server: asyncio.Server | None = None
        self._adapters = 0
        self.port: int | None = None

    @property
    def served_file(self) -> Path:
        return self.board.root / SERVED_FILE

    async def start(self) -> int:
        """Boot the board, open the port, say where it is; returns the port."""
        if served_port(self.board.root) is not None:
            from korset.vboard import VirtualBoardError

            raise VirtualBoardError(f"{self.board.root}: a board is served from there "
                                    f"already ({self.served_file})")
        await self.running.start()
        self._server = await asyncio.get_running_loop().create_server(
            self._adapter, HOST, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        tmp = self.served_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"port": self.port, "pid": os.getpid()}))
        os.replace(tmp, self.served_file)
        return self.port

    def _adapter(self) -> _Adapter:
        self._adapters += 1
        return _Adapter(self.link, self._adapters)

    @property
    def console(self) -> list[str]:
        """What the firmware printed so far."""
        return self.running.console

    async def stop(self) -> None:
        """Close the port and power the board off."""
        with contextlib.suppress(OSError):
            if served_port(self.board.root) == self.port:
                self.served_file.unlink()
        if self._server is not None:
            self._server.close()
            self._server = None
        await self.running.stop()
