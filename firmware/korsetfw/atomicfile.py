"""Small files rewritten at runtime, kept whole through a power cut on LittleFS and FAT.

``write(path, data)`` and ``read(path, parse)`` keep a small file (bonds,
settings) so that a power cut at any moment leaves either the old content or
the new one, never neither and never a mix.

Why not a temporary file renamed over the old one: that is atomic on
LittleFS, but on FAT (the Arduino Nano RP2040 Connect formats its flash as
FAT, ports/rp2/modules/_boot_fat.py) MicroPython's rename over an existing
file is "f_rename, on FR_EXIST remove the target, f_rename again"
(extmod/vfs_fat.c, fat_vfs_rename), and FatFs's f_rename itself writes the
new directory entry and removes the old one (lib/oofatfs/ff.c, f_rename). A
cut after the remove and before the second rename leaves no file at the
name; and on FAT a rename rewrites a directory sector that also holds the
temporary file's entry.

So nothing is renamed. The content lives in two slots, ``path + ".a/rec"``
and ``path + ".b/rec"``, each a self-checking record (magic, format,
sequence number, length, CRC-32). A write overwrites, in place, the slot that
does *not* hold the newest intact record, with the next sequence number; a
read takes the intact record with the highest number. While one slot is
being written nothing the other slot's content depends on changes value:
its data cluster, its FAT entry (for a file of one cluster the end-of-chain
mark, 0xFFF or 0xFFFF, the same bits as erased flash) and its directory
entry, which lives in another directory's cluster. That matters on the
Nano, whose ``rp2.Flash`` writes a sector by erasing it first
(ports/rp2/rp2_flash.c), so a cut tears a directory sector into erased and
written halves and every entry in it can go: two files in one directory
would be lost together. FatFs truncates by zeroing the entry's cluster and
size first and frees the chain after, and writes data, then FAT, then the
entry (lib/oofatfs/ff.c, f_open with FA_CREATE_ALWAYS, f_sync), so the slot
being written reads as empty, torn (failing its CRC) or whole; and once a
slot exists it is overwritten in place, which leaves the FAT table alone. On LittleFS
a file's new content becomes visible only when it is closed (copy-on-write),
so there each slot is even safe on its own.

The two directories are made by the first write, before any record exists;
after that no write touches the parent directory. The old format (a plain
JSON file at ``path``, as earlier firmware and the host's ``mpremote cp``
write it) is still read: a plain file at ``path`` wins over the records,
since it can only be newer than them (something other than this module put
it there), and a write removes it only once the new record is whole. A plain
``path + ".tmp"`` (what the earlier firmware's rename left when a cut hit it
on FAT) is the last resort, and the next write removes it.

Nothing runs at import time; everything allocates (only the slow path uses
it: pairing, the host changing settings).
"""

import struct

_MAGIC = b"\xabKF"  # not how any JSON text starts: tells a record from a plain file
_VERSION = 1
_HEAD = "<3sBII"  # magic, version, sequence number, payload length
_HEAD_BYTES = 12
_CRC_BYTES = 4
SLOTS = (".a", ".b")  # directories beside ``path``, one record file in each
RECORD = "/rec"
LEGACY_TMP = ".tmp"


def _crc(data):
    import binascii

    return binascii.crc32(data) & 0xFFFFFFFF


def _load(path):
    """The bytes of ``path``, or None when it cannot be read."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _record(raw):
    """(sequence, payload) of an intact record, else None (torn, truncated, foreign)."""
    if raw is None or len(raw) < _HEAD_BYTES + _CRC_BYTES or raw[:3] != _MAGIC:
        return None
    magic, version, seq, n = struct.unpack_from(_HEAD, raw, 0)
    # Longer is fine: a slot is overwritten in place and never shrinks (see write).
    if version != _VERSION or len(raw) < _HEAD_BYTES + n + _CRC_BYTES:
        return None
    end = _HEAD_BYTES + n
    if struct.unpack_from("<I", raw, end)[0] != _crc(memoryview(raw)[:end]):
        return None
    return seq, bytes(raw[_HEAD_BYTES:end])


def _is_plain(raw):
    """A file in the old format: something there that is not a record, not even a torn one."""
    return raw is not None and len(raw) > 0 and raw[:3] != _MAGIC[:len(raw)]


def _state(path):
    """What is on the flash: (plain bytes at path or None, [(seq, payload, slot)], newest first)."""
    records = []
    plain = None
    raw = _load(path)
    if _is_plain(raw):
        plain = raw
    for suffix in SLOTS:
        r = _record(_load(path + suffix + RECORD))
        if r is not None:
            records.append((r[0], r[1], suffix))
    records.sort(key=lambda r: r[0], reverse=True)  # newest first
    return plain, records


def _accept(parse, data):
    if parse is None:
        return True, data
    try:
        return True, parse(data)
    except ValueError:  # json.loads raises ValueError on both runtimes
        return False, None


def read(path, parse=None):
    """The newest whole content of ``path`` (``parse(bytes)`` of it when given), or None.

    ``parse`` rejects a candidate by raising ValueError (say, plain JSON cut
    short); the next candidate is tried: the plain file, the records newest
    first, the earlier firmware's temporary file. Never raises for what is on
    the flash: a corrupt or truncated file counts as absent.
    """
    plain, records = _state(path)
    candidates = [plain] if plain is not None else []
    candidates += [r[1] for r in records]
    tmp = _load(path + LEGACY_TMP)
    if tmp:  # an empty one is a cut before anything was written
        candidates.append(tmp)
    for data in candidates:
        ok, value = _accept(parse, data)
        if ok:
            return value
    return None


def _remove(path):
    import os

    try:
        os.remove(path)
    except OSError:
        pass


def write(path, data):
    """Replace the content of ``path`` by ``data`` (bytes), whole or not at all."""
    import os

    plain, records = _state(path)
    seq = records[0][0] + 1 if records else 1
    # Not the slot of the newest record: that one is the content until this one is whole.
    suffix = SLOTS[1] if records and records[0][2] == SLOTS[0] else SLOTS[0]
    for d in SLOTS:
        # Both directories before the first record: later writes never touch the parent.
        try:
            os.stat(path + d)
        except OSError:
            os.mkdir(path + d)
    n = len(data)
    head = struct.pack(_HEAD, _MAGIC, _VERSION, seq, n)
    body = head + bytes(data)
    rec = body + struct.pack("<I", _crc(body))
    slot = path + suffix + RECORD
    try:
        # In place, not truncated: while the record fits the clusters the slot already
        # has, FatFs writes only its data and its own directory entry, never the FAT
        # table that every file's cluster chain lives in (a torn, erased half of that
        # sector would mark free clusters used and cut longer files' chains).
        f = open(slot, "r+b")
    except OSError:
        f = open(slot, "wb")  # the first record in this slot
    with f:
        f.write(rec)
    if plain is not None:
        # Only now the old-format file may go: until here it was the content.
        _remove(path)
    _remove(path + LEGACY_TMP)
