// Run one firmware test module on MicroPython's webassembly port (wasm32: 31-bit
// small ints, like every MCU port), one "@@result" JSON line per test.
//
// Used by tests/conftest.py:
//     node _mpwasm.mjs MICROPYTHON_MJS REPO MODULE [TEST ...]
//
// MICROPYTHON_MJS is micropython.mjs of npm @micropython/micropython-webassembly-pyscript
// (installed by dev.py). The port has no filesystem of the host's, so firmware/,
// tests/fw/ and host/korset/vboard/mp/ are copied into its Emscripten filesystem
// (the same three directories, in the same order, as MICROPYPATH for the unix
// port). Each test runs in its own runPython() call: inside one call the port's
// gc.collect() frees nothing (TOOLCHAIN.md, "A 32-bit MicroPython"), so garbage
// left by one test is reclaimed only between calls.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [mjs, repo, moduleName, ...names] = process.argv.slice(2);
if (!moduleName) {
  console.error("usage: node _mpwasm.mjs MICROPYTHON_MJS REPO MODULE [TEST ...]");
  process.exit(2);
}

const { loadMicroPython } = await import(pathToFileURL(mjs).href);
const mp = await loadMicroPython({
  // The unix port's tests run with an 8 MB heap; the same here.
  heapsize: 8 * 1024 * 1024,
  pystack: 64 * 1024,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});

// Source files only: no caches, no binaries the port cannot use.
function copyTree(hostDir, mpDir) {
  mp.FS.mkdirTree(mpDir);
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    const from = path.join(hostDir, entry.name);
    const to = mpDir + "/" + entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== "__pycache__") copyTree(from, to);
    } else if (entry.name.endsWith(".py") || entry.name.endsWith(".json")) {
      mp.FS.writeFile(to, fs.readFileSync(from));
    }
  }
}

const dirs = [
  [path.join(repo, "tests", "fw"), "/tests/fw"],
  [path.join(repo, "firmware"), "/firmware"],
  [path.join(repo, "host", "korset", "vboard", "mp"), "/vboard"],
];
for (const [from, to] of dirs) copyTree(from, to);
// Board definitions, where tests open them (../../boards from the working directory).
copyTree(path.join(repo, "boards"), "/boards");

const py = (s) => JSON.stringify(s); // a JSON string is a valid Python string literal
let code = 0;
try {
  mp.runPython(
    "import sys, os\n" +
      `sys.path[:] = ${py(dirs.map(([, to]) => to))}\n` +
      "os.chdir('/tests/fw')\n" + // the working directory of the other runtimes' runs
      "import _mprunner\n" +
      "_mprunner.wasm_guards()\n" +
      `_names = _mprunner.names_of(${py(moduleName)}, ${py(names)})\n` +
      "_count = len(_names)\n",
  );
  const count = mp.globals.get("_count"); // runPython() returns no value
  for (let i = 0; i < count; i++) {
    mp.runPython(`_mprunner.run_one(${py(moduleName)}, _names[${i}])`);
  }
} catch (e) {
  // An error outside any test (the module did not import): conftest shows this.
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  code = 1;
}
process.exit(code);
