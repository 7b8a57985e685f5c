import array

from fwtest import raises

from korsetfw import align


def test_identity_alignment_keeps_samples():
    s = array.array("h", [1, 2, 3, 4, 5, 6])
    align.Aligner("+X+Y+Z").apply(s, 1)
    assert list(s) == [1, 2, 3, 4, 5, 6]


def test_alignment_moves_axes_and_signs_for_accel_and_gyro():
    # body x = -sensor Z, body y = +sensor Y, body z = +sensor X
    s = array.array("h", [10, 20, 30, 40, 50, 60, 1, 2, 3, 4, 5, 6])
    align.Aligner("-Z+Y+X").apply(s, 2)
    assert list(s) == [-30, 20, 10, -60, 50, 40, -3, 2, 1, -6, 5, 4]


def test_negating_full_scale_saturates():
    s = array.array("h", [-32768, 0, 0, 0, 0, 0])
    align.Aligner("-X-Y+Z").apply(s, 1)
    assert s[0] == 32767


def test_matrix_agrees_with_aligner():
    for text in ("+X+Y+Z", "-Z+Y+X", "+Y-X+Z", "-Y-Z+X"):
        m = align.matrix(text)
        s = array.array("h", [7, -11, 13, 0, 0, 0])
        align.Aligner(text).apply(s, 1)
        for i in range(3):
            assert s[i] == m[i][0] * 7 + m[i][1] * -11 + m[i][2] * 13


def test_mirror_and_malformed_alignments_are_rejected():
    with raises(ValueError, "mirror"):
        align.parse("-X+Y+Z")
    with raises(ValueError, "once"):
        align.parse("+X+X+Z")
    with raises(ValueError):
        align.parse("+X+Y")
    with raises(ValueError):
        align.parse("+X+Y*Z")
