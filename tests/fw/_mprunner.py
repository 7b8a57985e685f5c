"""Run one firmware test module on MicroPython; one JSON line per test.

Used by tests/conftest.py: ``micropython _mprunner.py MODULE [TEST ...]`` on the
unix port; on the webassembly port ``_mpwasm.mjs`` imports this module and calls
``wasm_guards``, ``names_of`` and ``run_one`` (one test per runPython call).
"""

import io
import json
import sys

import fwtest


def names_of(module_name, names):
    module = __import__(module_name)
    if not names:
        names = sorted(n for n in dir(module) if n.startswith("test_"))
    return names


def run_one(module_name, name):
    fn = getattr(__import__(module_name), name)
    try:
        fn()
        outcome, detail = "passed", ""
    except fwtest.Skip as e:
        outcome, detail = "skipped", str(e)
    except BaseException as e:  # report everything, including MemoryError
        buf = io.StringIO()
        sys.print_exception(e, buf)
        outcome, detail = "failed", buf.getvalue()
    print("@@result " + json.dumps({"name": name, "outcome": outcome, "detail": detail}))


def main(module_name, names):
    for name in names_of(module_name, names):
        run_one(module_name, name)


class _Module:
    """A module stand-in: everything ``real`` has, except that using a name in
    ``missing`` skips the test with its reason instead of failing or hanging it.
    (Attributes copied, not looked up through ``__getattr__``: then a name the
    port lacks still fails ``from ... import`` with ImportError, as firmware's
    ``korsetfw`` expects of ``micropython.native``.)"""

    def __init__(self, real, missing):
        for name in dir(real):
            if not name.startswith("__"):
                setattr(self, name, getattr(real, name))
        for name, reason in missing.items():
            setattr(self, name, _Lacking(reason))


class _Lacking:
    """What the port lacks: calling it or any attribute of it skips the test."""

    def __init__(self, reason):
        self._reason = reason

    def __getattr__(self, name):
        raise fwtest.Skip(self._reason)

    def __call__(self, *args, **kwargs):
        raise fwtest.Skip(self._reason)


def wasm_guards():
    """On the webassembly port, tests that need what it lacks skip, with the reason.

    The test modules are shared with the other runtimes and check only "is this
    MicroPython"; the port's own gaps are stated here, once. ``import`` finds a
    module in ``sys.modules`` before the built-in one, so the stand-ins below are
    what the tests get.
    """
    import micropython
    import vfs

    sys.modules["micropython"] = _Module(micropython, {
        "heap_lock": "micropython.heap_lock() hangs on the webassembly port instead of "
                     "raising MemoryError (TOOLCHAIN.md); its allocation proof is "
                     "test_alloc32 (gc.mem_alloc)",
    })
    lacking = {}
    for name in ("VfsLfs1", "VfsLfs2", "VfsFat"):
        if not hasattr(vfs, name):
            lacking[name] = ("vfs.%s is not built into the webassembly port (it runs on the "
                             "unix port)" % name)
    sys.modules["vfs"] = _Module(vfs, lacking)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
