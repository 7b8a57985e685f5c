"""The virtual board's radio: a Bumble peripheral serving what the firmware registers.

The firmware on the virtual board calls MicroPython's ``bluetooth`` API
(``host/korset/vboard/mp/bluetooth.py``), which forwards every call here as
a JSON line over a local socket. This bridge turns them into a real BLE
peripheral on Bumble's stack: the GATT database is built from the firmware's
``gatts_register_services`` (handles are Bumble's, so the firmware's value
handles are the ones centrals see), advertising data is the firmware's bytes,
pairing is Bumble's SMP (LE Secure Connections), and bonds are kept by the
firmware through ``_IRQ_GET_SECRET``/``_IRQ_SET_SECRET`` (this key store
forwards to it), so they live on the board's flash as on a port.

Events go the other way: connections, disconnections, remote writes, MTU
exchanges, encryption changes, and "sent" once a notification has left the
stack (the shim counts notifications in flight by it).

On a board whose stack is BTstack (the shim says so when it starts the radio),
pairing is what MicroPython's BTstack build does without the pairing API: its
security manager runs with BTstack's defaults (Just Works, no bonding, no
Secure Connections requested) and keeps nothing, and the firmware hears of
none of it.
"""

from __future__ import annotations

import asyncio
import json
import logging

from bumble import gatt
from bumble.att import Attribute
from bumble.core import UUID
from bumble.device import Connection, Device
from bumble.keys import KeyStore, MemoryKeyStore, PairingKeys
from bumble.pairing import PairingConfig, PairingDelegate

log = logging.getLogger(__name__)

# MicroPython's flags (bluetooth.FLAG_*): properties in the low byte, security above.
_FLAG_READ_ENCRYPTED = 0x0200
_FLAG_READ_AUTHENTICATED = 0x0400
_FLAG_WRITE_ENCRYPTED = 0x1000
_FLAG_WRITE_AUTHENTICATED = 0x2000
_PROPERTY_MASK = 0x00FF
_BOND_SEC_TYPE = 2  # the "peer keys" kind of secret, as NimBLE stores them
_IO_CAPABILITIES = {
    0: PairingDelegate.IoCapability.DISPLAY_OUTPUT_ONLY,
    1: PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_YES_NO_INPUT,
    2: PairingDelegate.IoCapability.KEYBOARD_INPUT_ONLY,
    3: PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT,
    4: PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT,
}


def _uuid(text: str) -> UUID:
    if text.startswith("0x"):
        return UUID.from_16_bits(int(text, 16))
    return UUID(text)


def _permissions(flags: int) -> Attribute.Permissions:
    p = Attribute.Permissions(0)
    if flags & 0x02 or flags & (_FLAG_READ_ENCRYPTED | _FLAG_READ_AUTHENTICATED):
        p |= Attribute.READABLE
    if flags & 0x0C or flags & (_FLAG_WRITE_ENCRYPTED | _FLAG_WRITE_AUTHENTICATED):
        p |= Attribute.WRITEABLE
    if flags & (_FLAG_READ_ENCRYPTED | _FLAG_READ_AUTHENTICATED):
        p |= Attribute.READ_REQUIRES_ENCRYPTION
    if flags & (_FLAG_WRITE_ENCRYPTED | _FLAG_WRITE_AUTHENTICATED):
        p |= Attribute.WRITE_REQUIRES_ENCRYPTION
    return p


