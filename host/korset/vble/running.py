"""A virtual board that is on the air: the firmware running, its radio a Bumble peripheral.

``RunningBoard`` starts the firmware (``VirtualBoard``) with a ``BoardBridge``
as its radio on a shared ``bumble.link.LocalLink``, so that centrals on the
same link (the host's bleak backend, ``korset.ble.bumble_backend``) scan,
connect, pair and sync with it through two real BLE stacks. It can reset
the board (the process restarts from its flash, as after a watchdog reset)
and drop the radio link, for tests of what survives.

Everything runs in one asyncio event loop (Bumble's emulated controllers
deliver packets with ``loop.call_soon``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from pathlib import Path

from bumble import hci
from bumble.controller import Controller
from bumble.device import Device, DeviceConfiguration
from bumble.host import Host
from bumble.link import LocalLink
from bumble.pairing import PairingDelegate
from bumble.transport.common import AsyncPipeSink

from korset.vble.bridge import BoardBridge
from korset.vboard import VirtualBoard, VirtualBoardError


def board_address(root: Path) -> str:
    """A random static address (two top bits set) that stays with the board's directory."""
    digest = hashlib.sha256(str(root.resolve()).encode()).digest()
    octets = bytes([digest[0] | 0xC0]) + digest[1:6]
    return ":".join(f"{b:02X}" for b in octets)


class RunningBoard:
    def __init__(self, board: VirtualBoard, link: LocalLink, *, settings: dict | None = None,
                 install: bool = True, speed: float = 1.0, ble_faults: dict | None = None,
                 recording=None):
        """``ble_faults``: radio faults to inject on every boot (``vboard/mp/bluetooth.py``);
        ``recording``: the motion the board's IMU feels from each boot (after its end it
        holds the last sample); None: lying still."""
        self.board = board
        self.recording = recording
        self.ble_faults = ble_faults
        self.link = link
        self.settings = settings
        self.install = install
        self.speed = speed
        self.address = board_address(board.root)
        self.console: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self.bridge: BoardBridge | None = None
        self._controller: Controller | None = None
        self._reader: asyncio.Task | None = None
        self.boots = 0

    async def start(self, timeout_s: float = 30.0) -> None:
        """Boot the firmware and wait until it has its radio up and advertises."""
        controller = Controller(f"board-{self.boots}", link=self.link)
        config = DeviceConfiguration(
            name="korset-board", address=hci.Address(self.address),
            irk=hashlib.sha256(self.address.encode()).digest()[:16],
            identity_address_type=hci.Address.RANDOM_DEVICE_ADDRESS,
            io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT)
        device = Device(config=config, host=Host(controller, AsyncPipeSink(controller)))
        bridge = BoardBridge(device)
        await device.power_on()
        port = await bridge.serve()
        # The settings go with the firmware: later boots keep what is on the flash (the
        # host may have changed it over the link).
        cfg, _work = self.board.prepare(self.recording,
                                        settings=self.settings if self.install else None,
                                        install=self.install, speed=self.speed,
                                        ble=("127.0.0.1", port),
                                        ble_faults=self.ble_faults)
        self.install = False  # later boots run what is on the flash
        self.proc = await asyncio.create_subprocess_exec(
            *self.board.command(cfg), env=self.board.environment(),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        self._controller = controller
        self.bridge = bridge
        self.boots += 1
        self._reader = asyncio.get_running_loop().create_task(self._read_console(self.proc))
        try:
            await asyncio.wait_for(self._advertising(), timeout_s)
        except (TimeoutError, VirtualBoardError) as e:
            await self.stop()
            raise VirtualBoardError("the virtual board did not come on the air:\n"
                                    + "\n".join(self.console[-20:])) from e

    async def _advertising(self) -> None:
        while not any(line.startswith("ble: advertising") for line in self.console):
            if self.proc is not None and self.proc.returncode is not None:
                raise VirtualBoardError("the firmware stopped")
            if any(line.startswith("ble: not available") for line in self.console):
                raise VirtualBoardError("the firmware found no radio")
            await asyncio.sleep(0.02)

    async def _read_console(self, proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            self.console.append(line.decode(errors="replace").rstrip("\n"))

    async def stop(self) -> None:
        """Power off: the process ends, its radio goes quiet, links drop."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 5.0)
            self._reader = None
        bridge, self.bridge = self.bridge, None
        if bridge is not None:
            if bridge.connected.is_set():
                # Let the bridge finish its own clean-up (links, advertising) first: two
                # HCI commands at once confuse Bumble's host.
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(bridge.closed.wait(), 5.0)
            await bridge.close()
            with contextlib.suppress(Exception):
                await bridge.device.power_off()
        controller, self._controller = self._controller, None
        if controller is not None and controller in self.link.controllers:
            self.link.remove_controller(controller)

    async def reset(self) -> None:
        """A reset (watchdog, brown-out): the board boots again from its own flash."""
        await self.stop()
        await self.start()

    async def drop_link(self) -> None:
        """The radio link breaks (out of range): every connection to the board drops."""
        if self.bridge is not None:
            for connection in list(self.bridge._connections.values()):
                with contextlib.suppress(Exception):
                    await connection.disconnect()

    async def __aenter__(self) -> RunningBoard:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()
