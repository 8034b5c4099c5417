#!/usr/bin/env python3
"""The table of the fan-out benchmark: reads the JSON lines tests/bench/run.sh wrote (one per
server, stream and player count) and the loopback reference lines, prints Markdown: the servers
side by side (rtmp-serve, nginx-rtmp, SRS, each possibly at several merge latencies) with the
ratio of rtmp-serve to each other, then the targets as measured.

Usage: table.py RESULTS.jsonl REFERENCE.jsonl
"""
import json
import math
import statistics
import sys

KEEP_UP = 0.96  # a run that delivered less than this share of N x the stream did not keep up
# ... less the share of the window one write period is (what a merging server still holds when
# the window closes), up to this much.
MAX_PERIOD_SHARE = 0.08
SATURATED = 0.90  # share of one core above which a process counts as CPU-bound


def figures(r):
    """The derived figures of one run, or a status saying why there are none."""
    p = r.get("probe") or {}
    hz, window = r["hz"], r["window_s"]
    players = p.get("connected", 0)
    f = {"status": "ok"}
    if r.get("killed"):
        return {"status": "server stopped: its RSS passed BENCH_MAX_RSS_MB"}
    if players == 0:
        return {"status": "no player connected: %s" % (p.get("failures") or "load tool failed")}
    if players < r["players"]:
        f["status"] = "%d of %d connected %s" % (players, r["players"], p.get("failures", {}))
    cpu_s = r["server_ticks"] / hz
    load_s = r["load_ticks"] / hz
    # Against the stream's own rate, not what the publisher got in: a server that reads its
    # publisher late slows the publisher down too.
    nominal = r["stream_kbit_s"] * 1000 / 8 * window
    delivered = r["bytes_out"] / (players * nominal)
    f["intake_pct"] = 100 * r["bytes_in"] / nominal
    f["cpu_pct"] = 100 * cpu_s / window
    f["load_pct"] = 100 * load_s / window
    # Time the server and the load tool were runnable but waited for their core (other work).
    f["noise_pct"] = (100 * r["server_wait_ms"] / 1000 / window,
                      100 * r["load_wait_ms"] / 1000 / window)
    f["delivered_pct"] = 100 * delivered
    # A server that writes each player every P ms delivers, in a window, up to P ms of stream
    # less than it took in (what it holds when the window ends): that is not falling behind.
    writes = r.get("write_calls") or 0
    period_s = window * players / writes if writes > 0 else 0
    keep_up = KEEP_UP - min(period_s / window, MAX_PERIOD_SHARE)
    if delivered < keep_up:
        if cpu_s / window < SATURATED:
            return {"status": "load tool could not keep up (load tool %.0f%% of its core, "
                              "%.0f%% of N x stream delivered, below %.0f%%)"
                              % (f["load_pct"], f["delivered_pct"], 100 * keep_up),
                    "cpu_pct": f["cpu_pct"], "noise_pct": f["noise_pct"]}
        f["status"] = "server saturated: %.0f%% of N x stream delivered" % f["delivered_pct"]
    f["mbit"] = r["bytes_out"] * 8 / window / 1e6
    f["cpu_s_per_gb"] = cpu_s / (r["bytes_out"] / 1e9) if r["bytes_out"] else None
    f["write_kb"] = r["bytes_out"] / writes / 1024 if writes > 0 else None
    # How often each player is written, measured: the merge latency a server really runs at
    # (SRS's mw_latency also waits for more than 8 messages, so at 50 ms it writes less often).
    f["write_period_ms"] = 1000 * window * players / writes if writes > 0 else None
    f["peak_rss_mb"] = r["hwm_kb"] / 1024
    f["rss_per_player_kb"] = max(0, r["hwm_kb"] - r["rss_before_kb"]) / players
    ff = p.get("first_frame_ms", {})
    f["first_media"] = (ff.get("p50"), ff.get("p99"))
    keys = [k for k in r["joins_first_keyframe_ms"] if k is not None]
    f["first_key"] = statistics.median(keys) if keys else None
    frames = p.get("video_frames", 0) + p.get("audio_frames", 0)
    expected = players * p.get("duration_s", 0) * r["stream_msg_s"]
    f["frames_pct"] = 100 * frames / expected if expected else None
    f["dropped"] = r["dropped_messages"]
    return f


