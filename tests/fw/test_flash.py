"""Sessions on real LittleFS (``vfs.VfsLfs2``, MicroPython only), through power cuts.

The flash is a RAM block device (``vflash.RamBlockDevice``, 512-byte blocks)
that loses power during its Nth program or erase (the torn operation half
done). For every N across a recording of several sessions: mount the same
flash afresh, as a board does when power returns, and check that every
session closed before the cut is byte-identical to the one recorded without
a cut, the interrupted one is a prefix ending on a chunk boundary that
decodes without loss, no session appears that was never started, and the
filesystem goes on recording with a new number.
"""

from fwtest import is_micropython, raises, skip
from sessiontools import chunk_starts, flat, record_into, walk

from korsetfw import events as ev
from korsetfw import session as fmt
from korsetfw import sessiondecode as dec
from korsetfw.store import SessionStore

MOUNT = "/lfs"
FLASH_BYTES = 96 * 1024
LENGTHS = (260, 190, 330)  # samples per session: 3 sessions, ~8 chunks each


def _need_lfs():
    if not is_micropython():
        skip("LittleFS (vfs.VfsLfs2) exists only on MicroPython")


def _blank():
    import vfs
    from vflash import RamBlockDevice

    bdev = RamBlockDevice.erased(FLASH_BYTES)
    vfs.VfsLfs2.mkfs(bdev)
    return bytes(bdev.storage)


def _mount(storage, cut=None):
    import vfs
    from vflash import RamBlockDevice

    bdev = RamBlockDevice(storage, 512, cut)
    vfs.mount(vfs.VfsLfs2(bdev), MOUNT)
    return bdev


def _umount():
    import vfs

    try:
        vfs.umount(MOUNT)
    except OSError:
        pass


def _store():
    return SessionStore(MOUNT + "/data", min_free_bytes=8192)


def _fresh(size_bytes):
    """A freshly formatted flash of ``size_bytes``, mounted; its session store."""
    import vfs
    from vflash import RamBlockDevice

    storage = bytearray(b"\xff" * size_bytes)
    vfs.VfsLfs2.mkfs(RamBlockDevice(storage))
    _mount(storage)
    return _store()


