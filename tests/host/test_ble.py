"""The BLE link end to end: the firmware's link on the virtual board, bleak on the host.

Both ends go through Bumble's real stack on one in-process link: the board's
radio is a Bumble peripheral serving what the firmware registered through its
``bluetooth`` module; the host uses bleak with the Bumble backend. Nothing of
ATT, GATT or SMP is imitated.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import shutil
import struct
from pathlib import Path

import pytest
from bleak import BleakClient
from bleak.exc import BleakError

from korset import session as sess
from korset.ble.client import BoardRefused, KorsetClient, LinkError
from korset.ble.keys import VIRTUAL_HOST_KEYS
from korset.ble.radio import VirtualRadio, connected, find_board
from korset.ble.sync import SyncReport, sync
from korset.replay import end_with_long_press
from korset.sessionstore import SessionStore
from korset.sim.simulate import simulate
from korset.vboard import VirtualBoard
from korsetfw import catalogue as cat
from korsetfw import protocol as p
from korsetfw import protocol_names as names

IDLE = {"status_period_s": 0}
DROPS = 200  # boot without starting a set


def _run(coro, timeout_s: float = 240.0):
    return asyncio.run(asyncio.wait_for(coro, timeout_s))


@pytest.fixture(scope="module")
def recorded_board(tmp_path_factory) -> tuple[Path, dict[int, bytes]]:
    """A board directory whose flash holds three recorded sets; their bytes by number."""
    root = tmp_path_factory.mktemp("recorded") / "board"
    vb = VirtualBoard(root)
    for i in range(3):
        sim = simulate(cat.get(3), 40 + i, reps=4 + 2 * i)
        result = vb.run(sim.recording, settings={"exercise": 3, "status_period_s": 0},
                        install=(i == 0), **end_with_long_press(sim.recording.duration_s))
        assert result.exit_code == 0
    # Then the board is set to boot idle (no set at boot), as a new board is.
    assert vb.run(stop_at_s=1.0, settings=IDLE).exit_code == 0
    pulled = vb.sessions(root.parent / "pulled")
    return root, {int(path.stem): path.read_bytes() for path in pulled}


@pytest.fixture
def board_dir(recorded_board, tmp_path) -> Path:
    root, _ = recorded_board
    copy = tmp_path / "board"
    copy.mkdir()
    shutil.copy(root / "flash.bin", copy / "flash.bin")
    # The computer that installed the board holds its key (korset flash would keep it).
    shutil.copy(root / VIRTUAL_HOST_KEYS, copy / VIRTUAL_HOST_KEYS)
    return copy


def _stored(store: SessionStore) -> dict[int, bytes]:
    return {int(path.stem): path.read_bytes() for path in store.sessions()}


def test_sync_takes_every_session_byte_identical_and_only_then_the_board_deletes_it(
        recorded_board, board_dir, tmp_path):
    _, reference = recorded_board
    store = SessionStore(tmp_path / "store")

    async def go():
        async with VirtualRadio(board_dir, settings=IDLE, install=True) as radio:
            device = await find_board(radio, "Korset-0001")
            async with connected(radio, device, pair=True) as kc:
                info = await kc.info()
                assert info.sessions == 3 and info.protocol == p.PROTOCOL_VERSION
                assert info.board == "virtual" and info.battery_pct == 67
                report = await sync(kc, store, device.address)
                assert sorted(report.confirmed) == [1, 2, 3]
                assert await kc.list_sessions() == []
                assert kc.stray_packets == 0
                # Nothing left: a second sync changes nothing.
                again = await sync(kc, store, device.address)
                assert again.stored == [] and again.confirmed == []
                assert (await kc.info()).clock_unix_s is not None  # sync set the clock
            return report

    report = _run(go())
    assert _stored(store) == reference
    assert report.bytes_received == sum(len(b) for b in reference.values())


def test_sync_survives_200_link_drops_and_board_resets(recorded_board, board_dir, tmp_path):
    """Drops at seeded random points (by bytes received, or by time after connecting,
    so also during listing, hashing and confirming); every 12th is a board reset."""
    _, reference = recorded_board
    store = SessionStore(tmp_path / "store")
    rng = random.Random(20261126)
    digests = {n: hashlib.sha256(b).digest() for n, b in reference.items()}

    async def go():
        drops = resets = attempts = 0
        report = SyncReport()
        async with VirtualRadio(board_dir, settings=IDLE, install=True) as radio:
            device = await find_board(radio, None)
            paired = False
            while True:
                attempts += 1
                dropping = drops < DROPS
                try:
                    async with connected(radio, device.address, pair=not paired) as kc:
                        paired = True
                        on_board = {e.number for e in await kc.list_sessions()}
                        stored = {n for n, b in _stored(store).items()
                                  if hashlib.sha256(b).digest() == digests[n]}
                        # Nothing lost: every session is on the board or stored here.
                        assert on_board | stored == set(reference), (on_board, stored)
                        if not dropping:
                            await sync(kc, store, device.address, report=report)
                            left = await kc.list_sessions()
                            return drops, resets, attempts, report, left
                        drops += 1
                        cut = _Cut(radio, rng, reset=drops % 12 == 0)
                        if drops % 12 == 0:
                            resets += 1
                        task = asyncio.ensure_future(
                            sync(kc, store, device.address, report=report,
                                 progress=cut.progress))
                        cut.arm()
                        try:
                            await task
                        finally:
                            await cut.done()
                except (TimeoutError, LinkError, BleakError, ConnectionError):
                    pass  # the cut: connect again and go on

    drops, resets, attempts, report, left = _run(go(), 400)
    assert drops == DROPS and resets == DROPS // 12
    assert _stored(store) == reference  # byte-identical, none missing
    assert len(store.sessions()) == 3  # none duplicated
    # All confirmed and deleted on the board (a confirmation whose answer was lost with
    # the link is not in the report, but the session is gone from the board all the same).
    assert left == [] and set(report.confirmed) <= {1, 2, 3}


class _Cut:
    """Breaks the link (or resets the board) at one seeded point of a sync attempt."""

    def __init__(self, radio, rng: random.Random, reset: bool):
        self.radio = radio
        self.reset = reset
        self.by_bytes = rng.random() < 0.7
        self.after_bytes = rng.randint(1, 400)
        self.after_s = rng.uniform(0.0, 0.04)
        self._first: int | None = None
        self._fired = False
        self._timer: asyncio.Task | None = None
        self._cutting: asyncio.Task | None = None

    def progress(self, _number: int, got: int, _size: int) -> None:
        if self._first is None:
            self._first = got
        if self.by_bytes and got - self._first >= self.after_bytes:
            self.fire()

    def arm(self) -> None:
        """Cut at a time after the start (for cuts by bytes: a late fallback)."""
        async def later():
            await asyncio.sleep(self.after_s if not self.by_bytes else 1.0)
            self.fire()
        self._timer = asyncio.ensure_future(later())

    def fire(self) -> None:
        if not self._fired:
            self._fired = True
            board = self.radio.board
            self._cutting = asyncio.ensure_future(board.reset() if self.reset
                                                  else board.drop_link())

    async def done(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if not self._fired:
            self.fire()  # the attempt finished first: cut now (between operations)
        if self._cutting is not None:
            await self._cutting


def test_10000_random_control_writes_leave_the_board_running_and_syncing(
        recorded_board, board_dir, tmp_path):
    _, reference = recorded_board
    rng = random.Random(10000)
    ops = list(names.OP_NAMES) + [0x00, 0x7F, 0x80, 0xFF]

    def request() -> bytes:
        kind = rng.random()
        if kind < 0.3:
            return bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
        op = rng.choice(ops)
        if op in (p.ERASE, p.FORGET):
            op = p.INFO  # the two that are meant to destroy: tested on their own
        body = bytes(rng.randrange(256) for _ in range(rng.choice((0, 1, 2, 3, 6, 8, 10, 36))))
        return bytes((op, rng.randrange(256))) + body

    async def go():
        answers = refusals = 0
        async with VirtualRadio(board_dir, settings=IDLE, install=True) as radio:
            device = await find_board(radio, None)
            async with connected(radio, device, pair=True) as kc:
                replies: asyncio.Queue = asyncio.Queue()
                kc.answer_listener = replies.put_nowait
                for i in range(10000):
                    data = request()
                    await kc.client.write_gatt_char(p.CONTROL_UUID, data, response=True)
                    # Every write is answered (a valid ACK would not be, but with no read
                    # going on none is valid).
                    answer = await asyncio.wait_for(replies.get(), 5.0)
                    answers += 1
                    if answer[2] != p.OK:
                        refusals += 1
                    if len(data) >= 2:
                        assert answer[0] == (data[0] | p.RESPONSE) & 0xFF and \
                            answer[1] == data[1], (i, data.hex(), answer.hex())
                    else:
                        assert answer[2] == p.MALFORMED
                    if i % 1000 == 999:
                        assert radio.board.proc.returncode is None, radio.board.console[-20:]
                    assert replies.empty()
            # Then a normal sync on a fresh connection still works.
            store = SessionStore(tmp_path / "store")
            async with connected(radio, device) as kc:
                if (await kc.info()).set_active:
                    await kc.stop()
                await sync(kc, store, device.address)
            assert not any("Traceback" in line for line in radio.board.console), \
                radio.board.console[-30:]
        return answers, refusals, store

    answers, refusals, store = _run(go(), 600)
    assert answers == 10000 and refusals > 5000
    stored = _stored(store)
    for number, data in reference.items():
        assert stored[number] == data


def test_an_unbonded_central_reads_no_data_and_cannot_reconfigure(board_dir, tmp_path):
    async def go():
        async with VirtualRadio(board_dir, settings=IDLE, install=True) as radio:
            device = await find_board(radio, None)
            # The first host pairs while the first-boot window is open.
            async with connected(radio, device, pair=True) as kc:
                assert (await kc.info()).sessions == 3
            # A second computer: its own adapter (a second central), no bond.
            from korset.ble.bumble_backend import BumbleCentral, backend_for

            other = BumbleCentral(radio.link, name="intruder")
            await other.power_on()
            _scanner, client_backend = backend_for(other)
            client = BleakClient(device.address, backend=client_backend)
            await client.connect()
            try:
                with pytest.raises(BleakError, match="(?i)encrypt"):
                    await client.write_gatt_char(
                        p.CONTROL_UUID, struct.pack(p.REQUEST_HEADER, p.START, 1)
                        + struct.pack(p.EXERCISE_REQ, 3, 0), response=True)
                with pytest.raises(BleakError, match="(?i)encrypt"):
                    await client.write_gatt_char(
                        p.CONTROL_UUID, struct.pack(p.REQUEST_HEADER, p.READ, 2)
                        + struct.pack(p.READ_REQ, 1, 0, 4096), response=True)
                # Pairing outside the window: the board keeps no bond and drops the link.
                try:
                    await client.pair()
                except BleakError:
                    pass
                for _ in range(100):
                    if not client.is_connected:
                        break
                    await asyncio.sleep(0.02)
                assert not client.is_connected
            finally:
                await client.disconnect()
            # The board did nothing for it: no set, every session still there.
            async with connected(radio, device) as kc:
                info = await kc.info()
                assert info.sessions == 3 and not info.set_active
                # Opening the window (as a button press does) lets a new computer pair.
                await kc.pairing(30)
            newcomer = BumbleCentral(radio.link, name="newcomer")
            await newcomer.power_on()
            client = BleakClient(device.address, backend=backend_for(newcomer)[1])
            await client.connect()
            try:
                await client.pair()
                kc2 = KorsetClient(client)
                await kc2.open()
                # A bond alone is not enough: the board serves a computer that holds its key.
                with pytest.raises(BoardRefused, match="not authorised"):
                    await kc2.request(p.INFO)
                await kc2.authenticate(radio.keys())
                assert (await kc2.info()).sessions == 3
            finally:
                await client.disconnect()

    _run(go())


def test_start_live_stop_and_forget(board_dir, tmp_path):
    async def go():
        async with VirtualRadio(board_dir, settings=IDLE, install=True) as radio:
            device = await find_board(radio, None)
            async with connected(radio, device, pair=True) as kc:
                with pytest.raises(BoardRefused, match="not possible now"):
                    await kc.stop()
                with pytest.raises(BoardRefused, match="out of range"):
                    await kc.start(3, tolerance_deg=90)
                await kc.start(3, tolerance_deg=4)
                packets = []
                await kc.live(20, packets.append)
                await asyncio.sleep(1.5)
                await kc.live(0, None)
                info = await kc.info()
                assert info.set_active and info.recording
                entries = await kc.list_sessions()
                assert entries[-1].number == 4 and entries[-1].recording
                with pytest.raises(BoardRefused, match="being recorded"):
                    await kc.read_session(4, bytearray())
                await kc.stop()
                assert not (await kc.list_sessions())[-1].recording
                # A programme: starts without an exercise run its sets in turn.
                from korset.programme import ProgrammeSet

                bridge = cat.Exercise("bridge", None, cat.REPS, cat.SUPINE, (cat.ROTATION,),
                                      {cat.ROTATION: 4.0}, "Bridge", "Bro", "", "",
                                      reps=(10, 12))
                await kc.programme([
                    ProgrammeSet(cat.get(5), {cat.FLEXION: 2.5}, None, (20, 20), 3),
                    ProgrammeSet(bridge, {cat.ROTATION: 3.5}, (12, 12), None, None)])
                started = []
                for _ in range(3):
                    await kc.start()
                    started.append((await kc.list_sessions())[-1].number)
                    await kc.stop()
                headers = []
                for number in started:
                    data = bytearray()
                    await kc.read_session(number, data)
                    headers.append(sess.decode(bytes(data)).header)
                assert [h["exercise"] for h in headers] == [5, "custom2", 5]
                assert headers[0]["tolerance_deg"] == {"flexion": 2.5}
                assert headers[0]["targets"] == {"reps": None, "holds": 3, "hold_s": 20}
                assert headers[1]["tolerance_deg"] == {"rotation": 3.5}
                assert headers[1]["targets"]["reps"] == 12
                # The board forgets its bonds: this host must pair again.
                await kc.forget()
            with pytest.raises(LinkError, match="no longer knows this computer"):
                async with connected(radio, device):
                    pass
            return packets

    packets = _run(go())
    assert 15 <= len(packets) <= 40  # ~20 Hz for 1.5 s
    assert all(pk.state in (1, 2) and pk.recording for pk in packets)
    times = [pk.t_ms for pk in packets]
    assert times == sorted(times)


def test_the_commands_on_a_virtual_board(board_dir, tmp_path, capsys, monkeypatch):
    import json

    from korset.cli import main

    monkeypatch.setenv("KORSET_HOME", str(tmp_path / "home"))
    vb = ["--virtual-board", str(board_dir)]
    assert main(["scan", *vb]) == 0
    assert "Korset-0001" in capsys.readouterr().out
    assert main(["info", *vb]) == 1  # not paired yet
    assert "korset pair" in capsys.readouterr().err
    assert main(["pair", *vb]) == 0
    assert "paired with Korset-0001" in capsys.readouterr().out
    assert main(["info", "--json", *vb]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["sessions"] == 3 and info["name"] == "Korset-0001"
    assert main(["sync", *vb]) == 0
    out = capsys.readouterr().out
    assert "3 new session(s) stored" in out
    assert len(list((tmp_path / "home" / "sessions").glob("*/*.kss"))) == 3
    # Each new session was analysed as its header says and added to the history.
    assert out.count("exercise 3, ") == 3 and out.count(": in the history") == 3
    assert main(["history", "--json"]) == 0
    sets = json.loads(capsys.readouterr().out)
    assert len(sets) == 3 and {s["analysis"]["exercise"] for s in sets} == {3}
    # Each command boots the virtual board for its own length: the set started here
    # ends when the command does (the board powers off), and its session, cut off
    # after its last whole chunk, syncs like any other.
    assert main(["start", "-e", "3", *vb]) == 0
    assert "--ble keeps the board on" in capsys.readouterr().err  # and says so
    assert main(["stop", *vb]) == 1
    err = capsys.readouterr().err
    assert "not possible now" in err and "--ble keeps the board on" in err
    assert main(["sync", *vb]) == 0
    assert "1 new session(s) stored" in capsys.readouterr().out
    assert main(["info", "--device", "Korset-9999", *vb]) == 1
    assert "no board 'Korset-9999' in range" in capsys.readouterr().err
    assert main(["forget", *vb]) == 0
    assert main(["info", *vb]) == 1
    assert "korset pair" in capsys.readouterr().err
