#!/usr/bin/env python3
"""Assembles docs/benchmarks.md from the JSON results of scripts/bench.

usage: bench_report.py RESULTS_DIR DOCS_FILE ELAPSED_S "FAILED RUNS"

Everything above the line "<!-- analysis -->" in DOCS_FILE is regenerated;
what follows it (the hand-written profile notes) is kept.
"""
import glob
import json
import os
import platform
import subprocess
import sys

MARKER = "<!-- analysis -->"


def load(results):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        with open(path) as f:
            r = json.load(f)
        runs[(r["label"], r["target"])] = r
    return runs


def metric(r, name):
    for m in r.get("metrics", []):
        if m["name"] == name:
            return m["value"]
    return None


def latency(r, prefix):
    for name, l in r.get("latencies", []):
        if name.startswith(prefix):
            return l
    return None


def fmt(v, digits=0):
    if v is None:
        return "–"
    if isinstance(v, (int, float)):
        return f"{v:,.{digits}f}"
    return str(v)


def machine():
    nproc = os.cpu_count()
    mem = ""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                kib = int(line.split()[1])
                mem = f"{kib / 1024 / 1024:.1f} GiB"
                break
    kernel = platform.release()
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return nproc, mem, kernel, cpu


def git(*args):
    try:
        return subprocess.check_output(["git", *args], text=True, stderr=subprocess.DEVNULL).strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def targets(runs):
    """(target, measured, met?) rows for the issue-4 targets."""
    rows = []

    def add(what, value, ok):
        rows.append((what, value, "✅ met" if ok else ("❌ missed" if ok is False else "– not run")))

    s = runs.get(("sessions-18k", "arena"))
    if s:
        per = metric(s, "RSS per session after hold")
        closed = metric(s, "sessions closed by the server") or 0
        add("18,000 sessions, RSS ≤ 8 KiB/session after a minute of heartbeats",
            f"{fmt(metric(s, 'sessions'))} sessions, {fmt(per, 2)} KiB/session, {fmt(closed)} closed",
            per is not None and per <= 8 and closed == 0)
    else:
        add("18,000 sessions, RSS ≤ 8 KiB/session", "", None)

    for label, enc_floor in (("fanout-1k-msgpack", 1_500_000), ("fanout-1k-json", 1_000_000)):
        a, ref = runs.get((label, "arena")), runs.get((label, "reference"))
        if a:
            d = metric(a, "deliveries/s") or 0
            lost = metric(a, "lost")
            dup = metric(a, "duplicates")
            ratio = (d / metric(ref, "deliveries/s")) if ref and metric(ref, "deliveries/s") else None
            ok = d >= enc_floor and lost == 0 and dup == 0 and (ratio is None or ratio >= 0.8)
            add(f"{label}: ≥ {enc_floor:,} deliveries/s, zero loss, ≥ 80 % of reference",
                f"{fmt(d)}/s, lost {fmt(lost)}, dup {fmt(dup)}, {fmt(ratio * 100 if ratio else None, 1)} % of reference",
                ok)
    for label, limit in (("latency-1k", 15), ("latency-10k", 100)):
        a = runs.get((label, "arena"))
        if a:
            l = latency(a, "delivery")
            p99 = l["p99_ms"] if l else None
            lost = metric(a, "lost")
            add(f"{label}: 10 msgs/s, p99 ≤ {limit} ms send → delivery (commit included)",
                f"p99 {fmt(p99, 1)} ms, lost {fmt(lost)}", p99 is not None and p99 <= limit and lost == 0)
    p = runs.get(("persist-500", "arena"))
    if p:
        c = metric(p, "committed/s")
        add("≥ 20,000 committed messages/s", f"{fmt(c)}/s", c is not None and c >= 20_000)
    st = runs.get(("storm-10k", "arena"))
    if st:
        t = metric(st, "time until all resumed")
        lost = metric(st, "lost events")
        n = metric(st, "sessions")
        add("10,000 sessions resume within 10 s, zero loss",
            f"{fmt(n)} sessions in {fmt(t, 2)} s, lost {fmt(lost)}", t is not None and t <= 10 and lost == 0 and n >= 10_000)
    sa, sr = runs.get(("saturate-1k", "arena")), runs.get(("saturate-1k", "reference"))
    if sa:
        best = metric(sa, "highest sustained deliveries/s")
        ref_best = metric(sr, "highest sustained deliveries/s") if sr else None
        rows.append(("saturate (1,000 subscribers): highest sustained deliveries/s with p99 ≤ 100 ms and zero loss",
                     f"arena {fmt(best) if best else 'no step passed'}; reference {fmt(ref_best)}", "– reported"))
    sd = runs.get(("saturate-1k-dropped", "arena"))
    if sa and sd:
        best = metric(sa, "highest sustained deliveries/s")
        after = metric(sd, "highest sustained deliveries/s")
        ok = best is not None and after is not None and after >= 0.9 * best
        add("saturate right after 10,000 other sessions dropped: within 10 % of the clean run",
            f"{fmt(after) if after else 'no step passed'} vs {fmt(best)} deliveries/s"
            + (f" ({after / best * 100:.0f} %)" if best and after else ""), ok)
    sl = runs.get(("stalled-1k", "arena"))
    if sl:
        g = metric(sl, "server RSS growth (peak)")
        add("1,000 stalled readers raise RSS by ≤ 100 MiB", f"{fmt(g, 1)} MiB", g is not None and g <= 100)
    return rows


