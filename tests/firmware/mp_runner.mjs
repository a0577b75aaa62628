// Run firmware tests under real MicroPython (WebAssembly port) in Node.js.
// usage: node mp_runner.mjs <repo-root> <heap-bytes> tests <module>...
//        node mp_runner.mjs <repo-root> <heap-bytes> script <file.py>
//        node mp_runner.mjs <repo-root> <heap-bytes> stepped <file.py>
//   "stepped": the file defines _next() (True while work is left) and
//   _report(); each _next() is its own top-level call, because this port only
//   collects garbage between top-level calls (never inside one).
// Firmware logic goes to /app (as on the device), shared tests and their
// helpers to /, golden payloads to /golden.  Test results are printed as
// lines "@@ {json}"; everything else MicroPython prints passes through.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const [repo, heapArg, mode, ...rest] = process.argv.slice(2);
const require = createRequire(path.join(repo, "package.json"));
const pkg = path.dirname(require.resolve("@micropython/micropython-webassembly-pyscript/package.json"));
const { loadMicroPython } = await import(path.join(pkg, "micropython.mjs"));

const lines = [];
const mp = await loadMicroPython({
  heapsize: parseInt(heapArg, 10),
  stdout: (s) => process.stdout.write(s + "\n"),
  stderr: (s) => process.stderr.write(s + "\n"),
});

function copyDir(src, dst, pred) {
  try { mp.FS.mkdir(dst); } catch (e) { /* exists */ }
  for (const name of fs.readdirSync(src)) {
    if (pred(name)) mp.FS.writeFile(dst + "/" + name, fs.readFileSync(path.join(src, name)));
  }
}
// FW_APP_DIR: take /app from there instead (e.g. .mpy files from mpy-cross)
const appDir = process.env.FW_APP_DIR || path.join(repo, "firmware", "app");
copyDir(appDir, "/app", (n) => n.endsWith(".py") || n.endsWith(".mpy"));
copyDir(path.join(repo, "tests", "golden"), "/golden", (n) => n.endsWith(".json"));
// FW_ROOT_DIR: take the test helpers from there instead (precompiled .mpy)
const rootDir = process.env.FW_ROOT_DIR || path.join(repo, "tests", "firmware", "shared");
copyDir(rootDir, "/", (n) => n.endsWith(".py") || n.endsWith(".mpy"));
try { mp.FS.mkdir("/tmp"); } catch (e) { /* exists */ }

const driver = `
import os, sys, io, json
os.chdir("/")
def _run(mods):
    for m in mods:
        try:
            mod = __import__(m)
        except Exception as e:
            print("@@", json.dumps({"test": m + "::<import>", "ok": False, "err": repr(e)}))
            continue
        for name in sorted(dir(mod)):
            if not name.startswith("test_"):
                continue
            try:
                getattr(mod, name)()
                print("@@", json.dumps({"test": m + "::" + name, "ok": True}))
            except BaseException as e:
                buf = io.StringIO()
                sys.print_exception(e, buf)
                print("@@", json.dumps({"test": m + "::" + name, "ok": False, "err": buf.getvalue()}))
`;

try {
  if (mode === "tests") {
    mp.runPython(driver + "\n_run(" + JSON.stringify(rest) + ")\n");
  } else if (mode === "script") {
    mp.runPython(fs.readFileSync(rest[0], "utf8"));
  } else if (mode === "stepped") {
    mp.runPython(fs.readFileSync(rest[0], "utf8"));
    let n = 0;
    for (;;) {
      mp.runPython("_more = _next()");
      if (!mp.globals.get("_more")) break;
      if (++n > 100000) throw new Error("too many steps");
    }
    mp.runPython("_report()");
  } else {
    throw new Error("unknown mode " + mode);
  }
} catch (e) {
  process.stderr.write("PYTHON ERROR: " + (e.message || e) + "\n");
  process.exit(3);
}
