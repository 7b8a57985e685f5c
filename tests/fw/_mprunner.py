"""Run one firmware test module on MicroPython; one JSON line per test.

Used by tests/conftest.py: ``micropython _mprunner.py MODULE [TEST ...]``.
"""

import io
import json
import sys

import fwtest


def main(module_name, names):
    module = __import__(module_name)
    if not names:
        names = sorted(n for n in dir(module) if n.startswith("test_"))
    for name in names:
        fn = getattr(module, name)
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


main(sys.argv[1], sys.argv[2:])
