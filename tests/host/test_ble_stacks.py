"""Every board file on the stack its port has, and a link that fails as real links do.

Each board boots on the virtual board with its own BLE stack's API
(``ble.stack``: NimBLE pairs and bonds and raises ENOMEM when full; BTstack, the
Pico W family's, has no pairing keys in ``config``, raises no encryption or
secret IRQs and queues notifications), records a set, and is paired (where it
can be), authorised with its board key and synced through Bumble and bleak.
Then the faults a phone walking away causes: ENOTCONN from ``gatts_notify``
mid-sync and mid-live.
"""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest
from bleak import BleakClient

from korset.ble.client import BoardRefused, KorsetClient, LinkError
from korset.ble.radio import VirtualRadio, connected, find_board
from korset.ble.sync import SyncReport, sync
from korset.paths import boards_dir, load_board
from korset.replay import end_with_long_press
from korset.sessionstore import SessionStore
from korset.sim.simulate import simulate
from korset.vboard import VirtualBoard
from korsetfw import boardkey
from korsetfw import catalogue as cat
from korsetfw import protocol as p

IDLE = {"status_period_s": 0}
BOARDS = sorted(path.stem for path in boards_dir().glob("*.json"))


def _run(coro, timeout_s: float = 240.0):
    return asyncio.run(asyncio.wait_for(coro, timeout_s))


def _recorded(root: Path, board: str, sets: int = 1) -> dict[int, bytes]:
    """``board`` installed in ``root`` with ``sets`` recorded sets; their bytes by number."""
    vb = VirtualBoard(root, board)
    for i in range(sets):
        sim = simulate(cat.get(3), 60 + i, reps=4)
        result = vb.run(sim.recording, settings={"exercise": 3, "status_period_s": 0},
                        install=(i == 0), **end_with_long_press(sim.recording.duration_s))
        assert result.exit_code == 0, "\n".join(result.console[-20:])
        # (Run without a radio: "ble: not available" is expected here, errors are not.)
        assert not any(line.startswith("error in") for line in result.console), result.console
    assert vb.run(stop_at_s=1.0, settings=IDLE).exit_code == 0
    pulled = vb.sessions(root.parent / f"{board}-pulled")
    return {int(path.stem): path.read_bytes() for path in pulled}


@pytest.mark.parametrize("board", BOARDS)
def test_every_board_boots_records_and_syncs_on_its_own_stack(board, tmp_path):
    stack = load_board(board)["ble"]["stack"]
    root = tmp_path / "board"
    reference = _recorded(root, board)
    store = SessionStore(tmp_path / "store")

    async def go():
        async with VirtualRadio(root, board=board, settings=IDLE, install=False) as radio:
            console = radio.board.console
            device = await find_board(radio, None)
            async with connected(radio, device, pair=True) as kc:
                info = kc.board_info
                assert info.board == board and info.errors == 0
                hello = await kc.request(p.HELLO)
                report = await sync(kc, store, device.address)
            return report, list(console), struct.unpack_from(p.HELLO_RESP, hello)[1]

    report, console, flags = _run(go())

    assert sorted(report.confirmed) == sorted(reference)
    assert {int(path.stem): path.read_bytes() for path in store.sessions()} == reference
    # The port was asked only what its stack has: no fallback, no contained error.
    assert not any("cannot pair" in line or line.startswith("error in") for line in console)
    # The board says whether its link is bonded as its stack can: NimBLE bonds, BTstack not.
    assert bool(flags & p.HELLO_FLAG_BONDS) == (stack == "nimble")


