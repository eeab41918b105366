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


def status(ok):
    """✅/❌ for a judged target, "– not run" for None; a text is shown as it is."""
    if isinstance(ok, str):
        return ok
    return "✅ met" if ok else ("❌ missed" if ok is False else "– not run")


def missing(a, r):
    """What is missing of an arena/reference pair (shown when a row cannot be judged)."""
    if not a and not r:
        return ""
    return "arena run missing" if not a else "reference run missing"


def p99(r, prefix):
    l = latency(r, prefix) if r else None
    return l["p99_ms"] if l else None


def pct(a, b):
    return f"{a / b * 100:.1f} %" if a is not None and b else "–"


def per_s(v):
    return f"{fmt(v)}/s" if v is not None else "–"


def best(v):
    """A saturation's highest sustained deliveries/s, or why there is none."""
    return f"{fmt(v)}/s" if v is not None else "no step passed"


ENCODINGS = ("msgpack", "json")


def targets14(runs):
    """(target, measured, status) rows for the issue-14 targets, in the issue's order."""
    rows = []

    def add(what, value, ok):
        rows.append((what, value, status(ok)))

    # Saturated 1,000-subscriber fan-out >= 80 % of the reference, per encoding.
    for enc in ENCODINGS:
        label = f"saturate-1k-{enc}"
        a, r = runs.get((label, "arena")), runs.get((label, "reference"))
        what = f"{label}: saturated 1,000-subscriber fan-out ≥ 80 % of the reference (highest sustained deliveries/s, p99 ≤ 100 ms, zero loss)"
        if not a or not r:
            add(what, missing(a, r), None)
            continue
        va = metric(a, "highest sustained deliveries/s")
        vr = metric(r, "highest sustained deliveries/s")
        if va is None:
            ok = False  # not even the first step held
        elif vr is None:
            ok = "– reference: no step passed"
        else:
            ok = va >= 0.8 * vr
        add(what, f"arena {best(va)}, reference {best(vr)} (deliveries/s; {pct(va, vr)} of the reference)", ok)

    # 10,000 subscribers at 10 msg/s: p99 <= 1.25x the reference and <= 100 ms, per encoding.
    for enc in ENCODINGS:
        label = f"latency-10k-{enc}"
        a, r = runs.get((label, "arena")), runs.get((label, "reference"))
        what = f"{label}: 10,000 subscribers at 10 msgs/s, p99 send → delivery ≤ 1.25× the reference and ≤ 100 ms, zero loss"
        if not a or not r:
            add(what, missing(a, r), None)
            continue
        pa, pr = p99(a, "delivery"), p99(r, "delivery")
        lost = metric(a, "lost")
        ratio = f"{pa / pr:.2f}×" if pa is not None and pr else "–"
        add(what, f"arena p99 {fmt(pa, 1)} ms, reference {fmt(pr, 1)} ms ({ratio}), lost {fmt(lost)}",
            pa is not None and pr is not None and pa <= 1.25 * pr and pa <= 100 and lost == 0)

    # <= 8 KiB per idle session at 18,000 sessions.
    s = runs.get(("sessions-18k", "arena"))
    what = "sessions-18k: ≤ 8 KiB per idle session at 18,000 sessions (after a minute of heartbeats), none closed"
    if s:
        per = metric(s, "RSS per session after hold")
        closed = metric(s, "sessions closed by the server")
        n = metric(s, "sessions")
        add(what, f"{fmt(n)} sessions, {fmt(per, 2)} KiB/session, {fmt(closed)} closed",
            per is not None and per <= 8 and closed == 0 and n is not None and n >= 18_000)
    else:
        add(what, "", None)

    # >= 5,000 IDENTIFY/s.
    r = runs.get(("sessions-18k", "reference"))
    what = "sessions-18k: ≥ 5,000 IDENTIFY/s (connect + identify rate of 18,000 members)"
    if s:
        rate = metric(s, "connect + identify rate")
        rr = metric(r, "connect + identify rate") if r else None
        add(what, f"{per_s(rate)} (reference {per_s(rr)}, {pct(rate, rr)})", rate is not None and rate >= 5_000)
    else:
        add(what, "", None)
    one_a, one_r = runs.get(("sessions-10k-one-member", "arena")), runs.get(("sessions-10k-one-member", "reference"))
    what = "sessions-10k-one-member: 10,000 sessions of one member connect as fast as many members (vs sessions-18k)"
    if one_a:
        ra, rr = metric(one_a, "connect + identify rate"), metric(one_r, "connect + identify rate") if one_r else None
        closed = metric(one_a, "sessions closed by the server")
        many_a = metric(s, "connect + identify rate") if s else None
        many_r = metric(r, "connect + identify rate") if r else None
        # Each figure against the reference of its own scenario, then one member against many.
        x_one = ra / rr if ra is not None and rr else None
        x_many = many_a / many_r if many_a is not None and many_r else None
        value = (f"one member × 10,000: {per_s(ra)} (reference {per_s(rr)}, {fmt(x_one, 2)}×), {fmt(closed)} closed; "
                 f"18,000 members: {per_s(many_a)} (reference {per_s(many_r)}, {fmt(x_many, 2)}×)")
        if x_one is not None and x_many:
            value += f"; one member / many members, each against its reference: {x_one / x_many:.2f}"
        rows.append((what, value, "– reported"))
    else:
        rows.append((what, "", status(None)))

    # The dropped-sessions scenario within 10 % of the clean one (same encoding).
    clean, after = runs.get(("saturate-1k-msgpack", "arena")), runs.get(("saturate-1k-dropped-msgpack", "arena"))
    what = "saturate-1k-dropped-msgpack: saturation right after 10,000 other sessions dropped within 10 % of saturate-1k-msgpack"
    if clean and after:
        vc = metric(clean, "highest sustained deliveries/s")
        vd = metric(after, "highest sustained deliveries/s")
        ok = vc is not None and vd is not None and vd >= 0.9 * vc
        if vc is None and vd is None:
            ok = "– no step passed in either"
        add(what, f"{best(vd)} after {fmt(metric(after, 'dropped sessions'))} dropped vs {best(vc)} clean "
            f"(deliveries/s; {pct(vd, vc)})", ok)
    else:
        add(what, "dropped run missing" if clean else "clean run missing" if after else "", None)

    # message.create p99 at 1,000 subscribers <= 15 ms, Postgres commit included, per encoding.
    for enc in ENCODINGS:
        label = f"latency-1k-{enc}"
        a, r = runs.get((label, "arena")), runs.get((label, "reference"))
        what = f"{label}: message.create at 1,000 subscribers, p99 send → delivery ≤ 15 ms (Postgres commit included), zero loss"
        if not a:
            add(what, "", None)
            continue
        pd, pk = p99(a, "delivery"), p99(a, "ack")
        lost = metric(a, "lost")
        add(what, f"delivery p99 {fmt(pd, 1)} ms, ack p99 {fmt(pk, 1)} ms, lost {fmt(lost)} "
            f"(reference: delivery p99 {fmt(p99(r, 'delivery'), 1)} ms, ack p99 {fmt(p99(r, 'ack'), 1)} ms)",
            pd is not None and pd <= 15 and lost == 0)
    return rows


