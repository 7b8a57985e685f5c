from fwtest import raises

from korsetfw import catalogue as cat


def test_nine_leaflet_exercises_and_two_generic_kinds():
    numbered = [ex.number for ex in cat.EXERCISES if ex.number is not None]
    assert numbered == list(range(1, 10))
    assert cat.get("reps").kind == cat.REPS and cat.get("hold").kind == cat.HOLD
    keys = [ex.key for ex in cat.EXERCISES]
    assert len(set(keys)) == len(keys)


def test_every_exercise_is_complete_and_consistent():
    for ex in cat.EXERCISES:
        assert ex.kind in cat.KINDS and ex.posture in cat.POSTURES, ex
        assert ex.sides in (cat.ONE_SIDE, cat.ALTERNATE), ex
        for axis in ex.axes:
            assert axis in cat.AXES and 1.0 <= ex.tolerance_deg[axis] <= 15.0, ex
        assert sorted(ex.tolerance_deg) == sorted(ex.axes), ex
        for text in (ex.name_en, ex.name_da, ex.how_en, ex.how_da):
            assert len(text) > 10, ex
        if ex.kind == cat.REPS:
            assert ex.reps is not None and ex.hold_s is None and ex.reps[0] <= ex.reps[1], ex
        else:
            assert ex.hold_s is not None and ex.holds >= 1 and ex.reps is None, ex
        if ex.posture != cat.ANY:
            up = cat.POSTURE_UP[ex.posture]
            assert sum(c * c for c in up) == 1


def test_doses_follow_the_leaflet():
    assert cat.get(1).holds == 10 and cat.get(1).hold_s == (12, 16)  # 3-4 breaths
    assert cat.get(5).hold_s == (15, 20)
    for n in (3, 4, 6, 7):
        assert cat.get(n).reps == (15, 20)
    assert cat.get(3).posture == cat.QUADRUPED and cat.get(9).posture == cat.SIDE_LYING
    assert cat.get(8).axes[0] == cat.ROTATION and cat.get(9).axes == (cat.ROTATION,)


def test_lookup_by_number_text_or_key():
    assert cat.get("3") is cat.get(3) is cat.get("rock_back")
    with raises(KeyError):
        cat.get(10)
    with raises(KeyError):
        cat.get("plank")
