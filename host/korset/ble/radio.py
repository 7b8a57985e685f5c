"""Which radio the host uses, finding a board, and connecting to it.

``SystemRadio`` is bleak's own backend for this machine (BlueZ, CoreBluetooth,
WinRT). ``VirtualRadio`` needs no radio: it runs a virtual board (the
firmware on the MicroPython unix port, its radio a Bumble peripheral) and a
Bumble central on one in-process link, and gives bleak a backend on that
central, so every host command runs unchanged against it. Bonds of the
virtual radio's central are kept in a JSON file beside the board, so a board
paired once stays paired across commands, as with a real adapter. When a
board is up already in that directory (``korset vboard --ble``), the virtual
radio reaches it over HCI instead of booting one (``korset.vble.served``), so
``start``, ``live``, ``stop`` and ``sync`` meet one board that keeps running.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from korset.ble.client import KorsetClient, LinkError
from korsetfw import protocol as p

SCAN_TIMEOUT_S = 8.0


class SystemRadio:
    """bleak's platform backend."""

    scanner_backend: Any = None
    client_backend: Any = None
    scan_seconds = SCAN_TIMEOUT_S  # how long to listen for every board in range

    async def __aenter__(self) -> SystemRadio:
        return self

    async def __aexit__(self, *exc) -> None:
        pass

    def kwargs(self, backend: Any) -> dict:
        return {} if backend is None else {"backend": backend}

    def keys(self):
        """The board keys this computer holds (``korset.ble.keys``)."""
        from korset.ble.keys import user_keys

        return user_keys()


class VirtualRadio(SystemRadio):
    """A virtual board in ``board_dir`` on the air, and a Bumble central to reach it.

    ``install`` puts the firmware from the source tree, with ``settings``, on the
    board's flash first (default: only when the board has no flash yet); else it
    boots what is on its flash, settings included."""

    def __init__(self, board_dir: str | Path, *, settings: dict | None = None,
                 install: bool | None = None, board: str = "virtual",
                 ble_faults: dict | None = None, reach_served: bool = True):
        """``board``: the board file it is (its BLE stack's API is modelled);
        ``ble_faults``: radio faults to inject (``korset/vboard/mp/bluetooth.py``).
        ``reach_served``: when a board is served from ``board_dir`` already (``korset
        vboard --ble``, ``korset.vble.served``), talk to it rather than boot one (the
        other options then do not apply: that board runs as it was started)."""
        self.board_dir = Path(board_dir)
        self.board_name = board
        self.ble_faults = ble_faults
        self.settings = settings
        self.install = install
        self.reach_served = reach_served
        self.board: Any = None
        self.scan_seconds = 1.0  # one link, no radio: advertisements arrive at once

    async def __aenter__(self) -> VirtualRadio:
        from bumble.link import LocalLink
        from bumble.transport import open_transport

        from korset.ble.bumble_backend import BumbleCentral, backend_for
        from korset.vble.running import RunningBoard
        from korset.vble.served import HOST, served_port
        from korset.vboard import VirtualBoard

        keystore = self.board_dir / "host-bonds.json"
        port = served_port(self.board_dir) if self.reach_served else None
        if port is not None:
            # A board up already (korset vboard --ble): reach it as through an adapter.
            transport = await open_transport(f"tcp-client:{HOST}:{port}")
            self.central = BumbleCentral(None, keystore=keystore, transport=transport)
        else:
            vb = VirtualBoard(self.board_dir, self.board_name)
            install = self.install if self.install is not None else \
                not vb.flash_image.exists()
            self.link = LocalLink()
            self.board = RunningBoard(vb, self.link, settings=self.settings, install=install,
                                      ble_faults=self.ble_faults)
            await self.board.start()
            self.central = BumbleCentral(self.link, keystore=keystore)
        await self.central.power_on()
        self.scanner_backend, self.client_backend = backend_for(self.central)
        return self

    def keys(self):
        """The virtual computer's keys beside the board (made when it was installed), then
        the user's (a virtual board flashed with korset flash over its serial port)."""
        from korset.ble.keys import VIRTUAL_HOST_KEYS, BoardKeys, user_keys

        return BoardKeys(self.board_dir / VIRTUAL_HOST_KEYS, fallback=user_keys())

    async def __aexit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            await self.central.power_off()
        if self.board is not None:
            await self.board.stop()


