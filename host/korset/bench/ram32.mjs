// The firmware's live heap on a 32-bit MicroPython (the webassembly port), from .mpy.
//
//     node ram32.mjs MICROPYTHON_MJS MPY_DIR VBOARD_MP_DIR SCRIPT SECONDS
//
// MPY_DIR holds korsetfw/*.mpy as flashed (mpy-cross, plain bytecode) and the board's
// board.json and korset.key, which go to the filesystem's root as flashing puts them; the simulated
// chip and bus come from VBOARD_MP_DIR as source. SCRIPT (ram32_board.py) is run in
// phases, each its own runPython() call, because the port's gc.collect() frees
// nothing inside one call (TOOLCHAIN.md): every figure is taken at the start of the
// call after the phase, the garbage of the phase collected.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [mjs, mpyDir, vboardDir, script, seconds] = process.argv.slice(2);
const { loadMicroPython } = await import(pathToFileURL(mjs).href);
const mp = await loadMicroPython({
  heapsize: 4 * 1024 * 1024,
  pystack: 64 * 1024,
  stdout: (line) => process.stdout.write(line + "\n"),
  stderr: (line) => process.stderr.write(line + "\n"),
});

function copyTree(hostDir, mpDir, suffixes) {
  mp.FS.mkdirTree(mpDir);
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    const from = path.join(hostDir, entry.name);
    const to = mpDir + "/" + entry.name;
    if (entry.isDirectory()) {
      if (entry.name !== "__pycache__") copyTree(from, to, suffixes);
    } else if (suffixes.some((s) => entry.name.endsWith(s))) {
      mp.FS.writeFile(to, fs.readFileSync(from));
    }
  }
}
copyTree(mpyDir, "/flash", [".mpy"]);
for (const name of ["board.json", "korset.key"]) {
  mp.FS.writeFile("/" + name, fs.readFileSync(path.join(mpyDir, name)));
}
copyTree(vboardDir, "/vboard", [".py"]);
mp.FS.writeFile("/ram32_board.py", fs.readFileSync(script));
mp.FS.mkdirTree("/data");

mp.runPython(
  "import sys\nsys.path[:] = ['/flash', '/vboard', '/']\nimport ram32_board as _b\n" +
    `_b.SECONDS = ${Number(seconds)}\n`,
);
for (;;) {
  mp.runPython("_b.measure()\n_more = _b.next_phase()\n");
  if (!mp.globals.get("_more")) break;
}
mp.runPython("_b.report()\n");