def test_on_btstack_a_computer_without_the_key_gets_nothing(tmp_path):
    """No pairing on BTstack: the link is open, so the board key is all that guards it."""
    root = tmp_path / "board"
    reference = _recorded(root, "pico-w-lsm6dsox")

    async def go():
        async with VirtualRadio(root, board="pico-w-lsm6dsox", settings=IDLE,
                                install=False) as radio:
            device = await find_board(radio, None)
            from korset.ble.bumble_backend import BumbleCentral, backend_for

            other = BumbleCentral(radio.link, name="stranger")
            await other.power_on()
            client = BleakClient(device.address, backend=backend_for(other)[1])
            await client.connect()
            try:
                kc = KorsetClient(client)
                await kc.open()  # no encryption needed on this stack: it subscribes
                for op, body in ((p.START, struct.pack(p.EXERCISE_REQ, 3, 0)),
                                 (p.READ, struct.pack(p.READ_REQ, 1, 0, 4096)),
                                 (p.LIST, struct.pack(p.LIST_REQ, 0)),
                                 (p.ERASE, struct.pack(p.ERASE_REQ, p.ERASE_TOKEN))):
                    with pytest.raises(BoardRefused, match="not authorised"):
                        await kc.request(op, body)
                # A guessed MAC is refused, and the nonce it answered is spent.
                hello = await kc.request(p.HELLO)
                _protocol, flags, _nonce = struct.unpack_from(p.HELLO_RESP, hello)
                assert flags & p.HELLO_FLAG_KEY and not flags & p.HELLO_FLAG_BONDS
                guess = struct.pack(p.AUTH_REQ, bytes(16), bytes(16))
                with pytest.raises(BoardRefused, match="does not hold the board's key"):
                    await kc.request(p.AUTH, guess)
                with pytest.raises(BoardRefused, match="not possible now"):
                    await kc.request(p.AUTH, guess)
                # A key of its own (another board's) does not help either.
                from korset.ble.keys import BoardKeys, new_key

                wrong = BoardKeys(tmp_path / "wrong-keys.json")
                wrong.put(bytes(hello[struct.calcsize(p.HELLO_RESP):]), new_key())
                with pytest.raises(LinkError, match="is not the board's"):
                    await kc.authenticate(wrong)
                with pytest.raises(BoardRefused, match="not authorised"):
                    await kc.request(p.INFO)
            finally:
                await client.disconnect()
            # The board did nothing for it: every session is still there, no set runs.
            async with connected(radio, device) as kc:
                info = await kc.info()
                assert info.sessions == len(reference) and not info.set_active
            return radio.board.console

    console = _run(go())
    assert any("failed to prove the board key" in line for line in console)


