"""The host's client against a link that delivers in bursts.

A real adapter (and the virtual board reached over HCI, ``korset.vble.served``)
may hand the host the board's answer to READ and the first window of session
data in one delivery, before the coroutine that asked has seen the answer.
Found on the served virtual board: sync stalled with "no data for 10 s at
byte 0" whenever the board was sensing while it sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import struct

import pytest

from korset.ble.client import KorsetClient
from korsetfw import boardkey
from korsetfw import protocol as p

KEY = bytes(range(16))  # the connection key both ends hold after HELLO/AUTH


class _BurstyBoard:
    """A BleakClient stand-in: a board whose answer to READ and its data (the whole
    window at once, encrypted as korsetfw.boardkey does) arrive inside the write."""

    mtu_size = 247

    def __init__(self, session: bytes, number: int, client: KorsetClient | None = None):
        self.session = session
        self.number = number
        self.callbacks: dict[str, object] = {}
        self.acks: list[int] = []
        self.kc = client

    async def start_notify(self, uuid, callback) -> None:
        self.callbacks[uuid] = callback

    def _encrypt(self, data: bytes, offset: int) -> bytes:
        assert self.kc is not None
        return self.kc._decrypt(data, boardkey.STREAM_DATA, self.number, offset)  # CTR: same

    async def write_gatt_char(self, uuid, data, response: bool = True) -> None:
        op, seq = struct.unpack_from(p.REQUEST_HEADER, data)
        body = bytes(data[2:])
        if op == p.ACK:
            self.acks.append(struct.unpack(p.ACK_REQ, body)[1])
            return
        assert op == p.READ
        number, offset, window = struct.unpack(p.READ_REQ, body)
        answer = bytes([op, seq, p.OK]) + struct.pack(
            p.READ_RESP, number, len(self.session), hashlib.sha256(self.session).digest())
        self.callbacks[p.CONTROL_UUID](None, bytearray(answer))
        chunk = self.mtu_size - 3 - p.DATA_HEADER_BYTES
        end = min(len(self.session), offset + window)
        for at in range(offset, end, chunk):
            piece = self.session[at:min(at + chunk, end)]
            self.callbacks[p.DATA_UUID](None, bytearray(
                struct.pack(p.DATA_HEADER, at) + self._encrypt(piece, at)))


@pytest.mark.parametrize("seed", range(5))
def test_a_session_whose_data_arrives_with_the_answer_is_read_whole(seed):
    rng = random.Random(seed)
    session = rng.randbytes(rng.randrange(1, p.DEFAULT_WINDOW))  # one window: one burst
    resume_at = rng.randrange(0, len(session))

    async def go():
        board = _BurstyBoard(session, 7)
        kc = KorsetClient(board)  # type: ignore[arg-type]
        board.kc = kc
        kc._key = KEY  # as authenticate() leaves it
        await kc.open()
        buffer = bytearray(session[:resume_at])
        digest = await asyncio.wait_for(kc.read_session(7, buffer), 5.0)
        return board, buffer, digest

    board, buffer, digest = asyncio.run(go())
    assert bytes(buffer) == session
    assert digest == hashlib.sha256(session).digest()
    assert board.acks[-1] == len(session)  # the board hears that all of it arrived
