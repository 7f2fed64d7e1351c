#!/usr/bin/env python3
"""Runs a command several times and prints one JSON line: median/min/max wall time (ms), the largest peak RSS (KiB)
of any run (from wait4's rusage, so it covers the measured process itself, JVM included), and the exit codes.

usage: measure.py RUNS [--stdin FILE] -- COMMAND [ARGS...]

The last run's stdout and stderr (their last 64 KiB) are in the JSON too: Kafka's JVM tools exit 0 on many
failures, so a caller reads what they said.
"""
import json
import os
import statistics
import sys
import time


def main():
    args = sys.argv[1:]
    runs = int(args.pop(0))
    stdin_path = None
    if args[0] == "--stdin":
        args.pop(0)
        stdin_path = args.pop(0)
    if args.pop(0) != "--":
        sys.exit("usage: measure.py RUNS [--stdin FILE] -- COMMAND [ARGS...]")
    walls, rss, codes = [], 0, set()
    out_path, err_path = f"/tmp/measure-{os.getpid()}.out", f"/tmp/measure-{os.getpid()}.err"
    for _ in range(runs):
        stdin = os.open(stdin_path or os.devnull, os.O_RDONLY)
        out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os.dup2(stdin, 0)
            os.dup2(out, 1)
            os.dup2(err, 2)
            try:
                os.execvp(args[0], args)
            finally:
                os._exit(127)
        _, status, usage = os.wait4(pid, 0)
        walls.append((time.perf_counter() - started) * 1000)
        for fd in (stdin, out, err):
            os.close(fd)
        rss = max(rss, usage.ru_maxrss)
        codes.add(os.waitstatus_to_exitcode(status))
    print(json.dumps({
        "median_ms": round(statistics.median(walls), 1),
        "min_ms": round(min(walls), 1),
        "max_ms": round(max(walls), 1),
        "peak_rss_kib": rss,
        "runs": runs,
        "exit_codes": sorted(codes),
        "last_stdout": tail(out_path),
        "last_stderr": tail(err_path),
    }))
    os.remove(out_path)
    os.remove(err_path)


def tail(path):
    with open(path, "rb") as f:
        data = f.read()
    return data[-65536:].decode("utf-8", "replace")


if __name__ == "__main__":
    main()
