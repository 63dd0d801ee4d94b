"""The benchmark suite, run by `bin/bench`; writes docs/benchmarks.md. Never part of the tests.

    bin/bench [--quick] [--cases reads,growth,fanout,commit,idle,mutation,validation,web]
              [--children N] [--events N] [--rounds N] [--seconds S]
    bin/bench soak [--quick] [--minutes M]

Each run generates a kommune in a fresh PostgreSQL database (127.0.0.1:5432, dropped at the
end), serves the product and baseline B (bench.baseline) as separate uvicorn processes and
loads them from a third. Sections of docs/benchmarks.md a run did not measure are kept.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import platform
import re
import time
from pathlib import Path
from typing import Any

from bench import kommune as gen
from bench.fanout import product_fanout, raw_fanout
from bench.idle import measure as idle_measure
from bench.mutation import bench_mutation
from bench.reads import bench_growth, bench_reads, profile_caseload
from bench.soak import soak
from bench.web import bench_web
from bench.web import section as web_section

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "benchmarks.md"
ALL = ["reads", "growth", "fanout", "commit", "idle", "mutation", "validation", "web"]
REDIS = "redis://127.0.0.1:6379/9"


def machine() -> str:
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) // 1024
    return (
        f"{os.cpu_count()} cores ({model}), {mem / 1024:.1f} GiB memory, Linux "
        f"{platform.release()}, Python {platform.python_version()}, PostgreSQL on loopback"
    )


def ms(seconds: float) -> str:
    return "n/a" if seconds is None or math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
    ]


def reads_section(r: dict[str, Any], k: gen.Kommune, goals: list[list[str]]) -> list[str]:
    lines = [
        f"Kommune of {k.size.children:,} children, {k.size.events:,} events; the coordinator "
        "has 50 children. c=1: one request at a time; c=16: 16 concurrent clients from a "
        "separate process. CPU: the server process's user+system time per request.",
        "",
        "SQL statements per request (the product's, replayed by B): "
        + ", ".join(f"{n} {c}" for n, c in r["statements"].items())
        + ".",
        "",
        "Same JSON from both (MyCaseload of 50, Child, ChildConsents, an AccessLog page): "
        + ("yes." if not r["check"] else "**no**: " + "; ".join(r["check"])),
        "",
    ]
    rows = []
    for case, title in (
        ("caseload", "caseload (MyCaseload, 50 children)"),
        ("workspace", "child opened (Child)"),
        ("consents tab", "its consents tab (ChildConsents)"),
        ("access-log tab", "its access-log tab (AccessLog, 20 entries)"),
    ):
        p, b = r.get((case, "product")), r.get((case, "B"))
        if not p or not b:
            continue
        rows.append(
            [
                title,
                f"{ms(p['p50'])} / {ms(p['p99'])}",
                f"{ms(b['p50'])} / {ms(b['p99'])}",
                f"{ratio(p['p50'], b['p50']):.1f}x",
                f"{p['cpu'] * 1000:.1f} / {b['cpu'] * 1000:.1f} ms",
                f"{ratio(p['cpu'], b['cpu']):.1f}x",
                f"{p['throughput']:.1f} / {b['throughput']:.1f}",
                f"{ratio(p['throughput'], b['throughput']):.2f}",
                f"{p['errors']} / {b['errors']}",
            ]
        )
        goals.append(
            [
                f"{case}: p50 ≤ 3x B",
                f"{ratio(p['p50'], b['p50']):.1f}x",
                verdict(ratio(p["p50"], b["p50"]) <= 3),
            ]
        )
        goals.append(
            [
                f"{case}: CPU ≤ 3x B",
                f"{ratio(p['cpu'], b['cpu']):.1f}x",
                verdict(ratio(p["cpu"], b["cpu"]) <= 3),
            ]
        )
        goals.append(
            [
                f"{case}: throughput ≥ B/4",
                f"{ratio(p['throughput'], b['throughput']):.2f} of B",
                verdict(ratio(p["throughput"], b["throughput"]) >= 0.25),
            ]
        )
    lines += table(
        [
            "case",
            "product p50 / p99 (c=1)",
            "B p50 / p99",
            "p50 ratio",
            "CPU per request product / B",
            "CPU ratio",
            "req/s at c=16 product / B",
            "throughput ratio",
            "errors product / B",
        ],
        rows,
    )
    return lines


async def run_suite(args: argparse.Namespace) -> dict[str, list[str]]:
    quick = args.quick
    cases = set(args.cases.split(",")) if args.cases else set(ALL)
    children = args.children or (500 if quick else 10_000)
    events = args.events or (50_000 if quick else 1_000_000)
    rounds = args.rounds or (20 if quick else 200)
    seconds = args.seconds or (3.0 if quick else 20.0)
    counts = [10, 100, 1000]
    sections: dict[str, list[str]] = {}
    goals: list[list[str]] = []
    size = gen.Size(children=children, events=events, fanout_members=max(counts) + 1)
    needs_big = cases & {"reads", "growth", "fanout", "commit", "mutation"}
    if needs_big:
        async with gen.fresh_database() as (name, url):
            started = time.perf_counter()
            k = await gen.generate(name, url, size)
            print(f"generated {k.rows} in {time.perf_counter() - started:.0f} s", flush=True)
            if "reads" in cases:
                print("reads: caseload and child workspace, product and B", flush=True)
                r = await bench_reads(
                    k,
                    rounds=rounds,
                    seconds=seconds,
                    cases={"caseload", "workspace", "consents tab", "access-log tab"},
                )
                sections["Reads: product against baseline B"] = reads_section(r, k, goals)
                profile = await profile_caseload(k, rounds=10 if quick else 30)
                if profile:
                    top = [line for line in profile.splitlines() if line.strip()][:60]
                    sections["Where the caseload's time goes"] = [
                        "pyinstrument, in process, the caseload request repeated "
                        f"{10 if quick else 30} times (frames under 1% hidden):",
                        "",
                        "```",
                        *top,
                        "```",
                        "",
                    ]
            big_growth = None
            if "growth" in cases:
                print("growth: large kommune", flush=True)
                big_growth = await bench_growth(k, rounds=rounds, seconds=seconds)
            if "mutation" in cases:
                print("mutation cost", flush=True)
                m = await bench_mutation(k, rounds=10 if quick else 50)
                sections["A mutation's cost"] = [
                    "UpdateNetworkMember by the coordinator (in process, listening on the engine; "
                    "Cedar calls counted):",
                    "",
                    *table(
                        [
                            "SQL statements",
                            "transactions",
                            "round trips",
                            "policy decisions (Cedar evaluations)",
                            "median time",
                        ],
                        [
                            [
                                f"{m['statements']:.0f}",
                                f"{m['transactions']:.0f}",
                                f"{m['round_trips']:.0f}",
                                f"{m['decisions']:.0f} ({m['cedar']:.0f})",
                                f"{m['ms']:.1f} ms",
                            ]
                        ],
                    ),
                    *(
                        [
                            "",
                            "Where its time goes (pyinstrument, 20 more rounds in process):",
                            "",
                            "```",
                            *m["profile"].strip().splitlines()[:80],
                            "```",
                        ]
                        if m.get("profile")
                        else []
                    ),
                ]
            if "fanout" in cases:
                rows = []
                fan_rounds = 3 if quick else 30
                for count in counts:
                    print(f"fan-out to {count}", flush=True)
                    p = await product_fanout(k, count, fan_rounds)
                    raw = await raw_fanout(count, fan_rounds, p["sample"] or "{}")
                    rows.append(
                        [
                            str(count),
                            f"{ms(p['p50'])} / {ms(p['p99'])}",
                            f"{ms(raw['p50'])} / {ms(raw['p99'])}",
                            f"{ratio(p['p50'], raw['p50']):.0f}x / "
                            f"{ratio(p['p99'], raw['p99']):.0f}x",
                            str(p["lost"]),
                        ]
                    )
                    if count >= 100:
                        worst = max(ratio(p["p50"], raw["p50"]), ratio(p["p99"], raw["p99"]))
                        goals.append(
                            [
                                f"fan-out to {count}: p50/p99 ≤ 5x raw",
                                f"{worst:.0f}x",
                                verdict(worst <= 5),
                            ]
                        )
                sections["Live fan-out: one event to many subscribers"] = [
                    f"One UpdateNetworkMember per round ({fan_rounds} rounds after 2 warm-up), "
                    "to N "
                    "subscribers of the child's ChildEvents on one app process; from PostgreSQL's "
                    "commit (a NOTIFY trigger the bench adds to its database) to each subscriber's "
                    "receipt. Raw: a bare websockets server (own process) broadcasting the same "
                    "bytes.",
                    "",
                    *table(
                        [
                            "subscribers",
                            "Koordinat p50 / p99",
                            "raw p50 / p99",
                            "ratio p50 / p99",
                            "rounds lost",
                        ],
                        rows,
                    ),
                ]
            if "commit" in cases:
                print("commit-to-screen across two processes", flush=True)
                p = await product_fanout(
                    k, 10, 10 if quick else 50, redis_url=REDIS, two_processes=True
                )
                sections["Commit to screen across two app processes"] = [
                    "Mutation on app process 1, 10 subscribers on app process 2, Redis pub/sub "
                    "between.",
                    "",
                    *table(
                        ["p50", "p99", "rounds lost"],
                        [[ms(p["p50"]), ms(p["p99"]), str(p["lost"])]],
                    ),
                ]
                goals.append(
                    ["commit-to-screen p99 ≤ 50 ms", ms(p["p99"]), verdict(p["p99"] <= 0.05)]
                )
        if big_growth is not None:
            small = 100
            async with gen.fresh_database() as (name, url):
                small_events = events * small // children
                ks = await gen.generate(name, url, gen.Size(children=small, events=small_events))
                print(f"growth: {small} children", flush=True)
                small_growth = await bench_growth(ks, rounds=rounds, seconds=seconds)
            sections["Growth: the same caseload in a small and a large kommune"] = [
                *table(
                    ["kommune", "product p50", "B p50", "product CPU per request"],
                    [
                        [
                            f"{small} children",
                            ms(small_growth["product"]),
                            ms(small_growth["B"]),
                            ms(small_growth["product cpu"]),
                        ],
                        [
                            f"{children:,} children",
                            ms(big_growth["product"]),
                            ms(big_growth["B"]),
                            ms(big_growth["product cpu"]),
                        ],
                    ],
                ),
                f"Product p50 grows {ratio(big_growth['product'], small_growth['product']):.2f}x "
                f"from {small} to {children:,} children "
                f"(B: {ratio(big_growth['B'], small_growth['B']):.2f}x).",
                "",
            ]
    if "idle" in cases:
        rows = []
        window = 5.0 if quick else 30.0
        results = {}
        for count in (0, 100, 1000):
            print(f"idle subscriptions: {count}", flush=True)
            rate, pg_rate, cpu, rss = await idle_measure(count, window, False)
            results[count] = (rate, cpu, rss)
            rows.append(
                [str(count), f"{rate:.2f}", f"{pg_rate:.2f}", f"{cpu:.2f} %", f"{rss:.0f} MiB"]
            )
        per_sub = (results[1000][2] - results[0][2]) / 1000 * 1024
        cpu_1000 = results[1000][1] - results[0][1]
        sections["Idle subscriptions"] = [
            "`koordinat serve` with N idle subscriptions (every fifth MyEvents, the rest "
            "ChildEvents), "
            f"measured over {window:.0f} s with no traffic: database transactions per second, the "
            "server's CPU (percent of one core) and resident memory.",
            "",
            *table(
                [
                    "idle subscriptions",
                    "app transactions/s",
                    "PostgreSQL transactions/s (all)",
                    "server CPU",
                    "server RSS",
                ],
                rows,
            ),
            f"Memory per idle subscription: about {per_sub:.0f} KiB.",
            "",
        ]
        goals.append(
            [
                "idle: no DB work",
                f"{results[1000][0]:.2f} transactions/s at 1,000",
                verdict(results[1000][0] < 0.5),
            ]
        )
        goals.append(["idle: < 2% CPU per 1,000", f"{cpu_1000:.2f} %", verdict(cpu_1000 < 2)])
    if "validation" in cases or "legacy" in cases:
        from bench import legacy

        rows = await legacy.bench_validation(50 if quick else 200)
        if "legacy" in cases:
            rows = await legacy.bench_caseload(50 if quick else 200) + rows
        sections["Query limits and the validation cache"] = table(
            ["case", "median", "ratio to baseline"],
            [[name, f"{s * 1000:.2f} ms", f"{r:.2f}x"] for name, s, r in rows],
        )
    if "web" in cases:
        print("web: first load and the caseload in Chromium", flush=True)
        sections["Web app: first load and the caseload"] = web_section(await bench_web())
    if goals:
        sections["Goals of issue 9"] = table(["goal", "measured", "verdict"], goals)
    return sections


async def run_soak(args: argparse.Namespace) -> dict[str, list[str]]:
    quick = args.quick
    minutes = args.minutes if args.minutes is not None else (1.0 if quick else 10.0)
    children = args.children or (500 if quick else 10_000)
    events = args.events or (50_000 if quick else 1_000_000)
    async with gen.fresh_database() as (name, url):
        k = await gen.generate(name, url, gen.Size(children=children, events=events))
        print(f"soak for {minutes:g} min", flush=True)
        s = await soak(k, minutes=minutes)
    rows = [[kind, str(o["n"]), ms(o["p50"]), ms(o["p99"])] for kind, o in s["ops"].items()]
    return {
        "Morning-rush soak": [
            f"`bin/bench soak`: {s['seconds']:.0f} s, kommune of {children:,} children; two app "
            "processes and an arq worker on PostgreSQL and Redis; up to 50 coordinators loading "
            f"their caseload every 10 s, {s['subscribers']} open family subscriptions "
            f"({s['streams_with_events']} got events), 20 mutations/s.",
            "",
            *table(["operation", "count", "p50", "p99"], rows),
            f"Errors: {s['errors']} (goal 0)"
            f"{': ' + '; '.join(s['error_samples']) if s['errors'] else ''}. "
            f"Events lost: {s['lost']}, doubled: {s['doubled']} "
            "(goal 0, by per-subscriber sequence numbers).",
            "",
            *table(
                ["process", "CPU (% of one core)", "RSS"],
                [
                    [n, f"{c:.1f} %", f"{s['rss_mib'][n]:.0f} MiB"]
                    for n, c in s["cpu_percent"].items()
                ],
            ),
        ]
    }


def write(sections: dict[str, list[str]], quick: bool) -> str:
    """docs/benchmarks.md: this run's sections replace their namesakes; the rest stay."""
    old: dict[str, str] = {}
    if REPORT.exists():
        parts = re.split(r"^## ", REPORT.read_text(), flags=re.MULTILINE)
        for part in parts[1:]:
            title, _, rest = part.partition("\n")
            old[title.strip()] = rest.strip()
    stamp = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
    for title, body in old.items():
        if not body.startswith("_"):
            old[title] = f"_Kept from an earlier run (SQLite, bench.legacy)._\n\n{body}"
    for title, lines in sections.items():
        old[title] = "\n".join(
            [f"_Measured {stamp}{' (--quick)' if quick else ''}._", "", *lines]
        ).strip()
    order = [
        "Goals of issue 9",
        "Reads: product against baseline B",
        "Growth: the same caseload in a small and a large kommune",
        "Live fan-out: one event to many subscribers",
        "Commit to screen across two app processes",
        "Idle subscriptions",
        "A mutation's cost",
        "Morning-rush soak",
        "Where the caseload's time goes",
        "Query limits and the validation cache",
        "Web app: first load and the caseload",
    ]
    titles = [t for t in order if t in old] + [t for t in old if t not in order and t != "Method"]
    text = [
        "# Benchmarks",
        "",
        "Written by `bin/bench` (and `bin/bench soak`); never part of the test run. "
        f"Last run: {stamp}{' with --quick (small kommune, short windows)' if quick else ''}.",
        "",
        f"Machine: {machine()}. The machine is shared, so absolute times wander; the ratios "
        "against the baseline measured in the same run are what to watch.",
        "",
        "## Method",
        "",
        "- Data: `bench/kommune.py` bulk-loads a kommune (COPY via asyncpg) into a fresh "
        "PostgreSQL database migrated by `backend.core.migrate.upgrade`, in the rows the services "
        "write: 10,000 children, 1,500 staff in 300 services, networks of 6-12 members, consents, "
        "1,000,000 events with their audit rows (`--quick`: 500 children, 50,000 events).",
        "- Baseline B (`bench/baseline.py`): Starlette + asyncpg + orjson, served by uvicorn in "
        "its "
        "own process like `koordinat serve`, replaying the exact SQL the product ran for the same "
        "request (captured with SQLAlchemy's `before_cursor_execute`), access-log insert included, "
        "and building the same JSON by hand; both answers are compared before measuring.",
        "- Load: a separate process (httpx, async). Requests sign in with the development header; "
        "the rate limiter is off for the bench (one person sends every request).",
        "- Live: commit time from PostgreSQL (NOTIFY at commit, from a trigger in the bench's own "
        "database) to receipt at each subscriber; raw baseline: a bare websockets broadcast.",
        "",
    ]
    for title in titles:
        text += [f"## {title}", "", old[title], ""]
    REPORT.write_text("\n".join(text).rstrip() + "\n")
    return "\n".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="suite", choices=["suite", "soak"])
    parser.add_argument(
        "--quick", action="store_true", help="small kommune, short windows (< 3 min)"
    )
    parser.add_argument("--cases", default="", help=f"comma-separated, of: {','.join(ALL)},legacy")
    parser.add_argument("--children", type=int, default=0)
    parser.add_argument("--events", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=0, help="requests measured at c=1")
    parser.add_argument("--seconds", type=float, default=0, help="longest load window")
    parser.add_argument(
        "--minutes", type=float, default=None, help="soak length (default 10, quick 1)"
    )
    args = parser.parse_args()
    started = time.perf_counter()
    sections = asyncio.run(run_soak(args) if args.command == "soak" else run_suite(args))
    write(sections, args.quick)
    for title, lines in sections.items():
        print(f"\n## {title}\n" + "\n".join(lines))
    print(f"\nwrote {REPORT.relative_to(ROOT)} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
