#!/usr/bin/env python3
"""The table of the fan-out benchmark: reads the JSON lines tests/bench/run.sh wrote (one per
server, stream and player count) and the loopback reference lines, prints Markdown: both servers
side by side with the ratio rtmp-serve / nginx-rtmp, then the targets of the issue as measured.

Usage: table.py RESULTS.jsonl REFERENCE.jsonl
"""
import json
import statistics
import sys

KEEP_UP = 0.96  # a run that delivered less than this share of N x the stream did not keep up
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
    if delivered < KEEP_UP:
        if cpu_s / window < SATURATED:
            return {"status": "load tool could not keep up (load tool %.0f%% of its core, "
                              "%.0f%% of N x stream delivered)"
                              % (f["load_pct"], f["delivered_pct"]),
                    "cpu_pct": f["cpu_pct"], "noise_pct": f["noise_pct"]}
        f["status"] = "server saturated: %.0f%% of N x stream delivered" % f["delivered_pct"]
    f["mbit"] = r["bytes_out"] * 8 / window / 1e6
    f["cpu_s_per_gb"] = cpu_s / (r["bytes_out"] / 1e9) if r["bytes_out"] else None
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
    ("peak RSS MB", "peak_rss_mb", "%.1f", True),
    ("RSS per player KB", "rss_per_player_kb", "%.1f", True),
    ("first media p50 ms (load tool)", ("first_media", 0), "%.0f", True),
    ("first media p99 ms (load tool)", ("first_media", 1), "%.0f", True),
    ("first keyframe ms, median of joins", "first_key", "%.0f", True),
    ("frames received / published (run)", "frames_pct", "%.0f%%", False),
    ("messages dropped (server count)", "dropped", "%d", False),
    ("load tool CPU, % of its core", "load_pct", "%.0f", False),
]


def get(f, key):
    if isinstance(key, tuple):
        v = f.get(key[0])
        return v[key[1]] if v else None
    return f.get(key)


def main():
    results = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    refs = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
    runs = {(r["stream"], r["players"], r["server"]): (r, figures(r)) for r in results}
    order = []
    for r in results:
        if (r["stream"], r["players"]) not in order:
            order.append((r["stream"], r["players"]))
    window = results[0]["window_s"] if results else 0
    print("| stream | players | figure | rtmp-serve | nginx-rtmp | rtmp-serve / nginx |")
    print("|---|---:|---|---:|---:|---:|")
    for stream, n in order:
        s = runs.get((stream, n, "rtmp-serve"), (None, {"status": "not run"}))[1]
        g = runs.get((stream, n, "nginx"), (None, {"status": "not run"}))[1]
        kbit = next(r["stream_kbit_s"] for r in results if r["stream"] == stream)
        head = "%s (%.0f kbit/s)" % (stream, kbit)
        print("| %s | %d | status | %s | %s | |" % (head, n, s["status"], g["status"]))
        for label, key, fmt, with_ratio in ROWS:
            a, b = get(s, key), get(g, key)
            if a is None and b is None:
                continue
            if key == "dropped":
                b = None
                text_b = "n/a"
            else:
                text_b = num(b, fmt)
            print("| | | %s | %s | %s | %s |" % (label, num(a, fmt), text_b,
                                                ratio(a, b) if with_ratio else ""))
    print()
    noisy = [(k, f["noise_pct"]) for k, (_, f) in runs.items()
             if "noise_pct" in f and max(f["noise_pct"]) > 5]
    for (stream, n, server), (a, b) in noisy:
        print("- note: %s %s N=%d: the server waited for its core %.0f%% of the window, the load "
              "tool %.0f%% (other work on the machine)" % (server, stream, n, a, b))
    print("- window %.1f s per run; CPU from /proc/PID/stat utime+stime; bytes from the server "
          "sockets' tcpi_bytes_acked (ss -ti); RSS per player = (VmHWM - VmRSS before players) / N"
          % window)
    print()
    print("Loopback TCP reference (one core writing, a reader on the other core):")
    print()
    for ref in refs:
        print("- %d-byte write()s over %d connection%s: %.2f GB per writer CPU second "
              "(%.2f CPU s per GB), %.0f Mbit/s"
              % (ref["size"], ref["connections"], "" if ref["connections"] == 1 else "s",
                 ref["gb_per_cpu_s"], ref["cpu_s_per_gb"], ref["mbit_s"]))
    print()
    targets(runs, refs)


def targets(runs, refs):
    """The issue's targets at 1000 players, for each stream measured there."""
    ref_many = next((r for r in refs if r["connections"] > 1), refs[-1] if refs else None)
    streams = sorted({k[0] for k in runs if k[1] == 1000})
    if not streams:
        print("Targets: no run at 1000 players.")
        return
    print("Targets at 1000 players:")
    print()
    for stream in streams:
        s = runs.get((stream, 1000, "rtmp-serve"), (None, {}))[1]
        g = runs.get((stream, 1000, "nginx"), (None, {}))[1]
        lines = []
        a, b = s.get("cpu_s_per_gb"), g.get("cpu_s_per_gb")
        if a is not None and b:
            lines.append("CPU per delivered byte at most half of nginx-rtmp's: %.2f of it: %s"
                         % (a / b, "met" if a / b <= 0.5 else "NOT met"))
        if a is not None and ref_many:
            lines.append("rtmp-serve spends %.1fx the CPU per byte of plain loopback writes"
                         % (a / ref_many["cpu_s_per_gb"]))
        fm, fk = get(s, ("first_media", 0)), s.get("first_key")
        if fm is not None:
            lines.append("first media p50 under 50 ms: %.0f ms: %s"
                         % (fm, "met" if fm < 50 else "NOT met"))
        if fk is not None:
            lines.append("first keyframe (median of joins) under 50 ms: %.0f ms (nginx-rtmp: %s): %s"
                         % (fk, num(g.get("first_key"), "%.0f ms"), "met" if fk < 50 else "NOT met"))
        m = s.get("rss_per_player_kb")
        if m is not None:
            lines.append("memory per player under 64 KB: %.1f KB: %s"
                         % (m, "met" if m < 64 else "NOT met"))
        d = s.get("dropped")
        if d is not None:
            lines.append("no message lost by players that keep up: %d dropped, %.1f%% delivered: %s"
                         % (d, s.get("delivered_pct", 0),
                            "met" if d == 0 and s.get("delivered_pct", 0) >= 100 * KEEP_UP
                            else "NOT met"))
        if not lines:
            lines.append("no figures (%s)" % s.get("status", "not run"))
        for line in lines:
            print("- %s: %s" % (stream, line))


if __name__ == "__main__":
    main()
