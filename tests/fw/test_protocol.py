"""The BLE protocol's literal wire format, pinned (on CPython and MicroPython).

A change here breaks every board or host in the field that speaks the other
version: it must come with a new PROTOCOL_VERSION.
"""

import struct

from korsetfw import protocol as p
from korsetfw import protocol_names as names
from korsetfw.linkstart import advertising_payloads


def test_version_and_uuids():
    assert p.PROTOCOL_VERSION == 2
    assert p.SERVICE_UUID == "4b530100-6b6f-7273-6574-2d6b6f727365"
    assert p.CONTROL_UUID == "4b530101-6b6f-7273-6574-2d6b6f727365"
    assert p.DATA_UUID == "4b530102-6b6f-7273-6574-2d6b6f727365"
    assert p.LIVE_UUID == "4b530103-6b6f-7273-6574-2d6b6f727365"
    assert (p.DEVICE_INFO_UUID, p.BATTERY_SERVICE_UUID, p.BATTERY_LEVEL_UUID) == (
        0x180A, 0x180F, 0x2A19)


def test_opcodes_and_status_codes():
    assert (p.INFO, p.SET_TIME, p.CONFIGURE, p.START, p.STOP, p.REFERENCE, p.LIVE,
            p.PROGRAMME) == (1, 2, 3, 4, 5, 6, 7, 8)
    assert (p.LIST, p.READ, p.ACK, p.CONFIRM, p.ERASE, p.FORGET, p.PAIRING, p.HELLO,
            p.AUTH) == (0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18)
    assert p.RESPONSE == 0x80
    assert (p.OK, p.UNKNOWN_OP, p.MALFORMED, p.BAD_STATE, p.NO_SESSION, p.HASH_MISMATCH,
            p.BUSY, p.NOT_AUTHORISED, p.STORAGE_ERROR, p.OUT_OF_RANGE, p.MTU_TOO_SMALL,
            p.INTERNAL_ERROR, p.NO_KEY, p.AUTH_FAILED) == tuple(range(14))
    assert set(names.OP_NAMES) == {1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
                               0x16, 0x17, 0x18}
    assert set(names.STATUS_NAMES) == set(range(14))


def test_struct_layouts_byte_for_byte():
    assert struct.pack(p.REQUEST_HEADER, p.READ, 9) == b"\x11\x09"
    assert struct.pack(p.RESPONSE_HEADER, p.READ | p.RESPONSE, 9, p.OK) == b"\x91\x09\x00"
    assert struct.pack(p.READ_REQ, 3, 0x0102, 4096) == (
        b"\x03\x00\x00\x00\x02\x01\x00\x00\x00\x10")
    assert struct.pack(p.READ_RESP, 3, 10, b"\xaa" * 32) == (
        b"\x03\x00\x00\x00\x0a\x00\x00\x00" + b"\xaa" * 32)
    assert struct.pack(p.ACK_REQ, 3, 480) == b"\x03\x00\x00\x00\xe0\x01\x00\x00"
    assert struct.pack(p.CONFIRM_REQ, 3, b"\x01" * 32) == b"\x03\x00\x00\x00" + b"\x01" * 32
    assert struct.pack(p.DATA_HEADER, 480) == b"\xe0\x01\x00\x00"
    assert struct.pack(p.EXERCISE_REQ, p.exercise_code("reps"), 25) == b"\x64\x19\x00"
    assert struct.pack(p.SET_TIME_REQ, 1764115200) == b"\x00\x43\x26\x69"
    assert struct.pack(p.LIST_RESP, 2, 1) + struct.pack(p.LIST_ENTRY, 7, 300, 1) == (
        b"\x02\x00\x01" + b"\x07\x00\x00\x00\x2c\x01\x00\x00\x01")
    assert struct.calcsize(p.INFO_RESP) == 30
    assert struct.pack(p.INFO_RESP, 2, 0, 1, 0, 3, 2, 100, 200, 67, 0, 5, 0x1234, 9) == (
        b"\x02\x00\x01\x00\x03\x02\x00" + b"\x64\x00\x00\x00" + b"\xc8\x00\x00\x00"
        + b"\x43" + b"\x00\x00\x00\x00" + b"\x05\x00\x00\x00" + b"\x34\x12"
        + b"\x09\x00\x00\x00")
    assert (p.INFO_FLAG_ERRORS, p.HELLO_FLAG_KEY, p.HELLO_FLAG_BONDS) == (32, 1, 2)
    assert struct.pack(p.HELLO_RESP, 2, 3, b"\x07" * 16) == b"\x02\x03" + b"\x07" * 16
    assert struct.pack(p.AUTH_REQ, b"\x01" * 16, b"\x02" * 16) == b"\x01" * 16 + b"\x02" * 16
    assert struct.pack(p.AUTH_RESP, b"\x03" * 16) == b"\x03" * 16
    assert struct.pack(p.LIVE_PACKET, 1000, -15, 52, 0, 2, 3, 7) == (
        b"\xe8\x03\x00\x00\xf1\xff\x34\x00\x00\x00\x02\x03\x07\x00")
    assert struct.pack(p.ERASE_REQ, p.ERASE_TOKEN) == b"WIPE"
    assert struct.calcsize(p.PROGRAMME_SET) == 14


