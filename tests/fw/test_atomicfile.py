"""Small files (bonds, settings) through power cuts on LittleFS and on FAT.

The power-cut tests run on MicroPython only: they mount the real
``vfs.VfsLfs2`` and ``vfs.VfsFat`` on a RAM block device
(``vflash.RamBlockDevice``) that loses power during its Nth program or erase,
for every N of one bonds write and one settings write, then mount the same
flash afresh and load what is there: it must be exactly the old content or
exactly the new one. The format's own checks (torn, truncated, corrupt files,
the old plain-JSON format) run on both runtimes against the working
directory's filesystem.
"""

from fwtest import Rng, is_micropython, skip

from korsetfw import atomicfile, settings
from korsetfw.bonds import BondStore

MOUNT = "/pcut"

# (name, filesystem, block size, erase before a sector write): LittleFS as the
# virtual board has it; FAT with 512-byte sectors torn as a plain program; FAT
# as on the Arduino Nano RP2040 Connect (4096-byte sectors, MICROPY_FATFS_MAX_SS
# = FLASH_SECTOR_SIZE in ports/rp2/mpconfigport.h, each written as erase then
# program by rp2.Flash).
FILESYSTEMS = (
    ("lfs2-512", "lfs2", 512, False, 96 * 1024),
    ("fat-512", "fat", 512, False, 96 * 1024),
    ("fat-4096-erase", "fat", 4096, True, 512 * 1024),
)


def _need_vfs():
    if not is_micropython():
        skip("LittleFS and FAT (vfs.VfsLfs2, vfs.VfsFat) on a block device exist only on "
             "MicroPython; the format's logic is tested on CPython by the other tests here")
    import vfs

    if not (hasattr(vfs, "VfsLfs2") and hasattr(vfs, "VfsFat")):
        skip("this port has no vfs.VfsLfs2 or vfs.VfsFat (the unix port has both)")


def _device(storage, block):
    """A RAM block device that remembers the block of its latest program or erase."""
    from vflash import RamBlockDevice

    class Tracking(RamBlockDevice):
        last = -1

        def writeblocks(self, block, buf, offset=None):
            self.last = block
            return RamBlockDevice.writeblocks(self, block, buf, offset)

        def ioctl(self, op, arg):
            if op == 6:  # erase
                self.last = arg
            return RamBlockDevice.ioctl(self, op, arg)

    return Tracking(storage, block)


def _fat_shared_end(storage):
    """The first sector after FAT12/16's shared metadata: boot sector, FAT table, root
    directory (the BPB fields at their offsets in the boot sector, FAT spec)."""
    import struct

    bps, _, rsvd, nfats, root_entries = struct.unpack_from("<HBHBH", storage, 11)
    fat_sectors = struct.unpack_from("<H", storage, 22)[0]
    return rsvd + nfats * fat_sectors + (root_entries * 32 + bps - 1) // bps


def _cls(kind):
    import vfs

    return vfs.VfsLfs2 if kind == "lfs2" else vfs.VfsFat


def _blank(kind, block, size):
    from vflash import RamBlockDevice

    bdev = RamBlockDevice.erased(size, block)
    _cls(kind).mkfs(bdev)
    return bytes(bdev.storage)


def _mount(kind, storage, block, erase):
    import vfs

    bdev = _device(storage, block)
    bdev.erase_on_write = erase
    vfs.mount(_cls(kind)(bdev), MOUNT)
    return bdev


def _umount():
    import vfs

    try:
        vfs.umount(MOUNT)
    except OSError:
        pass


def _key(i):
    return bytes((i * 37 + j) & 0xFF for j in range(6))


def _value(rng, n=16):
    return bytes(rng.randint(0, 255) for _ in range(n))


def _bond_snapshot(path, keys):
    store = BondStore(path)
    return (len(store), [(t, k, store.get(t, None, k)) for t, k in keys])


def _bonds_case(seed, legacy):
    """(prepare, change, snapshot): bonds already on the flash, then one more set()."""
    rng = Rng(seed)
    old = [(1, _key(i), _value(rng)) for i in range(3)] + [(2, _key(9), _value(rng, 32))]
    new = (1, _key(4), _value(rng))
    keys = [(t, k) for t, k, _ in old] + [(new[0], new[1])]
    path = MOUNT + "/bonds.json"

    def prepare():
        if legacy:
            # What today's firmware leaves: a plain JSON file.
            import json

            from korsetfw.bonds import _hex

            with open(path, "w") as f:
                json.dump({"%d:%s" % (t, _hex(k)): _hex(v) for t, k, v in old}, f)
        else:
            store = BondStore(path)
            for t, k, v in old:  # several writes: both slots hold records
                store.set(t, k, v)

    def change():
        BondStore(path).set(*new)

    return prepare, change, lambda: _bond_snapshot(path, keys)