class FirmwareKeyStore(KeyStore):
    """Bonds kept by the firmware (its GET/SET_SECRET handlers), keyed by peer address."""

    def __init__(self, bridge: BoardBridge):
        self.bridge = bridge
        self.refused: set[str] = set()  # peers whose keys the firmware would not keep

    async def update(self, name: str, keys: PairingKeys) -> None:
        value = json.dumps({"address": name, "keys": keys.to_dict()}).encode()
        ok = await self.bridge.secret_set(name.encode(), value)
        if not ok:
            self.refused.add(name)
            raise PermissionError(f"the board refused to bond with {name}")
        self.refused.discard(name)

    async def get(self, name: str) -> PairingKeys | None:
        value = await self.bridge.secret_get(key=name.encode())
        return PairingKeys.from_dict(json.loads(value)["keys"]) if value else None

    async def delete(self, name: str) -> None:
        await self.bridge.secret_set(name.encode(), None)

    async def get_all(self) -> list[tuple[str, PairingKeys]]:
        found = []
        for index in range(64):
            value = await self.bridge.secret_get(index=index)
            if not value:
                break
            entry = json.loads(value)
            if "address" in entry:
                found.append((entry["address"], PairingKeys.from_dict(entry["keys"])))
        return found

    async def get_resolving_keys(self) -> list:
        # Centrals here use static random addresses: nothing to resolve, and no need to
        # walk the firmware's bonds on every pairing.
        return []

    async def delete_all(self) -> None:
        for name, _ in await self.get_all():
            await self.delete(name)


