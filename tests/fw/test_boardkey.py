"""The board key's proof (korsetfw.boardkey): HMAC-SHA256 by the book, and the mutual
challenge-response built on it."""

from fwtest import raises

from korsetfw import boardkey


def _h(text):
    import binascii

    return binascii.unhexlify(text.replace(" ", ""))


def test_hmac_sha256_matches_rfc_4231():
    # RFC 4231 section 4.2 (test case 1), 4.3 (case 2) and 4.6 (case 5, truncated).
    assert boardkey.hmac_sha256(b"\x0b" * 20, b"Hi There") == _h(
        "b0344c61d8db38535ca8afceaf0bf12b 881dc200c9833da726e9376c2e32cff7")
    assert boardkey.hmac_sha256(b"Jefe", b"what do ya want for nothing?") == _h(
        "5bdcc146bf60754e6a042426089575c7 5a003f089d2739839dec58b964ec3843")
    assert boardkey.hmac_sha256(b"\x0c" * 20, b"Test With Truncation")[:16] == _h(
        "a3b6167473100ee06e0c796c2955552b")


def test_a_key_longer_than_a_block_is_refused():
    with raises(ValueError):
        boardkey.hmac_sha256(bytes(65), b"x")


def test_the_two_directions_macs_differ_and_depend_on_every_input():
    key = bytes(range(32))
    nb = bytes(range(16))
    nh = bytes(range(16, 32))
    host = boardkey.host_mac(key, nb, nh)
    board = boardkey.board_mac(key, nh, nb)
    assert len(host) == len(board) == boardkey.MAC_BYTES
    assert host != board  # the labels keep them apart: one is never the other's answer
    other_key = bytes([1]) + key[1:]
    assert boardkey.host_mac(other_key, nb, nh) != host
    assert boardkey.host_mac(key, nh, nb) != host  # nonces in order
    assert boardkey.host_mac(key, nb, bytes(16)) != host


def test_same_compares_whole_strings():
    assert boardkey.same(b"abcd", b"abcd")
    assert not boardkey.same(b"abcd", b"abce")
    assert not boardkey.same(b"abcd", b"abc")
    assert not boardkey.same(b"", b"a")


def test_key_files_round_trip_and_damaged_ones_are_refused():
    key = bytes(range(100, 132))
    text = boardkey.format_key(key)
    assert text.endswith("\n") and len(text.strip()) == 64
    assert boardkey.parse(text) == key
    assert boardkey.parse("  " + text.upper() + "\n") == key
    for bad in ("", text[:-3], text.strip() + "00", "zz" * 32):
        with raises(ValueError):
            boardkey.parse(bad)


def test_load_reads_the_key_file_and_says_none_for_a_missing_or_damaged_one():
    import os

    path = "boardkey-test.key"
    key = bytes(range(32))
    try:
        assert boardkey.load(path) is None
        with open(path, "w") as f:
            f.write(boardkey.format_key(key))
        assert boardkey.load(path) == key
        with open(path, "w") as f:
            f.write("not a key")
        assert boardkey.load(path) is None
    finally:
        try:
            os.remove(path)
        except OSError:
            pass
