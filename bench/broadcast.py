"""Issue 3 benchmark: the go-live broadcast at Telegram's rate, after a SIGKILL, and paid.

    .venv/bin/python -m bench.broadcast [--subscribers N] [--engine sqlite|postgresql|both]
                                        [--quick] [--no-docs] [--profile] [--sniffio-stub]
                                        [--resume FILE [--redo PARTS]]

The bot runs as `python -m bot.cli run` against the Bot API emulation served by this process
(30 messages/s overall, 1/s per chat, 1000/s paid, 429 beyond), on a scratch database of its
own (a file on SQLite; a database created next to `test` on PostgreSQL, dropped afterwards).

1. paced: one go-live to N subscribers at BROADCAST_RATE 25 (the default), 29 and 30;
2. crash: the same at 25, SIGKILL at about half (mid-batch), restart, wait until done;
3. paid: PAID_BROADCAST at BROADCAST_RATE 1000, repeated, beside the bare baseline
   (bench/bare.py: python-telegram-bot alone, same pacing, no database);
4. ratio: our rate ÷ the bare rate at 25/s, repeated at a smaller size.

Paced and crash runs of the two engines run at the same time (each has its own emulation
and bot; at 25-30/s each uses a few per cent of a core); paid and ratio runs one at a time,
after waiting (up to 10 min) for the machine's load average to fall below 1. The full run
takes about 45 minutes; `--resume FILE` keeps what each part measured, so an interrupted
run goes on where it stopped. The results replace the section between the markers in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.fixtures import ROOT, python_path
from bench.profile import Profile, summarise
from bench.report import render_section, write_section
from bench.runs import RunResult, bare_run, broadcast_run
from sandbox import RateLimits

DOC = ROOT / "docs" / "benchmarks.md"


@dataclass
class Plan:
    engines: list[str]
    subscribers: int = 10_000
    ratio_subscribers: int = 500
    repeats: int = 3
    rates: tuple[float, ...] = (25, 29, 30)
    crash: bool = True
    paid: bool = True
    profile: bool = False
    sniffio_stub: bool = False
    scale: float = 1.0  # multiplies the 30/s limit and the paced rates (CI: faster runs)

    @property
    def limits(self) -> RateLimits:
        return RateLimits(global_per_second=30 * self.scale, paid_per_second=1000)


@dataclass
class Report:
    plan: Plan
    paced: list[RunResult] = field(default_factory=list)
    crashes: list[RunResult] = field(default_factory=list)
    paid: dict[str, list[RunResult]] = field(default_factory=dict)  # engine or "bare"
    paid_sniffio: dict[str, RunResult] = field(default_factory=dict)
    ratio: dict[str, list[RunResult]] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    load: dict[str, float] = field(default_factory=dict)  # 1-minute load at each part's start
    started: str = ""  # when the first part started (UTC), kept across --resume
    finished: str = ""  # when the last part finished

    def save(self, path: Path) -> None:
        """Everything measured so far, so that a long run can be resumed (`--resume`)."""
        data = {
            "paced": [r.as_json() for r in self.paced],
            "crashes": [r.as_json() for r in self.crashes],
            "paid": {k: [r.as_json() for r in v] for k, v in self.paid.items()},
            "paid_sniffio": {k: r.as_json() for k, r in self.paid_sniffio.items()},
            "ratio": {k: [r.as_json() for r in v] for k, v in self.ratio.items()},
            "profiles": {k: asdict(p) for k, p in self.profiles.items()},
            "load": self.load,
            "started": self.started,
            "finished": self.finished,
        }
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")

    @classmethod
    def load_from(cls, path: Path, plan: Plan) -> Report:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        run = RunResult.from_json
        return cls(
            plan,
            paced=[run(r) for r in data["paced"]],
            crashes=[run(r) for r in data["crashes"]],
            paid={k: [run(r) for r in v] for k, v in data["paid"].items()},
            paid_sniffio={k: run(r) for k, r in data["paid_sniffio"].items()},
            ratio={k: [run(r) for r in v] for k, v in data["ratio"].items()},
            profiles={k: Profile.from_json(p) for k, p in data["profiles"].items()},
            load=data["load"],
            started=data.get("started", ""),
            finished=data.get("finished", ""),
        )

    def forget(self, parts: list[str]) -> None:
        """Drop parts ("paced", "crash", "paid", "ratio") so that they are measured again."""
        if "paced" in parts:
            self.paced = []
        if "crash" in parts:
            self.crashes = []
        if "paid" in parts:
            self.paid, self.paid_sniffio, self.profiles = {}, {}, {}
        if "ratio" in parts:
            self.ratio = {}

    def runs(self) -> list[RunResult]:
        nested = [*self.paid.values(), *self.ratio.values()]
        return [
            *self.paced,
            *self.crashes,
            *(r for runs in nested for r in runs),
            *self.paid_sniffio.values(),
        ]


def load_average() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


async def quiet(say: Callable[[str], None], below: float = 1.0, at_most: float = 600) -> float:
    """Wait (up to `at_most` s) until the 1-minute load is below `below`: the paid and ratio
    parts measure CPU-bound processes, which other work on a 2-core machine would slow."""
    deadline = time.monotonic() + at_most
    load = load_average()
    if load >= below:
        say(f"waiting for the load average ({load:.2f}) to fall below {below:g}")
    while load >= below and time.monotonic() < deadline:
        await asyncio.sleep(10)
        load = load_average()
    return load


async def run_benchmark(
    plan: Plan,
    workdir: Path,
    say: Callable[[str], None] = print,
    report: Report | None = None,
    resume: Path | None = None,
) -> Report:
    """Run the plan's parts not yet in `report`; save to `resume` after each part."""
    report = report or Report(plan)
    report.started = report.started or f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
    limits, scale, n = plan.limits, plan.scale, plan.subscribers

    def done(part: str) -> None:
        say(f"-- {part} done")
        report.finished = f"{datetime.now(UTC):%Y-%m-%d %H:%M}"
        if resume is not None:
            report.save(resume)

    async def ours(
        engine: str,
        rate: float,
        tag: str,
        *,
        size: int = n,
        paid: bool = False,
        crash: bool = False,
        profile: Path | None = None,
        path: str = python_path(),
    ) -> RunResult:
        folder = workdir / f"{tag}-{engine}"
        result = await broadcast_run(
            engine,
            size,
            rate if paid else rate * scale,
            folder,
            limits=limits,
            paid=paid,
            crash=crash,
            profile=profile,
            path=path,
        )
        say(result.summary())
        return result

    async def bare(
        size: int, rate: float, tag: str, *, paid: bool = False, path: str = python_path()
    ) -> RunResult:
        result = await bare_run(
            size, rate if paid else rate * scale, workdir / tag, limits=limits, paid=paid, path=path
        )
        say(result.summary())
        return result

    if not report.paced:
        report.load["paced"] = load_average()
        for rate in plan.rates:
            runs = [ours(e, rate, f"paced{rate:g}") for e in plan.engines]
            report.paced += await asyncio.gather(*runs)
        done("paced")
    if plan.crash and not report.crashes:
        report.load["crash"] = load_average()
        runs = [ours(e, plan.rates[0], "crash", crash=True) for e in plan.engines]
        report.crashes += await asyncio.gather(*runs)
        done("crash")
    if plan.paid and not report.paid:
        report.load["paid"] = await quiet(say) if plan.scale == 1 else load_average()
        for i in range(plan.repeats):
            for engine in plan.engines:
                run = await ours(engine, 1000, f"paid{i}", paid=True)
                report.paid.setdefault(engine, []).append(run)
            report.paid.setdefault("bare", []).append(await bare(n, 1000, f"bare{i}", paid=True))
        if plan.profile:
            for engine in plan.engines:
                output = workdir / f"profile-{engine}.txt"
                await ours(engine, 1000, "profiled", paid=True, profile=output)
                report.profiles[engine] = summarise(output)
        if plan.sniffio_stub:
            path = python_path(workdir / "sniffio-stub")
            for engine in plan.engines:
                run = await ours(engine, 1000, "sniffio", paid=True, path=path)
                report.paid_sniffio[engine] = run
            report.paid_sniffio["bare"] = await bare(n, 1000, "bare-sniffio", paid=True, path=path)
        done("paid")
    if plan.repeats and not report.ratio:
        report.load["ratio"] = await quiet(say) if plan.scale == 1 else load_average()
        for i in range(plan.repeats):
            for engine in plan.engines:
                run = await ours(engine, plan.rates[0], f"ratio{i}", size=plan.ratio_subscribers)
                report.ratio.setdefault(engine, []).append(run)
            run = await bare(plan.ratio_subscribers, plan.rates[0], f"ratio-bare{i}")
            report.ratio.setdefault("bare", []).append(run)
        done("ratio")
    return report