def _settings_case(seed, legacy):
    rng = Rng(seed)
    path = MOUNT + "/settings.json"
    old = {"rate_hz": 52, "exercise": 3, "tolerance_deg": 4.5, "record": True}
    new = {"rate_hz": 208, "exercise": "hold", "tolerance_deg": 7.0, "stream": True,
           "programme": "".join("%02x" % rng.randint(0, 255) for _ in range(120))}

    def prepare():
        if legacy:
            import json

            with open(path, "w") as f:
                json.dump(old, f)
        else:
            settings.save(settings.Settings({"rate_hz": 26}), path)
            settings.save(settings.Settings(old), path)

    def change():
        settings.save(settings.Settings(new), path)

    def snapshot():
        s = settings.load(path)
        return (s.as_dict(), s.problems)

    return prepare, change, snapshot


def _every_cut(kind, block, erase, size, case):
    """Cut power at every program/erase of ``change``: (cut points, cuts that tore FAT's
    shared metadata and lost the file with it).

    After each cut the flash is mounted afresh and what loads must be exactly
    the snapshot before the change or exactly the one after it; then a
    further change must go through and load. The one exception, counted and
    returned: on FAT written as erase-then-program, a cut that tears a sector
    of the FAT table or the root directory, which every file on the volume
    shares (an erased half drops every entry in it), may lose the file and
    leave the volume unable to take the next write.
    """
    from vflash import PowerCut

    prepare, change, snapshot = case
    blank = _blank(kind, block, size)
    shared_end = _fat_shared_end(blank) if kind == "fat" else 0
    # Without a cut: the old and new snapshots, and the flash as it is before the change.
    storage = bytearray(blank)
    touched = set()
    try:
        bdev = _mount(kind, storage, block, erase)
        prepare()
        before = bytes(storage)
        old = snapshot()
        start = bdev.writes
        change()
        ops = bdev.writes - start
        new = snapshot()
    finally:
        _umount()
    assert old != new and ops > 0
    cuts = 0
    lost = 0
    while True:
        storage = bytearray(before)
        try:
            bdev = _mount(kind, storage, block, erase)
            start = bdev.writes
            bdev.cut_after_writes = start + cuts
            try:
                change()
            except PowerCut:
                pass
            # A cut the firmware swallowed (removing a file is allowed to fail) counts too:
            # the change completed only if it did every operation.
            completed = bdev.writes - start == ops
            torn = bdev.last
            bdev.detach()
        finally:
            _umount()
        shared = erase and torn < shared_end and not completed
        if not completed:
            touched.add(torn)
        try:
            _mount(kind, storage, block, erase)  # power is back
            got = snapshot()
            if completed:
                assert got == new, (kind, cuts, got)
                break
            if shared and got != old and got != new:
                lost += 1
            else:
                assert got == old or got == new, (kind, block, cuts, torn, got, old, new)
                try:
                    change()  # the filesystem and the file go on
                    assert snapshot() == new, (kind, cuts)
                except OSError:
                    assert shared, (kind, block, cuts, torn)
                    lost += 1
                    assert snapshot() in (old, new)  # a failed write loses nothing either
        finally:
            _umount()
        cuts += 1
    assert cuts == ops, (cuts, ops)  # every program/erase of the change was a cut point
    return cuts, lost, sorted(b for b in touched if b < shared_end)


def _every_fs(make_case):
    counts = []
    for name, kind, block, erase, size in FILESYSTEMS:
        for legacy in (False, True):
            n, lost, shared = _every_cut(kind, block, erase, size, make_case(7, legacy))
            counts.append("%s%s=%d (lost %d, FAT/root sectors written %r)"
                          % (name, " from-plain" if legacy else "", n, lost, shared))
            if not legacy:
                # Once both slots exist, a change writes nothing every file shares: no cut
                # can lose anything, on any filesystem.
                assert lost == 0 and shared == [], (name, lost, shared)
    print("power-cut points:", "; ".join(counts))


def test_bonds_survive_a_power_cut_at_every_flash_operation_on_littlefs_and_fat():
    _need_vfs()
    _every_fs(_bonds_case)


def test_settings_survive_a_power_cut_at_every_flash_operation_on_littlefs_and_fat():
    _need_vfs()
    _every_fs(_settings_case)


# -- the format, on the working directory's filesystem (both runtimes) --------------------

_PATH = "_atomicfile_test.json"
_A = _PATH + atomicfile.SLOTS[0] + atomicfile.RECORD
_B = _PATH + atomicfile.SLOTS[1] + atomicfile.RECORD


def _clean():
    import os

    for p in (_PATH, _A, _B, _PATH + atomicfile.LEGACY_TMP):
        try:
            os.remove(p)
        except OSError:
            pass
    for d in atomicfile.SLOTS:
        try:
            os.rmdir(_PATH + d)
        except OSError:
            pass


def _exists(p):
    import os

    try:
        os.stat(p)
        return True
    except OSError:
        return False


def _raw(p):
    with open(p, "rb") as f:
        return f.read()


def _put(p, data):
    with open(p, "wb") as f:
        f.write(data)


def _json(data):
    import json

    return json.loads(data)


