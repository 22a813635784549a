#!/usr/bin/env python3
"""Differential corpus: bpfrt against the Linux kernel, frame by frame.

For every case in cases.txt (OBJECT PROGRAM PCAP):
  1. the kernel's answer comes from build/ttools/kernel_testrun (libbpf +
     BPF_PROG_TEST_RUN), run once per case;
  2. bpfrt's from `build/bpfrt test-run build/corpus/OBJECT --prog PROGRAM
     --pcap build/diff/PCAP --json --dump-maps --engine E [--check always]`
     per engine variant (ENGINE_ARGS);
  3. both outputs are parsed as JSON lines (format: docs/corpus.md) and
     compared: frame results by frame index, ringbuf records per frame and
     ring in order, map entries per map by key -- all exactly.

Captures are (re)written first with build/ttools/mkpcap into build/diff/.
Prints each mismatch (case, engine, frame, field, kernel vs bpfrt) and ends
with "diff: N passed, N failed, N skipped", counted per case x engine.
Exit status 1 when anything failed.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# Engine variants: verified programs run unchecked by default, on code whose
# context accesses the verifier rewrote; "checked" variants run the original
# code with every access checked and the context emulated.  All four must
# agree with the kernel.
ENGINE_ARGS = {
    "interp": ["--engine", "interp"],
    "jit": ["--engine", "jit"],
    "interp-checked": ["--engine", "interp", "--check", "always"],
    "jit-checked": ["--engine", "jit", "--check", "always"],
}
ENGINES = tuple(ENGINE_ARGS)
MAX_DIFFS = 25          # per case x engine; the rest is counted


def load_cases(path):
    cases = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 3:
                sys.exit("%s:%d: want OBJECT PROGRAM PCAP" % (path, n))
            cases.append(tuple(parts))
    return cases


class Parsed:
    """One side's output, split into what gets compared."""

    def __init__(self):
        self.frames = {}        # frame index -> dict (retval/verdict/data or error/errno)
        self.ringbuf = {}       # (frame, ring) -> [hex, ...] in order
        self.maps = {}          # map name -> {key hex: value hex or [hex per cpu]}
        self.map_order = []     # map names as they came
        self.bad = []           # lines that are not what the format says


def parse(text):
    p = Parsed()
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            j = json.loads(line)
        except ValueError:
            p.bad.append("line %d: not JSON: %s" % (n, line[:120]))
            continue
        if not isinstance(j, dict):
            p.bad.append("line %d: not an object: %s" % (n, line[:120]))
        elif "map" in j:
            name = j["map"]
            if name not in p.maps:
                p.maps[name] = {}
                p.map_order.append(name)
            val = j.get("values", j.get("value"))
            if j.get("key") in p.maps[name]:
                p.bad.append("line %d: map %s: key %s twice" % (n, name, j.get("key")))
            p.maps[name][j.get("key")] = val
        elif "ringbuf" in j:
            p.ringbuf.setdefault((j.get("frame"), j["ringbuf"]), []).append(j.get("data"))
        elif "frame" in j:
            if j["frame"] in p.frames:
                p.bad.append("line %d: frame %s twice" % (n, j["frame"]))
            p.frames[j["frame"]] = j
        else:
            p.bad.append("line %d: unknown record: %s" % (n, line[:120]))
    return p


def hexdiff(a, b):
    """Where two hex strings differ, in bytes."""
    if a is None or b is None:
        return "kernel %s, bpfrt %s" % (short(a), short(b))
    ba, bb = bytes.fromhex(a), bytes.fromhex(b)
    i = 0
    while i < min(len(ba), len(bb)) and ba[i] == bb[i]:
        i += 1
    msg = "%d vs %d bytes" % (len(ba), len(bb))
    if i < min(len(ba), len(bb)):
        msg += "; first difference at byte %d: kernel %s, bpfrt %s" % (
            i, ba[i:i + 8].hex(), bb[i:i + 8].hex())
    else:
        msg += "; equal for the first %d bytes" % i
    return msg


def short(v):
    s = json.dumps(v)
    return s if len(s) <= 80 else s[:77] + "..."


