"""The button (korsetfw.button): debounced short presses on release, long ones at 2 s."""

from korsetfw.button import DEBOUNCE_MS, LONG, LONG_PRESS_MS, SHORT, Button


class _Pin:
    def __init__(self):
        self.level = 1  # released: pulled up

    def value(self):
        return self.level


class _Ticks:
    def __init__(self):
        self.now = 0

    def ticks_ms(self):
        return self.now

    def ticks_diff(self, a, b):
        return a - b


def _drive(levels_ms):
    """Feed (level, ms) steps one ms at a time; what the button reported, with when."""
    pin, ticks = _Pin(), _Ticks()
    button = Button(pin, True, ticks)
    got = []
    for level, ms in levels_ms:
        for _ in range(ms):
            pin.level = level
            ticks.now += 1
            press = button.poll()
            if press:
                got.append((press, ticks.now))
    return got


def test_a_short_press_is_reported_once_on_release():
    got = _drive([(1, 50), (0, 300), (1, 100)])
    assert [p for p, _ in got] == [SHORT]
    assert 350 + DEBOUNCE_MS <= got[0][1] <= 352 + DEBOUNCE_MS


def test_bounces_shorter_than_the_debounce_are_no_press():
    bounces = [(0, 3), (1, 4)] * 10  # a contact chattering for 70 ms
    assert _drive([(1, 50)] + bounces + [(1, 200)]) == []


def test_a_long_hold_is_a_long_press_at_two_seconds_and_no_short_one():
    got = _drive([(1, 50), (0, LONG_PRESS_MS + 500), (1, 100)])
    assert [p for p, _ in got] == [LONG]
    assert abs(got[0][1] - (50 + LONG_PRESS_MS)) <= 2


def test_a_bouncing_release_still_gives_one_press():
    got = _drive([(1, 50), (0, 300), (1, 2), (0, 2), (1, 2), (0, 1), (1, 200)])
    assert [p for p, _ in got] == [SHORT]