class BoardBridge:
    """Serves one firmware process (over a socket) as the Bumble peripheral ``device``."""

    def __init__(self, device: Device):
        self.device = device
        self.keystore = FirmwareKeyStore(self)
        device.keystore = self.keystore
        self._io = 3
        self._bond = True
        self._mitm = False
        self._sc = True
        device.pairing_config_factory = self._pairing_config
        self._writer: asyncio.StreamWriter | None = None
        self._chars: dict[int, gatt.Characteristic] = {}  # value handle -> characteristic
        self._values: dict[int, bytes] = {}
        self._max_len: dict[int, int] = {}
        self._connections: dict[int, Connection] = {}
        self._pending: dict[int, asyncio.Future] = {}
        self._next_id = 1
        self._registered = False
        self.connected = asyncio.Event()  # the firmware is on the socket
        self.closed = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        device.on(device.EVENT_CONNECTION, self._on_connection)

    # -- pairing policy: what the firmware configured --------------------------------

    def _pairing_config(self, connection: Connection) -> PairingConfig:
        return PairingConfig(sc=self._sc, mitm=self._mitm, bonding=self._bond,
                             delegate=PairingDelegate(io_capability=_IO_CAPABILITIES[self._io]))

    # -- the socket ------------------------------------------------------------------

    async def serve(self, host: str = "127.0.0.1") -> int:
        """Listen for the firmware; returns the port."""
        server = await asyncio.start_server(self._client, host, 0)
        self._server = server
        return server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._server.close()
        for connection in list(self._connections.values()):
            try:
                await connection.disconnect()
            except Exception:  # already gone
                pass
        # Let what the firmware asked for last (advertising again after a disconnection)
        # finish: a command cut off while the controller answers it makes Bumble's host
        # set the answer on a cancelled future (InvalidStateError, logged by asyncio).
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2.0)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._writer = writer
        self.connected.set()
        try:
            while line := await reader.readline():
                msg = json.loads(line)
                if "re" in msg:
                    future = self._pending.pop(msg["re"], None)
                    if future is not None and not future.done():
                        future.set_result(msg)
                    continue
                self._spawn(self._handle(msg))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writer = None
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError("the board went away"))
            self._pending.clear()
            await self._firmware_gone()
            self.closed.set()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _send(self, msg: dict) -> None:
        log.debug("bridge -> firmware: %s", msg)
        if self._writer is not None:
            self._writer.write((json.dumps(msg) + "\n").encode())

    async def _ask(self, msg: dict) -> dict:
        """An event the firmware must answer (its IRQ handler's return value)."""
        if self._writer is None:
            raise ConnectionError("the board is not running")
        ident = self._next_id
        self._next_id += 1
        future = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        self._send(dict(msg, id=ident))
        return await asyncio.wait_for(future, 10.0)

    async def secret_get(self, key: bytes | None = None, index: int | None = None) -> bytes | None:
        if self._writer is None:
            return None  # the firmware is not up (yet): no bonds to offer
        reply = await self._ask({"ev": "get_secret", "sec_type": _BOND_SEC_TYPE, "index": index,
                                 "key": key.hex() if key is not None else None})
        return bytes.fromhex(reply["value"]) if reply.get("value") else None

    async def secret_set(self, key: bytes, value: bytes | None) -> bool:
        if self._writer is None:
            return False
        reply = await self._ask({"ev": "set_secret", "sec_type": _BOND_SEC_TYPE,
                                 "key": key.hex(), "value": value.hex() if value else None})
        return bool(reply.get("ok"))

    # -- what the firmware asks for --------------------------------------------------

    async def _handle(self, msg: dict) -> None:
        op = msg.get("op")
        reply: dict = {"re": msg.get("id")}
        try:
            if op == "active":
                if msg.get("on") and msg.get("stack") == "btstack":
                    self._btstack()
            elif op == "config":
                self._configure(msg["values"])
            elif op == "mac":
                address = self.device.random_address
                reply.update(addr_type=1, addr=bytes(reversed(bytes(address))).hex())
            elif op == "register":
                reply["handles"] = self._register(msg["services"])
            elif op == "write":
                await self._write_local(msg["handle"], bytes.fromhex(msg["data"]), msg["update"])
            elif op == "buffer":
                self._max_len[msg["handle"]] = msg["len"]
            elif op == "advertise":
                await self._advertise(msg)
            elif op == "disconnect":
                connection = self._connections.get(msg["conn"])
                reply["ok"] = connection is not None
                if connection is not None:
                    self._spawn(connection.disconnect())
            elif op == "notify":
                await self._notify(msg)
                return  # answered by a "sent" event
            elif op == "indicate":
                await self._indicate(msg)
                return
        except Exception as e:  # a firmware mistake must not kill the radio
            log.exception("bridge: %s failed", op)
            reply["error"] = str(e)
        if msg.get("id") is not None:
            self._send(reply)

    def _btstack(self) -> None:
        self._bond = False
        self._sc = False
        self._mitm = False
        self.device.keystore = MemoryKeyStore()  # nothing reaches the firmware

    def _configure(self, values: dict) -> None:
        if "gap_name" in values:
            self.device.name = values["gap_name"]
        if "io" in values:
            self._io = values["io"]
        if "bond" in values:
            self._bond = bool(values["bond"])
        if "mitm" in values:
            self._mitm = bool(values["mitm"])
        if "le_secure" in values:
            self._sc = bool(values["le_secure"]) or self._sc

    def _register(self, services: list[dict]) -> list[list[int]]:
        if self._registered:
            raise RuntimeError("services can be registered once per boot here")
        built = []
        for spec in services:
            chars = []
            for c in spec["chars"]:
                flags = c["flags"]
                characteristic = gatt.Characteristic(
                    _uuid(c["uuid"]), gatt.Characteristic.Properties(flags & _PROPERTY_MASK),
                    _permissions(flags), gatt.CharacteristicValue(read=None, write=None),
                    [gatt.Descriptor(_uuid(d["uuid"]), _permissions(d["flags"]), b"")
                     for d in c["descs"]])
                chars.append(characteristic)
            built.append((gatt.Service(_uuid(spec["uuid"]), chars), chars))
        self.device.add_services([service for service, _ in built])
        handles = []
        for _service, chars in built:
            row = []
            for characteristic in chars:
                handle = self._value_handle(characteristic)
                characteristic.value = gatt.CharacteristicValue(
                    read=self._reader(handle), write=self._writer_for(handle))
                self._chars[handle] = characteristic
                row.append(handle)
                row.extend(d.handle for d in characteristic.descriptors)
            handles.append(row)
        self._registered = True
        return handles

    @staticmethod
    def _value_handle(characteristic: gatt.Characteristic) -> int:
        # Bumble's characteristic object is the value attribute; its handle is the one
        # centrals read and write.
        return characteristic.handle

    def _reader(self, handle: int):
        def read(_connection: Connection) -> bytes:
            return self._values.get(handle, b"")
        return read

    def _writer_for(self, handle: int):
        def write(connection: Connection, value: bytes) -> None:
            value = bytes(value)[: self._max_len.get(handle, 20)]
            self._send({"ev": "write", "conn": connection.handle, "handle": handle,
                        "data": value.hex()})
        return write

    async def _write_local(self, handle: int, data: bytes, update: bool) -> None:
        self._values[handle] = data
        if update and handle in self._chars:
            await self.device.notify_subscribers(self._chars[handle], data)

    async def _advertise(self, msg: dict) -> None:
        if msg["interval_us"] is None:
            await self.device.stop_advertising()
            return
        interval_ms = max(20.0, msg["interval_us"] / 1000)
        await self.device.start_advertising(
            advertising_data=bytes.fromhex(msg["adv"]) if msg["adv"] else b"",
            scan_response_data=bytes.fromhex(msg["resp"]) if msg["resp"] else b"",
            advertising_interval_min=interval_ms, advertising_interval_max=interval_ms)

    async def _notify(self, msg: dict) -> None:
        connection = self._connections.get(msg["conn"])
        characteristic = self._chars.get(msg["handle"])
        try:
            if connection is not None and characteristic is not None:
                await self.device.notify_subscriber(
                    connection, characteristic, bytes.fromhex(msg["data"]), force=True)
        finally:
            self._send({"ev": "sent"})

    async def _indicate(self, msg: dict) -> None:
        connection = self._connections.get(msg["conn"])
        characteristic = self._chars.get(msg["handle"])
        status = 0
        try:
            if connection is not None and characteristic is not None:
                await self.device.indicate_subscriber(
                    connection, characteristic, bytes.fromhex(msg["data"]), force=True)
        except Exception:
            status = 1
        self._send({"ev": "indicate_done", "conn": msg["conn"], "handle": msg["handle"],
                    "status": status})

    # -- what the radio reports ------------------------------------------------------

    def _on_connection(self, connection: Connection) -> None:
        self._connections[connection.handle] = connection
        peer = connection.peer_address
        addr = bytes(reversed(bytes(peer))).hex()
        addr_type = 1 if peer.is_random else 0
        self._send({"ev": "connect", "conn": connection.handle, "addr_type": addr_type,
                    "addr": addr})
        handle = connection.handle
        pairing = {"active": False}

        def on_disconnection(_reason) -> None:
            self._connections.pop(handle, None)
            self._send({"ev": "disconnect", "conn": handle, "addr_type": addr_type,
                        "addr": addr})

        def on_mtu(*_args) -> None:
            self._send({"ev": "mtu", "conn": handle, "mtu": connection.att_mtu})

        def on_pairing_start() -> None:
            pairing["active"] = True

        def on_encryption_change() -> None:
            # A new pairing reports once its keys are distributed (as NimBLE does);
            # a bonded reconnection reports now.
            if not pairing["active"]:
                self._report_encryption(connection, bonded=connection.is_encrypted)

        def on_pairing(_keys) -> None:
            pairing["active"] = False
            name = str(connection.peer_address)
            self._report_encryption(connection, bonded=name not in self.keystore.refused)

        def on_pairing_failure(_reason) -> None:
            pairing["active"] = False
            self._report_encryption(connection, bonded=False)

        connection.on(connection.EVENT_DISCONNECTION, on_disconnection)
        connection.on(connection.EVENT_CONNECTION_ATT_MTU_UPDATE, on_mtu)
        connection.on(connection.EVENT_PAIRING_START, on_pairing_start)
        connection.on(connection.EVENT_CONNECTION_ENCRYPTION_CHANGE, on_encryption_change)
        connection.on(connection.EVENT_PAIRING, on_pairing)
        connection.on(connection.EVENT_PAIRING_FAILURE, on_pairing_failure)

    def _report_encryption(self, connection: Connection, bonded: bool) -> None:
        self._send({"ev": "encryption", "conn": connection.handle,
                    "encrypted": bool(connection.is_encrypted),
                    "authenticated": bool(connection.authenticated),
                    "bonded": bool(bonded and connection.is_encrypted),
                    "key_size": 16 if connection.is_encrypted else 0})

    async def _firmware_gone(self) -> None:
        """The board reset or lost power: its radio stops, its links drop."""
        for connection in list(self._connections.values()):
            try:
                await connection.disconnect()
            except Exception:
                pass
        try:
            await self.device.stop_advertising()
        except Exception:
            pass