def num(v, fmt):
    return "-" if v is None else fmt % v


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return "%.2f" % (a / b)


ROWS = [  # label, key, format, ratio?
    ("delivered Mbit/s", "mbit", "%.1f", True),
    ("delivered / (N x stream rate)", "delivered_pct", "%.1f%%", False),
    ("publisher intake / stream rate", "intake_pct", "%.1f%%", False),
    ("server CPU, % of its core", "cpu_pct", "%.1f", True),
    ("**server CPU s per GB delivered**", "cpu_s_per_gb", "%.2f", True),
    ("bytes per write call, KB", "write_kb", "%.1f", True),
    ("player written every ms (measured)", "write_period_ms", "%.0f", True),
    ("plain write()s of that pattern, CPU s per GB", "pattern_floor", "%.2f", True),
    ("CPU per GB / plain writes of its pattern", "over_pattern_floor", "%.2f", False),
    ("peak RSS MB", "peak_rss_mb", "%.1f", True),
    ("RSS per player KB", "rss_per_player_kb", "%.1f", True),
    ("first media p50 ms (load tool)", ("first_media", 0), "%.0f", True),
    ("first media p99 ms (load tool)", ("first_media", 1), "%.0f", True),
    ("first keyframe ms, median of joins", "first_key", "%.0f", True),
    ("frames received / published (run)", "frames_pct", "%.0f%%", False),
    ("messages dropped (server count)", "dropped", "%d", False),
    ("load tool CPU, % of its core", "load_pct", "%.0f", False),
]

NAMES = {"rtmp-serve": "rtmp-serve", "nginx": "nginx-rtmp", "srs": "SRS"}


def label(server, merge_ms):
    """Column head: the server's name and the merged-write latency it ran with."""
    kind = server.split("@")[0]
    name = NAMES.get(kind, kind)
    return name if kind == "nginx" else "%s (%s ms)" % (name, merge_ms)


def get(f, key):
    if isinstance(key, tuple):
        v = f.get(key[0])
        return v[key[1]] if v else None
    return f.get(key)


def main():
    results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    refs = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
    # loopback_ref of the write pattern a run measured (run.sh's pattern_floor), by run.
    patterns = {(r["pattern_of"]["stream"], r["pattern_of"]["players"], r["pattern_of"]["server"]): r
                for r in refs if r.get("pattern_of")}
    refs = [r for r in refs if not r.get("pattern_of")]
    runs = {(r["stream"], r["players"], r["server"]): (r, figures(r)) for r in results}
    for key, (_, f) in runs.items():
        ref = patterns.get(key)
        if ref and f.get("cpu_s_per_gb") and ref.get("cpu_s_per_gb"):
            f["pattern_floor"] = ref["cpu_s_per_gb"]
            f["over_pattern_floor"] = f["cpu_s_per_gb"] / ref["cpu_s_per_gb"]
    order, servers = [], []
    for r in results:
        if (r["stream"], r["players"]) not in order:
            order.append((r["stream"], r["players"]))
        if r["server"] not in servers:
            servers.append(r["server"])
    merge = {r["server"]: r.get("merge_ms", 0) for r in results}
    base = next((s for s in servers if s == "rtmp-serve"), servers[0] if servers else None)
    others = [s for s in servers if s != base]
    window = results[0]["window_s"] if results else 0
    heads = [label(s, merge[s]) for s in servers]
    print("| stream | players | figure | %s | %s |" % (
        " | ".join(heads), " | ".join("%s / %s" % ("rtmp-serve", label(o, merge[o]))
                                      for o in others)))
    print("|---|---:|---|%s" % ("---:|" * (len(servers) + len(others))))
    for stream, n in order:
        figs = {s: runs.get((stream, n, s), (None, {"status": "not run"}))[1] for s in servers}
        kbit = next(r["stream_kbit_s"] for r in results if r["stream"] == stream)
        head = "%s (%.0f kbit/s)" % (stream, kbit)
        print("| %s | %d | status | %s |%s" % (head, n, " | ".join(figs[s]["status"] for s in
                                                                     servers), " |" * len(others)))
        for text, key, fmt, with_ratio in ROWS:
            values = {s: get(figs[s], key) for s in servers}
            if all(v is None for v in values.values()):
                continue
            # nginx-rtmp keeps no drop count; SRS logs none the benchmark reads.
            cells = [num(values[s], fmt) if key != "dropped" or s.startswith("rtmp-serve")
                     else "n/a" for s in servers]
            ratios = [ratio(values[base], values[o]) if with_ratio and key != "dropped" else ""
                      for o in others]
            print("| | | %s | %s | %s |" % (text, " | ".join(cells), " | ".join(ratios)))
    print()
    noisy = [(k, f["noise_pct"]) for k, (_, f) in runs.items()
             if "noise_pct" in f and max(f["noise_pct"]) > 5]
    for (stream, n, server), (a, b) in noisy:
        print("- note: %s %s N=%d: the server waited for its core %.0f%% of the window, the load "
              "tool %.0f%% (other work on the machine)" % (server, stream, n, a, b))
    print("- window %.1f s per run; CPU from /proc/PID/stat utime+stime; bytes from the server "
          "sockets' tcpi_bytes_acked (ss -ti); write calls from /proc/PID/io syscw; RSS per "
          "player = (VmHWM - VmRSS before players) / N" % window)
    print()
    print("Loopback TCP reference (one core writing, a reader on the other core):")
    print()
    for ref in refs:
        paced = ref.get("period_ms", 0)
        print("- %d-byte write()s over %d connection%s%s: %.2f GB per writer CPU second "
              "(%.2f CPU s per GB), %.0f Mbit/s"
              % (ref["size"], ref["connections"], "" if ref["connections"] == 1 else "s",
                 ", one to each every %g ms" % paced if paced else " back to back",
                 ref["gb_per_cpu_s"], ref["cpu_s_per_gb"], ref["mbit_s"]))
    for (stream, n, server), ref in sorted(patterns.items()):
        print("- the pattern %s measured on %s at N=%d: %d-byte write()s to each of %d sockets "
              "every %g ms: %.2f CPU s per GB"
              % (label(server, merge.get(server)), stream, n, ref["size"], ref["connections"],
                 ref["period_ms"], ref["cpu_s_per_gb"]))
    print()
    targets(runs, refs, merge)