def test_programme_sets_round_trip_and_bad_ones_are_refused():
    from fwtest import raises

    from korsetfw import catalogue as cat
    from korsetfw import programme

    leaflet = programme.ProgrammeSet(cat.get(5), {cat.FLEXION: 2.5}, None, 20, 3)
    wire = programme.pack(leaflet)
    assert wire == bytes((5, 1, cat.POSTURES.index(cat.get(5).posture), 1)) + \
        struct.pack("<HHH", 25, 0, 0) + bytes((0, 20, 3, 0))
    back = programme.unpack(wire)
    assert back.exercise is cat.get(5) and back.tolerance_deg == {cat.FLEXION: 2.5}
    assert (back.hold_s, back.holds) == (20, 3)
    custom = cat.Exercise("bridge", None, cat.REPS, cat.SUPINE, (cat.ROTATION, cat.LATERAL),
                          {cat.ROTATION: 4.0, cat.LATERAL: 5.0}, "Bridge", "Bro", "", "",
                          reps=(12, 15), sides=cat.ALTERNATE)
    back = programme.unpack(programme.pack(programme.ProgrammeSet(
        custom, custom.tolerance_deg, 15)), 1)
    ex = back.exercise
    assert (ex.kind, ex.posture, ex.sides, back.target_reps) == (
        cat.REPS, cat.SUPINE, cat.ALTERNATE, 15)
    assert set(ex.axes) == {cat.ROTATION, cat.LATERAL} and back.tolerance_deg == {
        cat.ROTATION: 4.0, cat.LATERAL: 5.0}
    body = bytes((2,)) + wire + programme.pack(programme.ProgrammeSet(custom, {}, 15))
    with raises(ValueError, match="tolerance"):
        programme.unpack_all(body)  # the custom set monitors axes with no tolerance
    with raises(ValueError, match="length"):
        programme.unpack_all(bytes((3,)) + wire)
    bad = bytearray(wire)
    bad[3] = 9  # an axis bit that does not exist
    with raises(ValueError):
        programme.unpack(bytes(bad))


def test_exercise_codes_round_trip():
    for key in (1, 5, 9, "reps", "hold"):
        assert p.exercise_from_code(p.exercise_code(key)) == key
    assert p.exercise_code("3") == 3


def test_data_overhead_at_the_negotiated_mtu():
    payload = p.ATT_MTU - 3
    assert p.DATA_HEADER_BYTES / payload < 0.03  # the 3 % bound


def test_advertising_fits_legacy_advertisements():
    adv, resp = advertising_payloads("Korset-0001")
    assert len(adv) <= 31 and len(resp) <= 31
    assert adv == b"\x02\x01\x06\x0c\x09Korset-0001"
    assert resp[:2] == b"\x11\x07" and resp[2:] == bytes(reversed(bytes.fromhex(
        p.SERVICE_UUID.replace("-", ""))))
