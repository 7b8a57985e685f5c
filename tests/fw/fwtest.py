"""Helpers for firmware tests that run on CPython and on MicroPython alike.

Test modules in tests/fw/ use plain ``assert`` and these helpers only (no
pytest import), so that tests/conftest.py can run each test function under
both interpreters.
"""


class Skip(Exception):
    """Raised by a test to be reported as skipped, with its reason."""


def skip(reason):
    raise Skip(reason)


def is_micropython():
    import sys

    return sys.implementation.name == "micropython"


class raises:
    """``with raises(ValueError) as r:`` ... then ``r.value`` is the exception."""

    def __init__(self, exc_type, match=None):
        self.exc_type = exc_type
        self.match = match
        self.value = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            raise AssertionError("%s was not raised" % self.exc_type.__name__)
        if not issubclass(exc_type, self.exc_type):
            return False
        self.value = exc
        if self.match is not None and self.match not in str(exc):
            raise AssertionError("%r does not contain %r" % (str(exc), self.match))
        return True


def approx(a, b, tol):
    return abs(a - b) <= tol


class Rng:
    """A seeded xorshift32 generator: the same numbers on both runtimes
    (MicroPython's random module has no Random class)."""

    def __init__(self, seed):
        self.state = (seed * 2654435761 + 1) & 0xFFFFFFFF or 1

    def _next(self):
        x = self.state
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.state = x
        return x

    def randint(self, lo, hi):
        span = hi - lo + 1
        v = 0
        for _ in range((span.bit_length() if hasattr(span, "bit_length") else 64) // 32 + 1):
            v = (v << 32) | self._next()
        return lo + v % span