KEYS = [
    ("sessions-18k", "RSS per session after hold", "KiB/session", True),
    ("sessions-18k", "connect + identify rate", "sessions/s", False),
    ("stalled-1k", "server RSS growth (peak)", "MiB", True),
    ("fanout-1k-msgpack", "deliveries/s", "deliveries/s", False),
    ("fanout-1k-json", "deliveries/s", "deliveries/s", False),
    ("fanout-1k-msgpack", "server CPU per delivery", "ns", True),
    ("latency-1k", "p99", "ms", True),
    ("latency-10k", "p99", "ms", True),
    ("saturate-1k", "highest sustained deliveries/s", "deliveries/s", False),
    ("saturate-1k-dropped", "highest sustained deliveries/s", "deliveries/s", False),
    ("persist-500", "committed/s", "msgs/s", False),
]


def ratios(runs):
    rows = []
    for label, name, unit, lower_better in KEYS:
        a, r = runs.get((label, "arena")), runs.get((label, "reference"))
        if not a or not r:
            continue
        if name == "p99":
            va, vr = (latency(a, "delivery") or {}).get("p99_ms"), (latency(r, "delivery") or {}).get("p99_ms")
        else:
            va, vr = metric(a, name), metric(r, name)
        if va is None or vr is None or not vr:
            continue
        ratio = va / vr
        rows.append((f"{label}: {name}", fmt(va, 2 if va < 100 else 0), fmt(vr, 2 if vr < 100 else 0), unit,
                     f"{ratio:.2f}×" + (" (lower is better)" if lower_better else "")))
    a, big = runs.get(("sessions-18k", "arena")), runs.get(("sessions-18k-big-ready", "reference"))
    if a and big:
        va, vb = metric(a, "RSS per session after hold"), metric(big, "RSS per session after hold")
        if va and vb:
            rows.append(("sessions-18k vs a reference whose READY is as large as Arena's (50 channels)",
                         fmt(va, 2), fmt(vb, 2), "KiB/session", f"{va / vb:.2f}× (lower is better)"))
    return rows


def main():
    results, docs, elapsed, failed = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else ""
    runs = load(results)
    nproc, mem, kernel, cpu = machine()
    kept = ""
    if os.path.exists(docs):
        with open(docs) as f:
            text = f.read()
        if MARKER in text:
            kept = text[text.index(MARKER):]
    out = []
    out.append("# Benchmarks\n")
    out.append("Generated by `./scripts/bench` (numbers above the analysis are rewritten on every run). "
               "Server and load generator share the same machine; everything runs on loopback. "
               "Each scenario also runs against `arena-loadtest reference` — a minimal server speaking the same "
               "envelope with encode-once fan-out and no auth or persistence — so Arena is shown as a ratio of this "
               "stack's ceiling measured in the same run.\n")
    out.append("## Machine and build\n")
    out.append(f"- CPU: {nproc} × {cpu}" if cpu else f"- CPU: {nproc} cores")
    out.append(f"- memory: {mem}; kernel {kernel}; open-file hard limit 20,000 per process")
    out.append(f"- commit: `{git('rev-parse', '--short', 'HEAD')}` ({git('log', '-1', '--format=%s')})")
    only = os.environ.get("BENCH_ONLY", "")
    scope = f"groups `{only}` rerun in {elapsed} s; the other results are from the previous run into the same directory" if only else f"the whole set in {elapsed} s"
    out.append(f"- run time: {scope}; Postgres with fsync on (synchronous commit), "
               "`ARENA_FRAMES_PER_MINUTE=100000000` and `ARENA_MESSAGES_PER_SECOND=1000000` so load sessions are not rate limited; "
               "the server is built from the working tree at that commit")
    if failed.strip():
        out.append(f"- **failed runs:** {failed}")
    out.append("")
    out.append("## Targets (issue 4)\n")
    out.append("| target | measured | |")
    out.append("|---|---|---|")
    for what, value, ok in targets(runs):
        out.append(f"| {what} | {value} | {ok} |")
    out.append("")
    rr = ratios(runs)
    if rr:
        out.append("## Arena vs the reference server (same run)\n")
        out.append("| figure | arena | reference | unit | arena / reference |")
        out.append("|---|---:|---:|---|---|")
        for row in rr:
            out.append("| " + " | ".join(row) + " |")
        out.append("")
    out.append("## Runs\n")
    out.append("Each run's command (tokens and PIDs are filled in by scripts/bench) and results.\n")
    for (label, target), r in sorted(runs.items()):
        md = os.path.join(results, f"{label}-{target}-{r['encoding']}.md")
        if os.path.exists(md):
            with open(md) as f:
                text = f.read()
            # Temp paths and PIDs differ per run; keep the commands readable.
            out.append(text.replace(results, "$OUT"))
    body = "\n".join(out) + "\n"
    if not kept:
        kept = MARKER + "\n\n## Analysis\n\n(to be written: bottlenecks and profiles)\n"
    with open(docs, "w") as f:
        f.write(body + kept)


if __name__ == "__main__":
    main()