def compare(k, b):
    """List of human-readable differences (kernel k vs bpfrt b)."""
    d = []
    for msg in b.bad:
        d.append("bpfrt output: " + msg)
    for msg in k.bad:
        d.append("kernel output: " + msg)

    for fr in sorted(set(k.frames) | set(b.frames), key=lambda x: (str(type(x)), x)):
        kf, bf = k.frames.get(fr), b.frames.get(fr)
        if kf is None or bf is None:
            d.append("frame %s: only in %s" % (fr, "kernel" if bf is None else "bpfrt"))
            continue
        for field in sorted((set(kf) | set(bf)) - {"frame"}):
            kv, bv = kf.get(field), bf.get(field)
            if kv == bv:
                continue
            if field == "data" and isinstance(kv, str) and isinstance(bv, str):
                d.append("frame %s: data: %s" % (fr, hexdiff(kv, bv)))
            else:
                d.append("frame %s: %s: kernel %s, bpfrt %s" % (fr, field, short(kv), short(bv)))

    for key in sorted(set(k.ringbuf) | set(b.ringbuf), key=lambda x: (str(x[0]), x[1])):
        kr, br = k.ringbuf.get(key, []), b.ringbuf.get(key, [])
        if kr == br:
            continue
        fr, ring = key
        if len(kr) != len(br):
            d.append("frame %s: ringbuf %s: %d records in kernel, %d in bpfrt" % (fr, ring, len(kr), len(br)))
        for i, (x, y) in enumerate(zip(kr, br)):
            if x != y:
                d.append("frame %s: ringbuf %s record %d: %s" % (fr, ring, i, hexdiff(x, y)))

    for name in sorted(set(k.maps) | set(b.maps)):
        km, bm = k.maps.get(name), b.maps.get(name)
        if km is None or bm is None:
            d.append("map %s: only in %s" % (name, "kernel" if bm is None else "bpfrt"))
            continue
        for key in sorted(set(km) | set(bm), key=str):
            if key not in bm:
                d.append("map %s key %s: only in kernel (value %s)" % (name, key, short(km[key])))
            elif key not in km:
                d.append("map %s key %s: only in bpfrt (value %s)" % (name, key, short(bm[key])))
            elif km[key] != bm[key]:
                kv, bv = km[key], bm[key]
                if isinstance(kv, list) and isinstance(bv, list):
                    if len(kv) != len(bv):
                        d.append("map %s key %s: %d CPUs in kernel, %d in bpfrt" % (name, key, len(kv), len(bv)))
                    for c, (x, y) in enumerate(zip(kv, bv)):
                        if x != y:
                            d.append("map %s key %s cpu %d: %s" % (name, key, c, hexdiff(x, y)))
                elif isinstance(kv, str) and isinstance(bv, str):
                    d.append("map %s key %s: %s" % (name, key, hexdiff(kv, bv)))
                else:
                    d.append("map %s key %s: kernel %s, bpfrt %s" % (name, key, short(kv), short(bv)))
    return d


def run(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr
    except FileNotFoundError as e:
        return 127, "", str(e)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after 300 s"


def last_line(s):
    lines = [x for x in s.strip().splitlines() if x.strip()]
    return lines[-1] if lines else "(no message)"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--engine", choices=ENGINES + ("all",), default="all")
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.txt"))
    ap.add_argument("-k", "--filter", default="",
                    help="only cases whose line contains one of these comma-separated words")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    engines = ENGINES if args.engine == "all" else (args.engine,)
    oracle = os.path.join(build, "ttools", "kernel_testrun")
    mkpcap = os.path.join(build, "ttools", "mkpcap")
    bpfrt = os.path.join(build, "bpfrt")
    pcapdir = os.path.join(build, "diff")
    for tool in (oracle, mkpcap):
        if not os.access(tool, os.X_OK):
            sys.exit("diff: %s missing: run `make tests` first" % tool)
    rc, _, err = run([mkpcap, pcapdir])
    if rc != 0:
        sys.exit("diff: mkpcap failed: %s" % err.strip())

    passed = failed = skipped = 0
    unavailable = set()         # engines bpfrt said it does not have
    for obj, prog, pcap in load_cases(args.cases):
        name = "%s %s %s" % (obj, prog, pcap)
        if args.filter and not any(w in name for w in args.filter.split(",")):
            continue
        objpath = os.path.join(build, "corpus", obj)
        pcappath = os.path.join(pcapdir, pcap)

        krc, kout, kerr = run([oracle, objpath, prog, "--pcap", pcappath, "--dump-maps"])
        if krc == 77:
            print("diff: skipped: bpf() unavailable: %s: %s" % (name, last_line(kerr)))
            skipped += len(engines)
            continue
        if krc != 0:
            print("FAIL %s: kernel oracle exited %d: %s" % (name, krc, last_line(kerr)))
            failed += len(engines)
            continue
        kp = parse(kout)

        for eng in engines:
            label = "%s [%s]" % (name, eng)
            if eng in unavailable:
                skipped += 1
                continue
            brc, bout, berr = run([bpfrt, "test-run", objpath, "--prog", prog, "--pcap", pcappath,
                                   "--json", "--dump-maps"] + ENGINE_ARGS[eng])
            if brc != 0 and "not available" in berr.lower():
                print("diff: skipped: engine %s not available: %s" % (eng, last_line(berr)))
                unavailable.add(eng)
                skipped += 1
                continue
            if brc != 0:
                print("FAIL %s: bpfrt exited %d: %s" % (label, brc, last_line(berr)))
                failed += 1
                continue
            diffs = compare(kp, parse(bout))
            if diffs:
                print("FAIL %s: %d difference%s" % (label, len(diffs), "" if len(diffs) == 1 else "s"))
                for msg in diffs[:MAX_DIFFS]:
                    print("    " + msg)
                if len(diffs) > MAX_DIFFS:
                    print("    ... and %d more" % (len(diffs) - MAX_DIFFS))
                failed += 1
            else:
                if args.verbose:
                    print("ok   %s: %d frames" % (label, len(kp.frames)))
                passed += 1

    print("diff: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