async def find_board(radio: SystemRadio, device: str | None,
                     timeout_s: float | None = None) -> BLEDevice:
    """The board named or addressed ``device`` (None: the only Korset board in range)."""
    if device is not None:
        wanted = device.lower()
        hit = await BleakScanner.find_device_by_filter(
            lambda d, adv: d.address.lower() == wanted
            or (adv.local_name or d.name or "").lower() == wanted,
            timeout=timeout_s or SCAN_TIMEOUT_S, **radio.kwargs(radio.scanner_backend))
        if hit is not None:
            return hit
    found = await scan(radio, timeout_s or radio.scan_seconds)
    if device is not None:
        wanted = device.lower()
        matches = [d for d in found if d.address.lower() == wanted
                   or (d.name or "").lower() == wanted]
        if not matches:
            raise LinkError(f"no board {device!r} in range ({_seen(found)}); is it on, "
                            "charged and within a few metres?")
        return matches[0]
    if not found:
        raise LinkError("no Korset board in range; is it on, charged and within a few metres?")
    if len(found) > 1:
        raise LinkError(f"several Korset boards in range ({_seen(found)}): choose one with "
                        "--device NAME|ADDRESS")
    return found[0]


def _seen(devices: list[BLEDevice]) -> str:
    if not devices:
        return "none seen"
    return "seen: " + ", ".join(f"{d.name} {d.address}" for d in devices)


async def scan(radio: SystemRadio, timeout_s: float | None = None) -> list[BLEDevice]:
    """Korset boards advertising nearby (by name, or by the Korset service)."""
    found = await BleakScanner.discover(timeout=timeout_s or radio.scan_seconds, return_adv=True,
                                        **radio.kwargs(radio.scanner_backend))
    boards = []
    for d, adv in found.values():
        name = adv.local_name or d.name or ""
        if name.startswith(p.DEVICE_NAME_PREFIX) or p.SERVICE_UUID in adv.service_uuids:
            boards.append(d)
    return sorted(boards, key=lambda d: d.address)


@contextlib.asynccontextmanager
async def connected(radio: SystemRadio, device: BLEDevice | str, *, pair: bool = False):
    """A ``KorsetClient`` on a connected (and, with ``pair``, newly bonded) board."""
    client = BleakClient(device, **radio.kwargs(radio.client_backend))
    try:
        await client.connect()
    except (TimeoutError, BleakError) as e:
        if "stored bond" in str(e):
            raise LinkError("the board no longer knows this computer (its bonds were "
                            "forgotten): press its button, then run korset pair") from e
        raise LinkError(f"cannot connect to {getattr(device, 'name', device)}: {e}") from e
    try:
        if pair:
            try:
                await client.pair()
            except BleakError as e:
                raise LinkError(f"pairing failed: {e}; press the board's button (no set "
                                "running) to open its pairing window, then try again") from e
        kc = KorsetClient(client)
        try:
            await kc.open()
            # Checks the protocol version before anything else, proves the board key (and,
            # after pairing, INFO waits the moment until the board has taken the new bond).
            await kc.authenticate(radio.keys())
            kc.board_info = await kc.info()
        except LinkError as e:
            if "encrypt" in str(e).lower() or "authent" in str(e).lower():
                raise LinkError("this computer is not paired with the board: run korset pair "
                                "(press the board's button first)") from e
            raise
        yield kc
    finally:
        with contextlib.suppress(Exception):
            await client.disconnect()