def targets4(runs):
    """(target, measured, status) rows for the other standing targets (issue 4)."""
    rows = []

    def add(what, value, ok):
        rows.append((what, value, status(ok)))

    for label, enc_floor in (("fanout-1k-msgpack", 1_500_000), ("fanout-1k-json", 1_000_000)):
        a, ref = runs.get((label, "arena")), runs.get((label, "reference"))
        what = f"{label}: ≥ {enc_floor:,} deliveries/s, zero loss, ≥ 80 % of reference"
        if a:
            d = metric(a, "deliveries/s") or 0
            lost = metric(a, "lost")
            dup = metric(a, "duplicates")
            ratio = (d / metric(ref, "deliveries/s")) if ref and metric(ref, "deliveries/s") else None
            ok = d >= enc_floor and lost == 0 and dup == 0 and (ratio is None or ratio >= 0.8)
            add(what, f"{fmt(d)}/s, lost {fmt(lost)}, dup {fmt(dup)}, {fmt(ratio * 100 if ratio else None, 1)} % of reference",
                ok)
        else:
            add(what, "", None)
    p = runs.get(("persist-500", "arena"))
    what = "persist-500: ≥ 20,000 committed messages/s"
    if p:
        c = metric(p, "committed/s")
        add(what, f"{fmt(c)}/s", c is not None and c >= 20_000)
    else:
        add(what, "", None)
    st = runs.get(("storm-10k", "arena"))
    what = "storm-10k: 10,000 sessions resume within 10 s, zero loss"
    if st:
        t = metric(st, "time until all resumed")
        lost = metric(st, "lost events")
        n = metric(st, "sessions")
        add(what, f"{fmt(n)} sessions in {fmt(t, 2)} s, lost {fmt(lost)}",
            t is not None and t <= 10 and lost == 0 and n is not None and n >= 10_000)
    else:
        add(what, "", None)
    sl = runs.get(("stalled-1k", "arena"))
    what = "stalled-1k: 1,000 stalled readers raise RSS by ≤ 100 MiB"
    if sl:
        g = metric(sl, "server RSS growth (peak)")
        add(what, f"{fmt(g, 1)} MiB", g is not None and g <= 100)
    else:
        add(what, "", None)
    return rows