def test_writes_alternate_slots_and_the_newest_whole_one_is_read():
    _clean()
    try:
        assert atomicfile.read(_PATH) is None
        rng = Rng(3)
        contents = [bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 300)))
                    for _ in range(6)]
        written = []
        for data in contents:
            atomicfile.write(_PATH, data)
            written.append(tuple(_raw(p) if _exists(p) else None for p in (_A, _B)))
            assert atomicfile.read(_PATH) == data
        assert not _exists(_PATH)  # nothing at the name itself: no plain file, no rename
        # Each write left the other slot as it was: the previous content is one slot away.
        for i in range(1, len(written)):
            unchanged = [written[i][s] == written[i - 1][s] for s in (0, 1)]
            assert unchanged.count(True) == 1, i
    finally:
        _clean()


def test_a_torn_or_corrupt_newest_slot_falls_back_to_the_older_never_a_crash():
    _clean()
    try:
        atomicfile.write(_PATH, b'{"old": 1}')
        atomicfile.write(_PATH, b'{"new": 2}')
        rec = _raw(_B)  # the second write went to the second slot
        for n in range(len(rec)):  # cut short at every byte
            _put(_B, rec[:n])
            assert atomicfile.read(_PATH) == b'{"old": 1}', n
        rng = Rng(11)
        for _ in range(40):  # one bit flipped anywhere
            i = rng.randint(0, len(rec) - 1)
            bad = bytearray(rec)
            bad[i] ^= 1 << rng.randint(0, 7)
            _put(_B, bad)
            assert atomicfile.read(_PATH) == b'{"old": 1}', i
        _put(_B, rec)
        assert atomicfile.read(_PATH) == b'{"new": 2}'
        # Both slots damaged: nothing, not an exception; and writing recovers.
        old = _raw(_A)
        _put(_A, old[: len(old) - 1])
        _put(_B, rec[:5])
        assert atomicfile.read(_PATH) is None
        atomicfile.write(_PATH, b"again")
        assert atomicfile.read(_PATH) == b"again"
    finally:
        _clean()


def test_the_old_plain_format_is_read_and_replaced_only_once_the_new_record_is_whole():
    _clean()
    try:
        _put(_PATH, b'{"plain": true}')  # today's firmware, or the host's mpremote cp
        assert atomicfile.read(_PATH) == b'{"plain": true}'
        atomicfile.write(_PATH, b'{"v": 1}')
        assert not _exists(_PATH) and atomicfile.read(_PATH) == b'{"v": 1}'
        atomicfile.write(_PATH, b'{"v": 2}')
        # A plain file put there later (by the host) is newer than any record: it wins.
        _put(_PATH, b'{"host": 3}')
        assert atomicfile.read(_PATH) == b'{"host": 3}'
        # ...unless it is not whole: then the newest record.
        _put(_PATH, b'{"host": ')
        assert atomicfile.read(_PATH, _json) == {"v": 2}
        _clean()
        # What a cut in the old firmware's remove-then-rename on FAT left: only NAME.tmp.
        _put(_PATH + atomicfile.LEGACY_TMP, b'{"tmp": 4}')
        assert atomicfile.read(_PATH, _json) == {"tmp": 4}
        atomicfile.write(_PATH, b'{"v": 5}')
        assert not _exists(_PATH + atomicfile.LEGACY_TMP)
        assert atomicfile.read(_PATH, _json) == {"v": 5}
    finally:
        _clean()


def test_bonds_and_settings_treat_a_corrupt_or_truncated_file_as_absent():
    _clean()
    try:
        store = BondStore(_PATH)
        store.set(1, b"\x01\x02", b"secret")
        assert len(BondStore(_PATH)) == 1
        assert BondStore(_PATH).get(1, None, b"\x01\x02") == b"secret"
        rec = _raw(_A)
        for n in range(len(rec)):
            _put(_A, rec[:n])
            assert len(BondStore(_PATH)) == 0, n
        for garbage in (b"[1, 2]", b"\xff" * 40, b'{"1:01": ', b"\x00"):
            _put(_A, garbage)  # garbage in the record
            assert len(BondStore(_PATH)) == 0, garbage
            _put(_PATH, garbage)  # and as a plain file
            assert len(BondStore(_PATH)) == 0, garbage
            import os

            os.remove(_PATH)
        _put(_PATH, b'{"1:01": "0203"}')  # a plain file of today's firmware
        assert BondStore(_PATH).get(1, None, b"\x01") == b"\x02\x03"
        _clean()
        settings.save(settings.Settings({"rate_hz": 52}), _PATH)
        s = settings.load(_PATH)
        assert s.rate_hz == 52 and s.problems == []
        rec = _raw(_A)
        for n in range(len(rec)):
            _put(_A, rec[:n])
            s = settings.load(_PATH)
            assert s.rate_hz == 104 and s.problems == [], n  # a torn record is no file
        _put(_PATH, b"{not json")  # a broken plain file is reported, as before
        s = settings.load(_PATH)
        assert s.rate_hz == 104 and "not valid JSON" in s.problems[0]
        _clean()
        assert settings.load(_PATH).problems == []
    finally:
        _clean()