def floor_for(refs, write_kb):
    """The loopback floor (CPU s per GB, many connections) for writes of write_kb: the reference
    whose write size is nearest on a log scale (larger writes cost less per byte)."""
    refs = [r for r in refs if not r.get("period_ms")]  # the saturated floor
    many = [r for r in refs if r["connections"] > 1] or refs
    if not many:
        return None, None
    if not write_kb:
        r = many[0]
    else:
        r = min(many, key=lambda r: abs(math.log(r["size"] / (write_kb * 1024))))
    return r["cpu_s_per_gb"], r["size"]


def paced_floor_for(refs, write_kb, merge_ms):
    """The paced reference (loopback_ref --period) nearest to rtmp-serve's write size at its merge
    period: what the same writes cost with nothing else done between them."""
    paced = [r for r in refs if r.get("period_ms") and r["connections"] > 1
             and (merge_ms is None or abs(r["period_ms"] - float(merge_ms)) < 1e-6)]
    if not paced or not write_kb:
        return None
    return min(paced, key=lambda r: abs(math.log(r["size"] / (write_kb * 1024))))


def targets(runs, refs, merge):
    """The targets, for each stream measured: against nginx-rtmp and SRS, and the loopback floor
    at 1000 players."""
    keys = sorted({(k[0], k[1]) for k in runs})
    if not keys:
        print("Targets: no runs.")
        return
    print("Targets:")
    print()
    for stream, n in keys:
        here = {k[2]: f for k, (_, f) in runs.items() if k[0] == stream and k[1] == n}
        s = here.get("rtmp-serve", {})
        a = s.get("cpu_s_per_gb")
        lines = []
        g = here.get("nginx", {})
        if a is not None and g.get("cpu_s_per_gb"):
            b = g["cpu_s_per_gb"]
            lines.append("CPU per byte at most half of nginx-rtmp's: %.2f of it: %s"
                         % (a / b, "met" if a / b <= 0.5 else "NOT met"))
        if a is not None and here.get("srs", {}).get("cpu_s_per_gb"):
            b = here["srs"]["cpu_s_per_gb"]
            lines.append("CPU per byte below SRS's, both at their defaults (%s and %s ms): "
                         "%.2f of it: %s" % (merge.get("rtmp-serve"), merge.get("srs"), a / b,
                                             "met" if a / b < 1 else "NOT met"))
            x, y = s.get("pattern_floor"), here["srs"].get("pattern_floor")
            if x and y:
                lines.append("plain write()s of the two default patterns cost %.2f and %.2f CPU s "
                             "per GB (%.2fx): the ratio with no work at all between the writes"
                             % (x, y, x / y))
        # Equal merge latency: every SRS run against the rtmp-serve run of the same latency.
        for srs in sorted(k for k in here if k.split("@")[0] == "srs"):
            twin = next((k for k in here if k.split("@")[0] == "rtmp-serve"
                         and merge.get(k) == merge.get(srs)), None)
            x, y = (here[twin].get("cpu_s_per_gb") if twin else None), here[srs].get("cpu_s_per_gb")
            if x is not None and y:
                lines.append("CPU per byte at most 0.75x SRS's at equal merge latency (%s ms; "
                             "measured write periods %s and %s ms): %.2f: %s"
                             % (merge.get(srs), num(here[twin].get("write_period_ms"), "%.0f"),
                                num(here[srs].get("write_period_ms"), "%.0f"), x / y,
                                "met" if x / y <= 0.75 else "NOT met"))
            # The same pair by what each server measurably did: the rtmp-serve run whose players
            # were written about as often as SRS's (within 15 %), when it is another run.
            period = here[srs].get("write_period_ms")
            near = sorted((abs(here[k]["write_period_ms"] / period - 1), k) for k in here
                          if k.split("@")[0] == "rtmp-serve" and period
                          and here[k].get("write_period_ms") and here[k].get("cpu_s_per_gb"))
            if near and near[0][0] <= 0.15 and near[0][1] != twin and y:
                k = near[0][1]
                x = here[k]["cpu_s_per_gb"]
                lines.append("CPU per byte at most 0.75x SRS's (%s ms) at an equal measured write "
                             "period (rtmp-serve at %s ms: players written every %.0f and %.0f "
                             "ms): %.2f: %s" % (merge.get(srs), merge.get(k),
                                                here[k]["write_period_ms"], period, x / y,
                                                "met" if x / y <= 0.75 else "NOT met"))
        if a is not None and n == 1000:
            floor, size = floor_for(refs, s.get("write_kb"))
            if floor:
                lines.append("at most 1.3x the loopback floor for its write size (%.1f KB writes, "
                             "floor of %d-byte writes %.2f CPU s per GB): %.2fx: %s"
                             % (s.get("write_kb") or 0, size, floor, a / floor,
                                "met" if a / floor <= 1.3 else "NOT met"))
            if s.get("over_pattern_floor"):
                lines.append("at most 1.3x plain write()s of its own measured pattern (%.2f CPU s "
                             "per GB): %.2fx: %s" % (s["pattern_floor"], s["over_pattern_floor"],
                                                    "met" if s["over_pattern_floor"] <= 1.3
                                                    else "NOT met"))
            paced = paced_floor_for(refs, s.get("write_kb"), merge.get("rtmp-serve"))
            if paced:
                lines.append("against plain writes of the same pattern (%d bytes to each of %d "
                             "sockets every %g ms: %.2f CPU s per GB): %.2fx"
                             % (paced["size"], paced["connections"], paced["period_ms"],
                                paced["cpu_s_per_gb"], a / paced["cpu_s_per_gb"]))
        fk = s.get("first_key")
        if fk is not None:
            lines.append("first keyframe (median of joins): %.0f ms" % fk)
        m = s.get("rss_per_player_kb")
        if m is not None:
            lines.append("memory per player: %.1f KB" % m)
        d = s.get("dropped")
        if d is not None:
            lines.append("no message lost by players that keep up: %d dropped, %.1f%% delivered: %s"
                         % (d, s.get("delivered_pct", 0),
                            "met" if d == 0 and s.get("delivered_pct", 0) >= 100 * KEEP_UP
                            else "NOT met"))
        if not lines:
            lines.append("no figures (%s)" % s.get("status", "not run"))
        for line in lines:
            print("- %s N=%d: %s" % (stream, n, line))


if __name__ == "__main__":
    main()