KEYS = [
    ("sessions-18k", "RSS per session after hold", "KiB/session", True),
    ("sessions-18k", "connect + identify rate", "sessions/s", False),
    ("sessions-10k-one-member", "connect + identify rate", "sessions/s", False),
    ("stalled-1k", "server RSS growth (peak)", "MiB", True),
    ("fanout-1k-msgpack", "deliveries/s", "deliveries/s", False),
    ("fanout-1k-json", "deliveries/s", "deliveries/s", False),
    ("fanout-1k-msgpack", "server CPU per delivery", "ns", True),
    ("latency-1k-msgpack", "p99", "ms", True),
    ("latency-1k-msgpack", "ack p99", "ms", True),
    ("latency-1k-json", "p99", "ms", True),
    ("latency-1k-json", "ack p99", "ms", True),
    ("latency-10k-msgpack", "p99", "ms", True),
    ("latency-10k-json", "p99", "ms", True),
    ("saturate-1k-msgpack", "highest sustained deliveries/s", "deliveries/s", False),
    ("saturate-1k-json", "highest sustained deliveries/s", "deliveries/s", False),
    ("saturate-1k-dropped-msgpack", "highest sustained deliveries/s", "deliveries/s", False),
    ("persist-500", "committed/s", "msgs/s", False),
]


def ratios(runs):
    rows = []
    for label, name, unit, lower_better in KEYS:
        a, r = runs.get((label, "arena")), runs.get((label, "reference"))
        if not a or not r:
            continue
        if name == "p99":
            va, vr = p99(a, "delivery"), p99(r, "delivery")
        elif name == "ack p99":
            va, vr = p99(a, "ack"), p99(r, "ack")
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
               "`ARENA_FRAMES_PER_MINUTE=100000000` and `ARENA_MESSAGES_PER_SECOND=1000000` so load sessions are not rate limited "
               "(and `ARENA_SESSIONS_PER_USER=20000` for sessions-10k-one-member, so one member may hold 10,000 sessions); "
               "the server is built from the working tree at that commit")
    if failed.strip():
        out.append(f"- **failed runs:** {failed}")
    out.append("")
    for title, rows in (("Targets (issue 14)", targets14(runs)), ("Other standing targets (issue 4)", targets4(runs))):
        out.append(f"## {title}\n")
        out.append("| target | measured | |")
        out.append("|---|---|---|")
        for what, value, ok in rows:
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
