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
TRY_WITHOUT_HARDWARE = "to try Korset without hardware use --virtual-board DIR or korset demo"
NO_ADAPTER = ("no Bluetooth adapter found (is Bluetooth on? on Linux: is bluetoothd running, "
              "does hciconfig or bluetoothctl list show an adapter?); " + TRY_WITHOUT_HARDWARE)
# D-Bus errors that mean BlueZ (bluetoothd) is not on the system bus.
_BLUEZ_ABSENT = ("org.freedesktop.DBus.Error.ServiceUnknown",
                 "org.freedesktop.DBus.Error.NameHasNoOwner")


class NoAdapter(LinkError):
    """This computer has no Bluetooth this host can use: no adapter, off, or not allowed."""


def no_adapter_words(e: BaseException) -> str | None:
    """What an error from bleak's platform backend means in words when it is that this
    computer has no usable Bluetooth; None for any other error.

    On Linux bleak reaches BlueZ over the D-Bus system bus: without a bus (a container, a
    system without dbus) connecting to its socket fails with [Errno 2] (or refused);
    without bluetoothd the bus answers ServiceUnknown; without an adapter, or with it off,
    bleak says so (BleakBluetoothNotAvailableError, as do CoreBluetooth and WinRT)."""
    from bleak.exc import (
        BleakBluetoothNotAvailableError,
        BleakBluetoothNotAvailableReason,
        BleakDBusError,
    )

    if isinstance(e, BleakBluetoothNotAvailableError):
        reason = e.reason
        if reason == BleakBluetoothNotAvailableReason.POWERED_OFF:
            return f"Bluetooth is off: turn it on; {TRY_WITHOUT_HARDWARE}"
        if reason == BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE:
            return ("the Bluetooth adapter cannot scan for Bluetooth Low Energy devices (no "
                    f"central role): use a BLE adapter; {TRY_WITHOUT_HARDWARE}")
        if reason in (BleakBluetoothNotAvailableReason.DENIED_BY_USER,
                      BleakBluetoothNotAvailableReason.DENIED_BY_SYSTEM,
                      BleakBluetoothNotAvailableReason.DENIED_BY_UNKNOWN):
            return ("this program may not use Bluetooth: allow it (the terminal) in the "
                    f"system's privacy settings, or ask its administrator; {TRY_WITHOUT_HARDWARE}")
        return NO_ADAPTER
    if isinstance(e, BleakDBusError) and e.dbus_error in _BLUEZ_ABSENT:
        return NO_ADAPTER
    if isinstance(e, (FileNotFoundError, ConnectionRefusedError)):
        return NO_ADAPTER  # no D-Bus system bus to reach BlueZ on
    if isinstance(e, BleakError) and "no bluetooth adapters" in str(e).lower():
        return NO_ADAPTER  # bleak before 2.0
    return None


@contextlib.contextmanager
def _adapter(radio: SystemRadio):
    """Inside, an error meaning there is no usable Bluetooth becomes NoAdapter, in words."""
    if radio.scanner_backend is not None:  # the virtual radio: no adapter involved
        yield
        return
    try:
        yield
    except (OSError, BleakError) as e:
        words = no_adapter_words(e)
        if words is None:
            raise
        raise NoAdapter(words) from e


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
        with _adapter(radio):
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
    with _adapter(radio):
        found = await BleakScanner.discover(timeout=timeout_s or radio.scan_seconds,
                                            return_adv=True,
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
        with _adapter(radio):
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
