#!/usr/bin/env python3
"""Run the upstream bpf_conformance suite against bpfrt.

For every test in vectors.jsonl:
  1. assemble tests/<name> (its `-- asm` section) with `bpfrt asm` and check
     the bytes against the vector's `program` (our assembler vs upstream's);
  2. run those bytes through bpfrt-conformance-plugin, speaking the suite's
     plugin protocol, on every engine, and compare r0 with the vector.
Prints one line per failure and ends with "conformance: N passed, N failed".
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys
import tempfile


def hexbytes(b):
    # The protocol: each byte as two lowercase hex digits and two spaces.
    return "".join("%02x  " % x for x in b)


def asm_section(path):
    lines, on = [], False
    with open(path) as f:
        for line in f:
            if line.startswith("-- "):
                on = line.strip() == "-- asm"
                continue
            if on:
                lines.append(line)
    return "".join(lines)


def assemble(bpfrt, text):
    with tempfile.NamedTemporaryFile("w", suffix=".asm", delete=False) as f:
        f.write(text)
        src = f.name
    out = src + ".bin"
    try:
        p = subprocess.run([bpfrt, "asm", src, "-o", out], capture_output=True, text=True)
        if p.returncode != 0:
            return None, p.stderr.strip()
        with open(out, "rb") as f:
            return f.read(), None
    finally:
        for x in (src, out):
            if os.path.exists(x):
                os.unlink(x)


def run_plugin(plugin, engine, prog, mem):
    argv = [plugin] + ([hexbytes(mem)] if mem else []) + ["--engine", engine]
    p = subprocess.run(argv, input=hexbytes(prog) + "\n", capture_output=True,
                       text=True, timeout=60)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BPFRT_BUILD", "build"))
    ap.add_argument("--suite", default=os.environ.get("BPFRT_CONFORMANCE_DIR",
                                                      "../shared/conformance"))
    ap.add_argument("--engines", default="interp,interp-switch,jit")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()

    vec_path = os.path.join(args.suite, "vectors.jsonl")
    if not os.path.exists(vec_path):
        print("conformance: suite not found at %s (set BPFRT_CONFORMANCE_DIR)" % args.suite)
        print("conformance: 0 passed, 1 failed")
        return 1
    vectors = [json.loads(l) for l in open(vec_path) if l.strip()]
    bpfrt = os.path.join(args.build, "bpfrt")
    plugin = os.path.join(args.build, "bpfrt-conformance-plugin")

    engines = []
    skipped = 0
    for e in args.engines.split(","):
        # An engine the build does not have (the JIT before it lands) says so
        # on a trivial program; report it as skipped rather than failing 313x.
        rc, out, err = run_plugin(plugin, e, bytes.fromhex("b7000000000000009500000000000000"), b"")
        if rc != 0 and "not available" in (out + err):
            print("conformance: engine %s skipped: %s" % (e, (err or out).splitlines()[0]))
            skipped += len(vectors)
        else:
            engines.append(e)

    def one(v):
        fails = []
        name = v["name"]
        want_prog = bytes.fromhex(v["program"])
        got, err = assemble(bpfrt, asm_section(os.path.join(args.suite, "tests", name)))
        if got is None:
            fails.append("%s: assembler error: %s" % (name, err))
        elif got != want_prog:
            fails.append("%s: assembled %s, upstream %s" % (name, got.hex(), want_prog.hex()))
        mem = bytes.fromhex(v["mem"]) if v["mem"] else b""
        res = []
        for e in engines:
            rc, out, err = run_plugin(plugin, e, want_prog, mem)
            if v.get("error"):
                ok = rc != 0
            else:
                try:
                    ok = rc == 0 and int(out, 16) == v["result"]
                except ValueError:
                    ok = False
            res.append(ok)
            if not ok:
                fails.append("%s [%s]: rc=%d out=%r err=%r want %s" %
                             (name, e, rc, out, err, hex(v["result"] or 0)))
        return fails, res, got is not None and got == want_prog

    passed = failed = 0
    with cf.ThreadPoolExecutor(args.j) as ex:
        for fails, res, asm_ok in ex.map(one, vectors):
            for f in fails:
                print("FAIL " + f)
            passed += sum(res) + (1 if asm_ok else 0)
            failed += len(res) - sum(res) + (0 if asm_ok else 1)
    print("conformance: %d tests x (assembler + %d engines: %s)" %
          (len(vectors), len(engines), ",".join(engines)))
    line = "conformance: %d passed, %d failed" % (passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