def _workload(store, started, files):
    """Record the sessions; ``started`` gets [number, closed] as they go, ``files`` the files."""
    for s, n in enumerate(LENGTHS):
        samples = walk(n, seed=100 + s)
        number, f = store.create()
        files.append(f)
        started.append([number, False])
        events = [(ev.REP, i, i // 50) for i in range(25, n, 50)]
        record_into(f, samples, n, chunk_s=0.3, events=events, header={"session": number})
        started[-1][1] = True


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def test_every_power_cut_keeps_closed_sessions_and_the_interrupted_ones_chunks():
    _need_lfs()
    from vflash import PowerCut

    blank = _blank()
    # The run without a cut: the reference bytes, and how many flash writes it takes.
    storage = bytearray(blank)
    try:
        bdev = _mount(storage)
        started = []
        _workload(_store(), started, [])
        writes = bdev.writes
        reference = {number: _read(_store().path(number)) for number, _ in started}
    finally:
        _umount()
    assert len(reference) == 3 and writes > 60
    print("flash writes in the run:", writes)
    boundaries = {number: chunk_starts(raw) for number, raw in reference.items()}

    cut_in_session = 0
    for cut in range(writes):
        storage = bytearray(blank)
        started = []
        files = []
        try:
            bdev = _mount(storage, cut)
            try:
                _workload(_store(), started, files)
                raise AssertionError("no power cut at write %d of %d" % (cut, writes))
            except PowerCut:
                pass
            # The old filesystem is gone: close the file the cut left open into nothing,
            # rather than leave it to the garbage collector.
            bdev.detach()
            for f in files:
                try:
                    f.close()
                except OSError:
                    pass
        finally:
            _umount()
        try:
            _mount(storage)  # power is back
            store = _store()
            store.ensure()
            store.tidy()
            present = store.sessions()
            for number, closed in started:
                if closed:
                    assert _read(store.path(number)) == reference[number], (cut, number)
                elif number in present:
                    cut_in_session += 1
                    data = _read(store.path(number))
                    assert len(data) in boundaries[number], (cut, number, len(data))
                    assert data == reference[number][:len(data)]
                    d = dec.decode(data)
                    whole = dec.decode(reference[number])
                    assert flat(d) == flat(whole)[:len(flat(d))]
                    assert len(d.problems) == 1 and "interrupted" in d.problems[0]
            assert set(present) <= set(n for n, _ in started), (cut, present)
            # The filesystem goes on: a new session gets a new number and reads back.
            number, f = store.create()
            assert number > max([n for n, _ in started] + [0])
            record_into(f, walk(40, seed=1), 40, header={"session": number})
            assert dec.decode(_read(store.path(number))).problems == []
        finally:
            _umount()
    assert cut_in_session > 10  # most cuts fall inside a session's chunks


def test_numbers_are_never_reused_and_only_a_matching_hash_deletes():
    _need_lfs()
    import hashlib
    import os

    storage = bytearray(_blank())
    try:
        _mount(storage)
        store = _store()
        numbers = []
        for s in range(3):
            number, f = store.create()
            record_into(f, walk(50, seed=s), 50)
            numbers.append(number)
        assert numbers == [1, 2, 3] and store.sessions() == [1, 2, 3]
        data = _read(store.path(2))
        assert store.sha256(2) == hashlib.sha256(data).digest()
        with raises(ValueError, match="hash differs"):
            store.confirm(2, hashlib.sha256(data + b"x").digest())
        assert store.sessions() == [1, 2, 3]
        assert store.confirm(2, hashlib.sha256(data).digest())
        assert store.sessions() == [1, 3]
        with raises(OSError):
            store.confirm(2, hashlib.sha256(data).digest())
        store.confirm(3, store.sha256(3))
        assert store.create()[0] == 4  # not 2 or 3 again: the counter remembers
        os.remove(MOUNT + "/data/next")  # with the counter lost, still above every file
        assert store.create()[0] == 5 and store.sessions() == [1, 4, 5]
    finally:
        _umount()


def test_free_space_is_measured_on_the_filesystem():
    _need_lfs()
    storage = bytearray(_blank())
    try:
        _mount(storage)
        store = _store()
        store.ensure()
        before = store.free_bytes()
        assert 0 < before <= FLASH_BYTES and store.has_room()
        number, f = store.create()
        record_into(f, walk(2000, seed=4), 2000)
        used = store.size(number)
        assert before - store.free_bytes() >= used
        store.min_free_bytes = store.free_bytes() + 1
        assert not store.has_room()
    finally:
        _umount()


# -- the app recording on LittleFS -------------------------------------------------------


def _app(store):
    from imuharness import Ticks, rig
    from vbare import BareHardware, QuietMotor
    from vmotions import Bends

    from korsetfw import catalogue
    from korsetfw.app import App
    from korsetfw.lsm6dsox import LSM6DSOX
    from korsetfw.settings import Settings

    clock, bus, chip = rig(Bends())
    imu = LSM6DSOX(bus, rate_hz=104, batch=16)
    hw = BareHardware(imu, QuietMotor())
    lines = []
    board = {"name": "test", "imu": {"alignment": "-Z+Y+X"}}
    app = App(board, Settings(), hw, Ticks(clock), out=lines.append, store=store)
    app.start_set(catalogue.get(6))
    return clock, chip, app, lines


def _run_app(clock, chip, app, seconds, locked):
    """The main loop's work for ``seconds``, the per-sample part with the heap locked."""
    from imuharness import sample_pass

    step = app.step  # bound once: binding a method allocates
    encode = app.recording.encode

    def per_sample():
        step()
        encode()

    for _ in range(int(seconds * 100)):
        sample_pass(clock, chip, per_sample, locked)
        app.handle_events()
        app.recording.service()


def test_the_app_records_a_set_with_its_per_sample_work_under_heap_lock():
    _need_lfs()
    try:
        store = _fresh(256 * 1024)
        clock, chip, app, lines = _app(store)
        assert app.recording.is_recording(1)
        _run_app(clock, chip, app, 22.0, True)
        app.stop_set()
        assert not app.recording.on
        d = dec.decode(_read(store.path(1)))
    finally:
        _umount()
    assert d.problems == [] and d.end["reason"] == fmt.END_STOPPED
    assert d.n_samples == app.pipeline.sample_no and d.end["samples"] == d.n_samples
    h = d.header
    assert h["exercise"] == 6 and h["rate_hz"] == 104 and h["alignment"] == "-Z+Y+X"
    assert h["imu"] == "LSM6DSOX" and h["session"] == 1
    codes = [e[0] for e in d.events]
    assert codes[0] == ev.SET_START and codes[-1] == ev.SET_END
    assert ev.REFERENCE in codes and codes.count(ev.BUZZ_ON) == 1 and ev.REP in codes
    assert d.end["buzzes"] == 1 and d.end["count"] == codes.count(ev.REP)
    # Raw chip axes: standing, the chip's +X is up, so ax reads about +1 g.
    first = d.segments[0][1]
    assert abs(first[0] * h["accel_g_per_lsb"] - 1.0) < 0.05
    assert "session 1 recorded" in lines[-1]


def test_a_full_flash_stops_recording_with_a_cue_and_keeps_the_session():
    _need_lfs()
    try:
        store = _fresh(128 * 1024)
        store.ensure()
        store.min_free_bytes = store.free_bytes() - 3 * 512  # room for a few chunks only
        clock, chip, app, lines = _app(store)
        _run_app(clock, chip, app, 30.0, False)
        assert app.recording.storage_full and not app.recording.on
        assert any(line.startswith("event storage_full") for line in lines)
        assert "storage=full" in app.status_line()
        assert app.pipeline.state != 0  # the set itself goes on
        d = dec.decode(_read(store.path(1)))
        assert d.end["reason"] == fmt.END_STORAGE_FULL and d.problems == []
        assert d.events[-1][0] == ev.STORAGE_FULL
        # A new set does not record while the flash is full; nothing is deleted.
        from korsetfw import catalogue

        app.start_set(catalogue.get(6))
        assert not app.recording.on and store.sessions() == [1]
    finally:
        _umount()


def test_slow_passes_lose_no_sample():
    """The recording's ring holds what one pass adds (a FIFO read, up to imu.batch
    samples) and what is left uncoded (under a block of 32): slow passes of 100-160 ms,
    reads of 10 to a full batch that do not divide the block, lose nothing."""
    _need_lfs()
    try:
        store = _fresh(256 * 1024)
        clock, chip, app, lines = _app(store)
        reads = []
        for i in range(90):
            clock.advance_us((100, 130, 160)[i % 3] * 1000)
            chip._update()
            reads.append(app.step())
            app.handle_events()
            app.recording.service()
        app.stop_set()
        d = dec.decode(_read(store.path(1)))
    finally:
        _umount()
    assert max(reads) == app.imu.batch and min(reads) < app.imu.batch
    assert d.problems == [] and d.end["lost_samples"] == 0
    assert d.n_samples == app.pipeline.sample_no == sum(reads)
