"""docs/benchmarks.md from the results of one run: machine, table, ratios weaver/peer, targets met or not."""
from __future__ import annotations

import os
from typing import Any, Dict, List, Optional

from bench.common import ms

MB = 1024 * 1024


def _ratio(ours: Optional[float], theirs: Optional[float]) -> Optional[float]:
    if ours is None or theirs is None or theirs != theirs or ours != ours or theirs == 0:
        return None
    return ours / theirs


def _fmt_ratio(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _check(value: Optional[float], ok: bool) -> str:
    return "n/a" if value is None else ("met" if ok else "MISSED")


def targets(results: Dict[str, Any]) -> List[List[str]]:
    """Rows ``[target, figure, verdict]`` of the goals weaver is held to."""
    sync = results["sync"]
    rows: List[List[str]] = []
    r_geo = _ratio(sync["weaver REST"].p(50), sync["pygeoapi REST"].p(50))
    rows.append(["sync echo p50 <= 0.8x pygeoapi's (REST)", _fmt_ratio(r_geo), _check(r_geo, (r_geo or 9) <= 0.8)])
    r_wps = _ratio(sync["weaver WPS"].p(50), sync["pywps WPS"].p(50))
    rows.append(["sync echo p50 <= 0.4x pywps's (WPS Execute)", _fmt_ratio(r_wps), _check(r_wps, (r_wps or 9) <= 0.4)])
    burst = results["async"]
    rate = {name: (res["finished"] / res["total"] if res["total"] else None) for name, res in burst.items()}
    r_rate = _ratio(rate.get("weaver"), rate.get("pygeoapi"))
    rows.append(["200 async jobs finished at >= 3x pygeoapi's rate", _fmt_ratio(r_rate),
                 _check(r_rate, (r_rate or 0) >= 3 and burst["weaver"]["failed"] == 0)])
    p0 = results["probe0"]["weaver"]["submit"].p(50)
    pn = results["probeN"]["weaver"]["submit"].p(50)
    r_scale = _ratio(pn, p0)
    rows.append([f"submit p50 at +{results['args']['preload']} stored jobs <= 1.2x at 0", _fmt_ratio(r_scale),
                 _check(r_scale, (r_scale or 9) <= 1.2)])
    for part in ("worker", "web"):
        before = results["rss_before"]["weaver"].get(part, 0)
        after = results["rss_after"]["weaver"].get(part, 0)
        growth = (after - before) / MB
        rows.append([f"RSS growth of weaver's {part} over {results['args']['memory_jobs']} jobs < 50 MB",
                     f"{growth:+.1f} MB", "met" if growth < 50 else "MISSED"])
    return rows


def _table(header: List[str], rows: List[List[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def render(results: Dict[str, Any]) -> str:
    args = results["args"]
    sync = results["sync"]
    rows = []
    for name in ("weaver REST", "pygeoapi REST", "weaver WPS", "pywps WPS"):
        timing = sync[name]
        rows.append([f"sync echo, {name}", ms(timing.p(50)), ms(timing.p(95)), str(len(timing.values)),
                     str(len(timing.errors))])
    sync_table = _table(["request", "p50 ms", "p95 ms", "ok", "errors"], rows)

    rows = []
    for name, res in results["async"].items():
        rate = res["finished"] / res["total"] if res["total"] else float("nan")
        rows.append([name, ms(res["submit"].p(50)), ms(res["submit"].p(95)), f"{res['total']:.2f}",
                     f"{rate:.1f}", str(res["finished"]), str(res["failed"] + res["unfinished"])])
    async_table = _table(["server", "submit p50 ms", "submit p95 ms", "all finished after s", "jobs/s",
                          "finished", "failed or unfinished"], rows)

    rows = []
    for name, res in results["async"].items():
        spent = res.get("cpu") or {}
        jobs = max(1, res["finished"])
        cells = [f"{spent[part] / jobs * 1000:.1f}" if part in spent else "-"
                 for part in ("web", "worker", "store", "broker")]
        rows.append([name] + cells + [f"{sum(spent.values()) / jobs * 1000:.1f}"])
    cpu_table = _table(["server", "web", "worker", "store", "broker", "all"], rows)

    rows = []
    for name in results["probe0"]:
        zero, full = results["probe0"][name], results["probeN"][name]
        rows.append([name, ms(zero["submit"].p(50)), ms(full["submit"].p(50)),
                     _fmt_ratio(_ratio(full["submit"].p(50), zero["submit"].p(50))),
                     ms(zero["list"].p(50)), ms(full["list"].p(50)), str(full["total"])])
    scale_table = _table(["server", "submit p50 ms at start", f"submit p50 ms at +{args['preload']}", "ratio",
                          "GET /jobs p50 ms at start", f"GET /jobs p50 ms at +{args['preload']}",
                          "jobs listed (total)"], rows)

    rows = []
    for name, parts in results["rss_before"].items():
        for part, before in parts.items():
            after = results["rss_after"][name].get(part, 0)
            rows.append([f"{name} {part}", f"{before / MB:.1f}", f"{after / MB:.1f}", f"{(after - before) / MB:+.1f}"])
    rss_table = _table(["process tree", "RSS MB before", "RSS MB after", "growth MB"], rows)

    sync_ratio = _table(["weaver / peer", "p50", "p95"], [
        ["weaver REST / pygeoapi REST", _fmt_ratio(_ratio(sync["weaver REST"].p(50), sync["pygeoapi REST"].p(50))),
         _fmt_ratio(_ratio(sync["weaver REST"].p(95), sync["pygeoapi REST"].p(95)))],
        ["weaver WPS / pywps WPS", _fmt_ratio(_ratio(sync["weaver WPS"].p(50), sync["pywps WPS"].p(50))),
         _fmt_ratio(_ratio(sync["weaver WPS"].p(95), sync["pywps WPS"].p(95)))],
    ])
    info = results["machine"]
    errors = [f"- {name}: {timing.errors[0]} ({len(timing.errors)} errors)" for name, timing in sync.items()
              if timing.errors]
    errors += [f"- {name} async: {res['submit'].errors[0]}" for name, res in results["async"].items()
               if res["submit"].errors]
    return f"""# Benchmarks

weaver against the two servers a user would otherwise pick for the same job, on the same machine, in one run:
[pygeoapi](https://pygeoapi.io) (TinyDB process manager, its `hello-world` process) and a standalone
[pywps](https://pywps.org) 4.8 server (an `echo` process, `bench/peers/pywps_echo.py`, asynchronous through its
own job store). Each peer runs from its own virtual environment under gunicorn (pygeoapi: 2 processes x 4
threads; pywps: 1 process x 8 threads, see below). weaver
runs on its embedded default (store, broker, one Celery worker of 2 processes, waitress with 8 threads), logging
as shipped. All of them listen on 127.0.0.1 only.

Run: {results['date']}, {results['duration']:.0f} s in all.

Command:

```
make bench
```

which runs `.venv/bin/python bench/run.py` (`{results['command']}`); the peers' environments are created once under
`.bench/venvs`.

Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory, {info['os']}, Python {info['python']}.

## Targets

{_table(["target", "this run", "verdict"], targets(results))}

## Synchronous execution of a trivial echo

{args['sync_requests']} requests per server after 10 of warm-up, one to each server in turn. REST:
`POST /processes/{{id}}/execution` answered with the results; WPS: `Execute` by KVP GET, answered with the
`ExecuteResponse`.

{sync_table}

{sync_ratio}

## {args['async_jobs']} asynchronous jobs from {args['threads']} client threads

Submissions ask for asynchronous execution (`Prefer: respond-async`, or `storeExecuteResponse=true&status=true`
for WPS); the clock runs from the first submission until every job was seen finished.

{async_table}

CPU milliseconds per finished job during that burst, by process tree (peers: the one gunicorn tree does all; its
job store is in-process). On 2 cores, 2000 ms of CPU per second is all there is: this bounds the rate.

{cpu_table}

## Submission and job listing as jobs accumulate

{args['probe']} serial submissions (after 10 of warm-up, one every 50 ms so that each finds the job before it run,
not competing with it for the cores) and {max(5, args['probe'] // 5)} `GET /jobs` pages (10 jobs) on a fresh store, then
again after {args['preload']} finished jobs were stored directly (weaver: through its job store; pygeoapi: into its
TinyDB file), on top of the {args['memory_jobs'] + args['async_jobs']}-odd jobs run in between.
pywps has no job listing.

{scale_table}

## Memory

Resident memory of each process tree (a process and its children: the Celery worker with its pool, gunicorn
with its workers), after the synchronous rounds and after {args['memory_jobs']} more asynchronous jobs on weaver
({args['async_jobs']} on each peer).

{rss_table}
{chr(10).join(["", "## Errors", ""] + errors) if errors else ""}
"""


START, END = "<!-- bench:start (written by bench/run.py) -->", "<!-- bench:end -->"


def write_report(results: Dict[str, Any], path: str) -> str:
    """Write the figures of this run; text after the end marker of an existing report (analysis) is kept."""
    text = f"{START}\n{render(results)}\n{END}\n"
    kept = ""
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as file:
            old = file.read()
        if END in old:
            kept = old.split(END, 1)[1].lstrip("\n")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text + ("\n" + kept if kept else ""))
    return text