def test_a_board_flashed_without_a_key_says_so(tmp_path):
    root = tmp_path / "board"
    _recorded(root, "pico-w-lsm6dsox")

    async def go():
        async with VirtualRadio(root, board="pico-w-lsm6dsox", settings=IDLE,
                                install=False) as radio:
            device = await find_board(radio, None)
            async with connected(radio, device) as kc:
                return kc.board_info

    # The board is installed again with a damaged key file (as good as none).
    vb = VirtualBoard(root, "pico-w-lsm6dsox")
    config, work = vb.prepare(stop_at_s=0.5, install=True)
    (work / "install" / boardkey.KEY_PATH.lstrip("/")).write_text("damaged\n")
    import subprocess

    proc = subprocess.run(vb.command(config), env=vb.environment(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with pytest.raises(LinkError, match="has no key: connect it by USB and run korset flash"):
        _run(go())


def _sync_with_a_drop(tmp_path: Path, drop_at: int) -> tuple[SyncReport, list[str], str]:
    root = tmp_path / "board"
    reference = _recorded(root, "virtual", sets=2)
    store = SessionStore(tmp_path / "store")

    async def go():
        # The drop_at-th notification finds the host gone (ENOTCONN, the link drops).
        async with VirtualRadio(root, settings=IDLE, install=False,
                                ble_faults={"notify_enotconn": [drop_at]}) as radio:
            device = await find_board(radio, None)
            failure = ""
            try:
                async with connected(radio, device, pair=True) as kc:
                    await sync(kc, store, device.address)
            except LinkError as e:
                failure = str(e)
            # The board goes on: the same computer reconnects and the sync completes.
            async with connected(radio, device) as kc:
                report = await sync(kc, store, device.address)
                assert (await kc.info()).errors == 0  # contained by the link, not an error
            return report, list(radio.board.console), failure

    report, console, failure = _run(go())
    assert {int(path.stem): path.read_bytes() for path in store.sessions()} == reference
    return report, console, failure


def test_enotconn_mid_sync_loses_nothing_and_the_board_goes_on(tmp_path):
    # HELLO, AUTH, INFO, SET_TIME and LIST answers come first; the 12th notification is
    # well inside the first session's data.
    report, console, failure = _sync_with_a_drop(tmp_path, 12)
    assert "dropped" in failure
    assert any("notify failed (errno 107)" in line for line in console)
    assert not any(line.startswith("error in") for line in console)


def test_enotconn_mid_live_stops_live_and_the_board_goes_on(tmp_path):
    root = tmp_path / "board"
    _recorded(root, "virtual")

    async def go():
        async with VirtualRadio(root, settings=IDLE, install=False,
                                ble_faults={"notify_enotconn": [20]}) as radio:
            device = await find_board(radio, None)
            packets: list = []
            async with connected(radio, device, pair=True) as kc:
                await kc.start(3)
                await kc.live(25, packets.append)
                for _ in range(100):
                    if not kc.client.is_connected:
                        break
                    await asyncio.sleep(0.05)
                assert not kc.client.is_connected  # the board dropped the link
            before = len(packets)
            later: list = []
            async with connected(radio, device) as kc:
                info = await kc.info()
                assert info.set_active and info.recording  # the set went on meanwhile
                await kc.live(25, later.append)
                await asyncio.sleep(0.6)
                await kc.live(0, None)
                await kc.stop()
            return before, later, list(radio.board.console)

    before, later, console = _run(go())
    assert 0 < before < 20
    assert len(later) >= 8 and later[0].t_ms > 0
    assert any("notify failed (errno 107)" in line for line in console)


def test_a_set_recorded_before_the_clock_was_set_is_dated_at_the_sync(tmp_path):
    """Boards keep no time without power: a set of this boot is dated from the board's
    uptime at the sync; sets of earlier boots stay undated, never dated wrongly."""
    import time

    from korset import session as sess

    root = tmp_path / "board"
    earlier = _recorded(root, "virtual")  # recorded in an earlier boot, clock never set
    store = SessionStore(tmp_path / "store")

    async def go():
        async with VirtualRadio(root, settings=IDLE, install=False) as radio:
            device = await find_board(radio, None)
            async with connected(radio, device, pair=True) as kc:
                assert not kc.board_info.flags & p.INFO_FLAG_CLOCK_SET
                started = time.time()
                await kc.start(3)
                await asyncio.sleep(1.0)
                await kc.stop()
                await sync(kc, store, device.address)
            return started

    started = _run(go())
    stored = {int(path.stem): path for path in store.sessions()}
    assert set(stored) == set(earlier) | {max(earlier) + 1}
    for number, path in stored.items():
        header = sess.read(path).header
        assert header["start_unix_s"] is None  # the board's bytes, as recorded
        when = sess.start_unix_s(path, header)
        if number in earlier:
            assert when is None
        else:
            assert when is not None and abs(when - started) < 2.0, (when, started)


def test_what_crosses_the_air_is_not_the_session(tmp_path):
    """BTstack's link is not encrypted: the board encrypts the session's bytes (and live
    packets) with the connection's key, so a sniffer in range reads neither."""
    root = tmp_path / "board"
    reference = _recorded(root, "pico-w-lsm6dsox")
    number, data = next(iter(reference.items()))

    async def go():
        async with VirtualRadio(root, board="pico-w-lsm6dsox", settings=IDLE,
                                install=False) as radio:
            device = await find_board(radio, None)
            async with connected(radio, device) as kc:
                on_air: list[bytes] = []
                decrypt = kc._decrypt

                def spy(payload, stream, session, offset):
                    on_air.append(bytes(payload))
                    return decrypt(payload, stream, session, offset)

                kc._decrypt = spy
                buffer = bytearray()
                digest = await kc.read_session(number, buffer)
                live: list = []
                await kc.start(3)
                await kc.live(25, live.append)
                await asyncio.sleep(0.5)
                await kc.live(0, None)
                await kc.stop()
            return bytes(buffer), digest, b"".join(on_air), live

    received, digest, air, live = _run(go())
    import hashlib

    assert received == data and hashlib.sha256(received).digest() == digest
    assert len(air) > len(data)  # every DATA payload and the live packets went through it
    windows = {data[i:i + 16] for i in range(0, len(data) - 16, 16)}
    assert not any(air[i:i + 16] in windows for i in range(len(air) - 16))
    assert live and all(pk.state in (1, 2) for pk in live)
