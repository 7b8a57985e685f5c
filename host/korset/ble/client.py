"""Talk to a Korset board over BLE: the protocol of ``korsetfw.protocol``, on bleak.

``KorsetClient`` wraps a connected ``bleak.BleakClient`` (any backend: the
platform's on a real machine, ``korset.ble.bumble_backend`` without a
radio). Requests go to the control point (write with response); answers
come back as notifications matched by sequence number. Session reads stream
``DATA`` notifications into the caller's buffer, acknowledged as they
arrive so the board keeps at most a window of data in flight.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from bleak import BleakClient
from bleak.exc import BleakError

from korset import KorsetError
from korsetfw import boardkey, units
from korsetfw import protocol as p
from korsetfw import protocol_names as names

REQUEST_TIMEOUT_S = 10.0
DATA_TIMEOUT_S = 10.0  # no data for this long during a read: the link is gone


class LinkError(KorsetError):
    """The board is unreachable, went away, or answered nothing."""


class NotPaired(LinkError):
    def __init__(self) -> None:
        super().__init__("this computer is not paired with the board: press the board's "
                         "button (with no set running), then run korset pair")


class NoBoardKey(LinkError):
    """This computer cannot prove it may use the board."""


class BoardRefused(KorsetError):
    """The board answered with an error status."""

    def __init__(self, op: int, status: int):
        self.op = op
        self.status = status
        super().__init__(f"{names.OP_NAMES.get(op, hex(op))}: "
                         f"{names.STATUS_NAMES.get(status, f'status {status}')}")


@dataclass
class Info:
    protocol: int
    firmware: str
    flags: int
    sessions: int
    used_bytes: int
    free_bytes: int
    battery_pct: int | None
    clock_unix_s: int | None
    uptime_s: int
    errors: int  # internal errors the board contained since it booted
    boot: int  # the board's boot id (korsetfw.wallclock)
    board: str
    read_at_unix_s: float = 0.0  # this computer's time when the answer came

    recording = property(lambda self: bool(self.flags & p.INFO_FLAG_RECORDING))
    storage_full = property(lambda self: bool(self.flags & p.INFO_FLAG_STORAGE_FULL))
    set_active = property(lambda self: bool(self.flags & p.INFO_FLAG_SET_ACTIVE))
    pairing_open = property(lambda self: bool(self.flags & p.INFO_FLAG_PAIRING_OPEN))


@dataclass
class SessionEntry:
    number: int
    size: int
    recording: bool


@dataclass
class LivePacket:
    t_ms: int
    rotation_deg: float
    flexion_deg: float
    lateral_deg: float
    state: int
    buzzing: bool
    recording: bool
    count: int


class _Transfer:
    """A session read in progress: where the bytes go and how far they got."""

    def __init__(self, number: int, buffer: bytearray, offset: int, size: int | None,
                 progress: Callable[[int, int], None] | None):
        self.number = number
        self.buffer = buffer
        self.start = offset  # where the read began (a resume begins past what is held)
        self.offset = offset  # bytes held contiguously
        self.size = size  # None until the board's answer says
        self.progress = progress
        self.activity = asyncio.Event()
        self.packets = 0


class KorsetClient:
    def __init__(self, client: BleakClient):
        self.client = client
        self._seq = 0
        self._waiting: dict[int, asyncio.Future] = {}
        self._transfer: _Transfer | None = None
        self._live: Callable[[LivePacket], None] | None = None
        self.stray_packets = 0  # DATA packets not where expected (should stay 0)
        self.answer_listener: Callable[[bytes], None] | None = None  # every answer (tests)
        self.board_info: Info | None = None  # INFO, as read when connecting
        self.device_id: bytes | None = None  # the board's MCU id, once authenticated
        self._key: bytes | None = None  # this connection's payload key, once authenticated

    async def open(self) -> None:
        """Subscribe to the board's answers; call once after connecting (and pairing)."""
        if self.client.mtu_size < p.MIN_MTU:
            raise LinkError(f"ATT MTU {self.client.mtu_size} is below the protocol's "
                            f"{p.MIN_MTU}")
        try:
            await self.client.start_notify(p.CONTROL_UUID, self._on_control)
            await self.client.start_notify(p.DATA_UUID, self._on_data)
            await self.client.start_notify(p.LIVE_UUID, self._on_live)
        except BleakError as e:
            raise LinkError(f"cannot subscribe to the board: {e}") from e

    # -- requests --------------------------------------------------------------------

    def _on_control(self, _char, data: bytearray) -> None:
        if self.answer_listener is not None:
            self.answer_listener(bytes(data))
        if len(data) < 3:
            return
        future = self._waiting.pop(data[1], None)
        if future is not None and not future.done():
            future.set_result(bytes(data))

    async def request(self, op: int, body: bytes = b"", *, retry_unauthorised: int = 0) -> bytes:
        """Send a request; the answer's body. Raises BoardRefused on an error status."""
        for attempt in range(retry_unauthorised + 1):
            self._seq = (self._seq + 1) & 0xFF
            seq = self._seq
            future = asyncio.get_running_loop().create_future()
            self._waiting[seq] = future
            try:
                await self.client.write_gatt_char(
                    p.CONTROL_UUID, struct.pack(p.REQUEST_HEADER, op, seq) + body, response=True)
                answer = await self._answer(future, op)
            except BleakError as e:
                if "encrypt" in str(e).lower():
                    raise NotPaired() from e
                raise LinkError(f"{names.OP_NAMES.get(op, op)}: {e}") from e
            finally:
                self._waiting.pop(seq, None)
            status = answer[2]
            if status == p.NOT_AUTHORISED and attempt < retry_unauthorised:
                await asyncio.sleep(0.05)  # the board hears of a new bond a moment later
                continue
            if status != p.OK:
                raise BoardRefused(op, status)
            return answer[3:]
        raise AssertionError("unreachable")

    async def _answer(self, future: asyncio.Future, op: int) -> bytes:
        """The answer, or LinkError as soon as the link drops or after REQUEST_TIMEOUT_S."""
        name = names.OP_NAMES.get(op, op)
        return await self._wait(future, REQUEST_TIMEOUT_S,
                                f"the link dropped waiting for the answer to {name}",
                                f"no answer from the board to {name}")

    async def _wait(self, awaitable, timeout_s: float, dropped: str, silent: str):
        """Await, but raise LinkError(dropped) soon after the link drops, LinkError(silent)
        after ``timeout_s`` (bleak tells of a drop by ``is_connected``, not by waking us)."""
        task = asyncio.ensure_future(awaitable)
        waited = 0.0
        try:
            while True:
                try:
                    return await asyncio.wait_for(asyncio.shield(task), 0.25)
                except TimeoutError:
                    waited += 0.25
                    if not self.client.is_connected:
                        raise LinkError(dropped) from None
                    if waited >= timeout_s:
                        raise LinkError(silent) from None
        finally:
            if not task.done():
                task.cancel()

    @staticmethod
    def _check_version(protocol: int) -> None:
        if protocol != p.PROTOCOL_VERSION:
            raise LinkError(f"the board speaks protocol version {protocol}; this korset speaks "
                            f"{p.PROTOCOL_VERSION}: update "
                            + ("the firmware (korset flash)" if protocol < p.PROTOCOL_VERSION
                               else "korset (pip install -U korset)"))

    async def authenticate(self, keys) -> None:
        """Prove to the board that this computer holds its key, and check that the board
        holds it too (``korsetfw.boardkey``); ``keys``: a ``korset.ble.keys.BoardKeys``."""
        try:
            body = await self.request(p.HELLO)
        except BoardRefused as e:
            if e.status == p.UNKNOWN_OP:  # firmware from before the board key
                self._check_version(1)
            raise
        protocol, flags, nonce = struct.unpack_from(p.HELLO_RESP, body)
        self._check_version(protocol)
        device_id = bytes(body[struct.calcsize(p.HELLO_RESP):])
        if not flags & p.HELLO_FLAG_KEY:
            raise NoBoardKey(f"board {device_id.hex()} has no key: connect it by USB and run "
                             "korset flash (it writes one)")
        key = keys.get(device_id)
        if key is None:
            raise NoBoardKey(f"this computer does not hold the key of board "
                             f"{device_id.hex()}: connect the board by USB and run korset "
                             "flash on this computer (it keeps the board's key)")
        host_nonce = os.urandom(boardkey.NONCE_BYTES)
        try:
            body = await self.request(p.AUTH, struct.pack(
                p.AUTH_REQ, host_nonce, boardkey.host_mac(key, nonce, host_nonce)))
        except BoardRefused as e:
            if e.status == p.AUTH_FAILED:
                raise NoBoardKey(f"the key this computer holds for board {device_id.hex()} "
                                 "is not the board's (was it flashed elsewhere since?): "
                                 "connect it by USB and run korset flash") from e
            raise
        (mac,) = struct.unpack(p.AUTH_RESP, body)
        if not hmac.compare_digest(mac, boardkey.board_mac(key, host_nonce, nonce)):
            raise NoBoardKey(f"the board answering as {device_id.hex()} does not hold its key: "
                             "it is not the board this computer flashed")
        self.device_id = device_id
        self._key = boardkey.connection_key(key, nonce, host_nonce)

    def _decrypt(self, data: bytes, stream: int, session: int, offset: int) -> bytes:
        """A payload in clear (AES-128-CTR, korsetfw.boardkey's counter blocks)."""
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        if self._key is None:
            raise LinkError("a payload arrived before the board key was proved")
        skip = offset % 16
        decryptor = Cipher(algorithms.AES(self._key), modes.CTR(
            boardkey.counter_block(stream, session, offset // 16))).decryptor()
        return decryptor.update(bytes(skip) + bytes(data))[skip:]

    async def info(self) -> Info:
        body = await self.request(p.INFO, retry_unauthorised=20)
        size = struct.calcsize(p.INFO_RESP)
        (protocol, major, minor, patch, flags, sessions, used, free, battery, clock,
         uptime, errors, boot) = struct.unpack_from(p.INFO_RESP, body)
        self._check_version(protocol)
        return Info(protocol, f"{major}.{minor}.{patch}", flags, sessions, used, free,
                    None if battery == 255 else battery, clock or None, uptime, errors, boot,
                    body[size:].decode(errors="replace"), time.time())

    async def set_time(self, unix_s: float | None = None) -> None:
        await self.request(p.SET_TIME, struct.pack(p.SET_TIME_REQ,
                                                   int(time.time() if unix_s is None else unix_s)))

    @staticmethod
    def _exercise_body(exercise: int | str, tolerance_deg: float | None) -> bytes:
        tol = 0 if tolerance_deg is None else units.to_decideg(tolerance_deg)
        return struct.pack(p.EXERCISE_REQ, p.exercise_code(exercise), tol)

    async def configure(self, exercise: int | str, tolerance_deg: float | None = None) -> None:
        await self.request(p.CONFIGURE, self._exercise_body(exercise, tolerance_deg))

    async def start(self, exercise: int | str | None = None,
                    tolerance_deg: float | None = None) -> None:
        body = b"" if exercise is None else self._exercise_body(exercise, tolerance_deg)
        await self.request(p.START, body)

    async def programme(self, sets) -> None:
        """Send the patient's programme (korset.programme.ProgrammeSet list): START without
        an exercise then runs its sets in turn."""
        from korsetfw import programme as fw

        packed = b"".join(fw.pack(fw.ProgrammeSet(
            s.exercise, s.tolerance_deg, s.reps[1] if s.reps else None,
            s.hold_s[1] if s.hold_s else None, s.holds)) for s in sets)
        if len(sets) > fw.MAX_SETS:
            raise KorsetError(f"a programme holds at most {fw.MAX_SETS} sets")
        await self.request(p.PROGRAMME, bytes((len(sets),)) + packed)

    async def stop(self) -> None:
        await self.request(p.STOP)

    async def reference(self) -> None:
        await self.request(p.REFERENCE)

    async def pairing(self, seconds: int) -> None:
        await self.request(p.PAIRING, struct.pack(p.PAIRING_REQ, seconds))

    async def forget(self) -> None:
        await self.request(p.FORGET)

    async def erase(self) -> None:
        await self.request(p.ERASE, struct.pack(p.ERASE_REQ, p.ERASE_TOKEN))

    async def confirm(self, number: int, digest: bytes) -> None:
        await self.request(p.CONFIRM, struct.pack(p.CONFIRM_REQ, number, digest))

    async def list_sessions(self) -> list[SessionEntry]:
        entries: list[SessionEntry] = []
        while True:
            body = await self.request(p.LIST, struct.pack(p.LIST_REQ, len(entries)))
            total, count = struct.unpack_from(p.LIST_RESP, body)
            at = struct.calcsize(p.LIST_RESP)
            for _ in range(count):
                number, size, flags = struct.unpack_from(p.LIST_ENTRY, body, at)
                entries.append(SessionEntry(number, size, bool(flags & p.LIST_FLAG_RECORDING)))
                at += struct.calcsize(p.LIST_ENTRY)
            if len(entries) >= total or count == 0:
                return entries

    # -- live view -------------------------------------------------------------------

    def _on_live(self, _char, data: bytearray) -> None:
        if self._live is None or self._key is None or \
                len(data) != p.LIVE_HEADER_BYTES + struct.calcsize(p.LIVE_PACKET):
            return
        (seq,) = struct.unpack_from(p.LIVE_HEADER, data)
        clear = self._decrypt(data[p.LIVE_HEADER_BYTES:], boardkey.STREAM_LIVE, 0, 16 * seq)
        t, rot, flex, lat, state, flags, count = struct.unpack(p.LIVE_PACKET, clear)
        deg = units.from_decideg
        self._live(LivePacket(t, deg(rot), deg(flex), deg(lat), state, bool(flags & 1),
                              bool(flags & 2), count))

    async def live(self, rate_hz: int, callback: Callable[[LivePacket], None] | None) -> None:
        """Ask for live packets at ``rate_hz`` (10-25; 0 stops them)."""
        self._live = callback if rate_hz else None
        await self.request(p.LIVE, struct.pack(p.LIVE_REQ, rate_hz))

    # -- session transfer ------------------------------------------------------------

    def _on_data(self, _char, data: bytearray) -> None:
        t = self._transfer
        if t is None or len(data) <= p.DATA_HEADER_BYTES:
            self.stray_packets += 1
            return
        (offset,) = struct.unpack_from(p.DATA_HEADER, data)
        if offset != t.offset:
            self.stray_packets += 1  # a packet from before a re-read: the stream restarts
            return
        end = offset + len(data) - p.DATA_HEADER_BYTES
        if (t.size is not None and end > t.size) or self._key is None:
            self.stray_packets += 1
            return
        piece = self._decrypt(data[p.DATA_HEADER_BYTES:], boardkey.STREAM_DATA, t.number,
                              offset)
        t.buffer[offset:end] = piece
        t.offset = end
        t.packets += 1
        t.activity.set()

    async def session_digest(self, number: int, size: int) -> bytes:
        """The board's SHA-256 of a session, without transferring it (a read from its end)."""
        body = await self.request(p.READ, struct.pack(p.READ_REQ, number, size, 1))
        return struct.unpack(p.READ_RESP, body)[2]

    async def read_session(self, number: int, buffer: bytearray, *, window: int = p.DEFAULT_WINDOW,
                           progress: Callable[[int, int], None] | None = None) -> bytes:
        """Read session ``number`` into ``buffer``, resuming after what it already holds.

        Returns the board's SHA-256 of the whole session; the caller checks
        ``buffer`` against it. Raises LinkError if the link stalls or drops.
        """
        # Ready for data before asking: the board sends its first window right after its
        # answer, and a link that delivers several packets at once (an HCI socket, a busy
        # adapter) hands them over before this coroutine has seen the answer.
        t = _Transfer(number, buffer, len(buffer), None, progress)
        self._transfer = t
        try:
            body = await self.request(
                p.READ, struct.pack(p.READ_REQ, number, len(buffer), window))
            _number, size, digest = struct.unpack(p.READ_RESP, body)
            t.size = size
            if t.offset > size:  # cannot be: the board refuses a read beyond the end
                raise LinkError(f"session {number}: {t.offset} bytes arrived of {size}")
            acked = t.start
            if len(buffer) < size:
                buffer.extend(bytes(size - len(buffer)))
            while True:
                # Acknowledge every half window, and at the end.
                if t.offset - acked >= window // 2 or acked < t.offset >= size:
                    acked = t.offset
                    await self.client.write_gatt_char(
                        p.CONTROL_UUID, struct.pack(p.REQUEST_HEADER, p.ACK, 0)
                        + struct.pack(p.ACK_REQ, number, acked), response=True)
                if t.offset >= size:
                    break
                if not t.activity.is_set():  # (packets may have come meanwhile)
                    await self._wait(
                        t.activity.wait(), DATA_TIMEOUT_S,
                        f"session {number}: the link dropped at byte {t.offset} of {size}",
                        f"session {number}: no data for {DATA_TIMEOUT_S:g} s at byte "
                        f"{t.offset} of {size}")
                t.activity.clear()
                if progress is not None:
                    progress(t.offset, size)
        except BleakError as e:
            raise LinkError(f"session {number}: {e}") from e
        finally:
            self._transfer = None
            del buffer[t.offset:]  # keep only what arrived, for the resume
        return digest


def sha256(data: bytes | bytearray) -> bytes:
    return hashlib.sha256(data).digest()