def _plan(args: argparse.Namespace) -> Plan:
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    if args.quick:
        plan = Plan(engines, subscribers=args.subscribers or 600, ratio_subscribers=200)
        plan.repeats = 1
    else:
        plan = Plan(engines, subscribers=args.subscribers or 10_000)
    plan.profile, plan.sniffio_stub = args.profile, args.sniffio_stub
    return plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.broadcast", description="Issue 3 broadcast benchmark"
    )
    parser.add_argument("--subscribers", type=int, default=0, help="default 10000 (quick 600)")
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat, no docs")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--profile", action="store_true", help="py-spy the paid runs (PyPI)")
    parser.add_argument(
        "--sniffio-stub", action="store_true", help="also run paid with a stub `sniffio` module"
    )
    parser.add_argument("--redo", help="with --resume: parts to measure again (paid,ratio)")
    parser.add_argument(
        "--resume",
        type=Path,
        help="save the figures here after each part; parts already saved there are not re-run",
    )
    args = parser.parse_args(argv)
    plan = _plan(args)
    command = shlex.join(["python", "-m", "bench.broadcast", *sys.argv[1:]])
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as folder:
        saved = None
        if args.resume is not None and args.resume.exists():
            saved = Report.load_from(args.resume, plan)
            saved.forget(args.redo.split(",") if args.redo else [])
        report = asyncio.run(run_benchmark(plan, Path(folder), report=saved, resume=args.resume))
    section = render_section(report, command, started)
    print(section)
    if not (args.quick or args.no_docs):
        write_section(DOC, section)
        print(f"wrote {DOC}")
    bad = [r for r in report.runs() if r.lost or (r.duplicates and r.crash is None)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
