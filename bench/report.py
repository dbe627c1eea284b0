"""The broadcast benchmark's section of docs/benchmarks.md (only that section is rewritten),
and what the load benchmarks' sections share (bench/polls_report.py, bench/ingest_report.py):
the first line, the rows of the phase tables, the profile and the reading's figures.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.load import Stamp, median, revision
from bench.profile import Profile
from bench.runs import LEASE_SECONDS, RunResult

if TYPE_CHECKING:
    from bench.broadcast import Report
    from bench.load import LoadRun, Phase

START = "<!-- bench:broadcast:start -->"
END = "<!-- bench:broadcast:end -->"
HEADING = "## Broadcast (issue 3)"


def machine() -> str:
    """nproc, free -h, the Python version and the CPU model, for the intro."""
    free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"- `nproc`: {os.cpu_count()}\n"
        f"- CPU: {model}\n"
        f"- Python {platform.python_version()} ({platform.platform()})\n"
        f"- `free -h`:\n\n```\n{free.rstrip()}\n```\n"
    )


INTRO = """# Benchmarks

Each benchmark is one command; its section below says which, when it ran and on what.
Sections are rewritten by their own script between `<!-- bench:NAME:start -->` and
`<!-- bench:NAME:end -->`; ratios are measured side by side in the same run.

The machine (a developer's and CI's are of the same kind):

{machine}
"""


def _median(runs: list[RunResult]) -> float:
    return statistics.median(r.achieved for r in runs)


def _cpu(runs: list[RunResult]) -> str:
    values = [r.cpu_ms for r in runs if r.cpu_ms is not None]
    return f"{statistics.median(values):.2f} ms" if values else "—"


def _paced(report: Report) -> list[str]:
    limit = report.plan.limits.global_per_second
    lines = [
        f"### Paced: {limit:g} messages/s overall, 1/s per chat, 429 beyond",
        "",
        "| engine | BROADCAST_RATE | subscribers | achieved msg/s | ÷ BROADCAST_RATE "
        f"(target ≥ 0.95) | ÷ allowed {limit:g}/s | 429s: all / after 1st s | lost "
        "| duplicates | first → last delivery |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report.paced:
        lines.append(
            f"| {r.engine} | {r.rate:g} | {r.subscribers:,} | {r.achieved:.2f} "
            f"| {r.of_rate:.3f} | {r.of_allowed:.3f} | {r.throttled} / {r.throttled_late} "
            f"| {r.lost} | {r.duplicates} | {r.seconds:.0f} s |"
        )
    return lines


def _crashes(report: Report) -> list[str]:
    if not report.crashes:
        return []
    lines = [
        "",
        f"### SIGKILL at 50%, then a restart (BROADCAST_RATE {report.crashes[0].rate:g})",
        "",
        "Killed when about half the subscribers had their message, at the middle of a batch "
        "(claimed, half sent, not yet recorded), so that the kill leaves sends unrecorded.",
        "",
        "| engine | subscribers | killed after (delivered) | claimed, unrecorded at the kill "
        "| next delivery after the kill | lost | duplicates "
        "| bound: one batch = ceil(BROADCAST_RATE) | outbox at the end |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in report.crashes:
        assert r.crash is not None
        outbox = ", ".join(f"{k} {v:,}" for k, v in sorted(r.outbox.items()))
        lines.append(
            f"| {r.engine} | {r.subscribers:,} | {r.crash.killed_after:,} | {r.crash.claimed} "
            f"| {r.crash.downtime:.1f} s | {r.lost} | {r.duplicates} | ≤ {r.crash.bound} "
            f"| {outbox} |"
        )
    lines += [
        "",
        "**Crash bound.** The sender claims one batch of ceil(BROADCAST_RATE) deliveries, sends "
        "it, then records the results in one transaction. A SIGKILL loses at most the records of "
        "the batch in flight, so after a restart at most one batch per killed process is sent "
        "a second time: **duplicates ≤ ceil(BROADCAST_RATE) per killed process** (25 at the "
        "default rate), and nobody is left out. On SQLite (one process) the restarted bot "
        "releases every claim at start-up and re-sends them at once; on PostgreSQL it waits "
        f"until the killed process's lease ({LEASE_SECONDS:g} s) runs out, so that a second, "
        "live process's claims are never taken over.",
    ]
    return lines


def _paid(report: Report) -> list[str]:
    if not report.paid:
        return []
    bare = report.paid.get("bare", [])
    limit = report.plan.limits.paid_per_second
    lines = [
        "",
        f"### Paid broadcast: PAID_BROADCAST=true, BROADCAST_RATE 1000, limit {limit:g}/s",
        "",
        "| sender | engine | runs | median msg/s | ÷ 1000/s (target ≥ 0.9) | ours ÷ bare "
        "| sender CPU per message | 429s (all runs) | lost | duplicates |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, runs in report.paid.items():
        ratio = f"{_median(runs) / _median(bare):.2f}" if bare and key != "bare" else "—"
        lines.append(
            f"| {'bare PTB' if key == 'bare' else 'our bot'} | {runs[0].engine} | {len(runs)} "
            f"| {_median(runs):.0f} | {_median(runs) / limit:.2f} | {ratio} | {_cpu(runs)} "
            f"| {sum(r.throttled for r in runs)} | {sum(r.lost for r in runs)} "
            f"| {sum(r.duplicates for r in runs)} |"
        )
    for key, r in report.paid_sniffio.items():
        lines.append(
            f"| {'bare PTB' if key == 'bare' else 'our bot'} + `sniffio` | {r.engine} | 1 "
            f"| {r.achieved:.0f} | {r.of_allowed:.2f} | — | {_cpu([r])} | {r.throttled} | {r.lost} "
            f"| {r.duplicates} |"
        )
    return lines


def _profiles(report: Report) -> list[str]:
    lines: list[str] = []
    for engine, profile in report.profiles.items():
        lines += [
            "",
            f"Profile of the bot during a paid run on {engine} (py-spy, {profile.samples:,} "
            "samples of running threads; shares of the bot's CPU time):",
            "",
            "| where (inclusive) | share |",
            "|---|---:|",
            *(f"| {label.strip()} | {share:.0%} |" for label, share in profile.markers),
            "",
            "Innermost frame by package: "
            + ", ".join(f"{name} {share:.0%}" for name, share in profile.packages)
            + ".",
        ]
    return lines


def _ratio(report: Report) -> list[str]:
    if not report.ratio:
        return []
    bare = report.ratio.get("bare", [])
    plan = report.plan
    lines = [
        "",
        f"### Side by side at BROADCAST_RATE {plan.rates[0] * plan.scale:g}: our bot ÷ bare "
        f"python-telegram-bot ({plan.ratio_subscribers:,} subscribers, median of "
        f"{plan.repeats})",
        "",
        "| engine | our bot msg/s | bare msg/s | ours ÷ bare | 429s | lost | duplicates |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for engine, runs in report.ratio.items():
        if engine == "bare":
            continue
        lines.append(
            f"| {engine} | {_median(runs):.2f} | {_median(bare):.2f} "
            f"| {_median(runs) / _median(bare):.3f} | {sum(r.throttled for r in runs)} "
            f"| {sum(r.lost for r in runs)} | {sum(r.duplicates for r in runs)} |"
        )
    return lines


def _share(profile: Profile | None, start: str) -> str:
    if profile is None:
        return "?"
    return next((f"{v:.0%}" for k, v in profile.markers if k.strip().startswith(start)), "?")


def _reading(report: Report) -> list[str]:
    """What the figures say, computed from them (so a re-run cannot contradict its text)."""
    lines = ["", "### Reading", ""]
    by_rate: dict[float, list[RunResult]] = {}
    for r in report.paced:
        by_rate.setdefault(r.rate, []).append(r)
    for rate, runs in sorted(by_rate.items()):
        late = sum(r.throttled_late for r in runs)
        worst = min(r.achieved for r in runs)
        lines.append(
            f"- BROADCAST_RATE {rate:g}: at least {worst:.2f} msg/s on every engine "
            f"({min(r.of_allowed for r in runs):.3f} of the allowed "
            f"{runs[0].allowed:g}/s), {late} 429s after the first second (engines together)."
        )
    if any(r.throttled for r in report.paced):
        lines.append(
            "- A 429 costs a whole second: the sender pauses every send for `retry_after` "
            "(at least 1 s). Pacing exactly at the limit lets a few milliseconds of jitter in "
            "arrival times put one message too many into some 1-second window, so the pace "
            "must stay a little below Telegram's limit."
        )
    ours = [r for k, runs in report.paid.items() if k != "bare" for r in runs]
    bare = report.paid.get("bare", [])
    if ours and bare:
        profile = next(iter(report.profiles.values()), None)
        lines.append(
            f"- Paid: our bot {_median(ours):.0f} msg/s (median over engines and runs) "
            f"against the 1000/s limit; the bare python-telegram-bot sender, with no database "
            f"at all, {_median(bare):.0f} msg/s on the same machine. Both processes are "
            f"CPU-bound: {_cpu(ours)} (ours) and {_cpu(bare)} (bare) of CPU per message. "
            "The bottleneck is python-telegram-bot's HTTP stack (httpx/httpcore), not the "
            f"outbox: in the profile `Bot.send_message` takes {_share(profile, 'Bot.send')} "
            f"of the bot's CPU, httpcore's connection-pool bookkeeping "
            f"{_share(profile, 'of it: httpcore')}, and a failed `import sniffio` on every "
            f"request {_share(profile, 'of it: failed')} (httpcore 1.0 tries it per request; "
            "anyio 4 no longer installs sniffio). Our own code is the rest: rendering "
            f"{_share(profile, 'Broadcaster.render')}, SQLAlchemy for claim/record/progress "
            f"{_share(profile, 'SQLAlchemy')}."
        )
    if report.paid_sniffio:
        text = ", ".join(
            f"{'bare' if k == 'bare' else 'our bot on ' + k} {r.achieved:.0f} msg/s"
            for k, r in report.paid_sniffio.items()
        )
        noisy = report.load.get("paid", 0) >= 1.5
        lines.append(
            f"- With a `sniffio` module importable (a stub, `--sniffio-stub`): {text}"
            + (" (one run each, under the load noted above: within the noise)." if noisy else ".")
        )
    return lines


def render_section(report: Report, command: str, started: datetime) -> str:
    plan = report.plan
    head = [
        f"Command: `{command}` (or `make bench-broadcast`), measured "
        f"{report.started or f'{started:%Y-%m-%d %H:%M}'} to "
        f"{report.finished or f'{datetime.now(UTC):%Y-%m-%d %H:%M}'} UTC. "
        f"Engines: {', '.join(plan.engines)}. Code measured: `{revision()}`.",
        "",
    ]
    if report.load:
        loads = ", ".join(f"{part} {value:.2f}" for part, value in report.load.items())
        head += [f"1-minute load average when each part started: {loads}.", ""]
        if max(report.load.values()) >= 1.5:
            head += [
                "**The machine was shared with other work** while some parts ran (a load "
                "above 1 on 2 cores): CPU-bound figures (paid) are then lower than on a quiet "
                "machine. Our bot and the bare baseline ran under the same load, so compare "
                "them with each other (ours ÷ bare), not with the target.",
                "",
            ]
    head += [
        "The bot runs as a real `python -m bot.cli run` process on a scratch database; the "
        "go-live is written by `SessionService.go_live` (the outbox in the same transaction) "
        "and the running sender picks it up. The Bot API emulation runs in the benchmark "
        "process and measures: the achieved rate is (messages − 1) ÷ (last − first delivery); "
        "lost and duplicates come from its per-chat delivery counts, and the outbox must end "
        '`done` with every delivery `sent`. "÷ BROADCAST_RATE" compares with the configured '
        "pace (the issue's ≥ 0.95 target); \"÷ allowed\" with Telegram's limit.",
        "",
    ]
    body = [*_paced(report), *_crashes(report), *_paid(report), *_profiles(report)]
    return "\n".join([*head, *body, *_ratio(report), *_reading(report)]) + "\n"


def write_section(
    doc: Path, section: str, start: str = START, end: str = END, heading: str = HEADING
) -> None:
    """Replace our section between the markers; create the file or the section if missing."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else INTRO.format(machine=machine())
    block = f"{start}\n{section}{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip("\n") + f"\n\n{heading}\n\n{block}\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class DocSection:
    """A benchmark's section of a document: between its markers, under its heading."""

    doc: Path
    start: str
    end: str
    heading: str

    def write(self, section: str) -> None:
        write_section(self.doc, section, self.start, self.end, self.heading)


# What the sections of the load benchmarks (bench/polls.py, bench/ingest.py) share.


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def command_line(stamp: Stamp, make: str, engines: list[str]) -> str:
    """A section's first line: the command, when it started, the load, what was measured."""
    load = stamp.load
    return (
        f"Command: `{stamp.command}` (or `make {make}`), started {stamp.started:%Y-%m-%d %H:%M} "
        f"UTC{', load average ' + load + ' at the end' if load else ''}. Engines: "
        f"{', '.join(engines)}. Code measured: `{stamp.revision}`."
    )


def ratios(run: LoadRun) -> list[float]:
    """Per repeat: our throughput ÷ the echo bot's, measured back to back."""
    pairs = zip(run.of("ours", "closed"), run.of("echo", "closed"), strict=False)
    return [ours.throughput / echo.throughput for ours, echo in pairs]


def headline(run: LoadRun) -> tuple[float, float, float]:
    """What the reading holds against the targets: the median of `ratios`, our p99 in the
    open loop and our throughput in the closed loop (medians of the repeats)."""
    ratio = median(ratios(run)) if run.of("echo", "closed") else float("nan")
    p99 = median([p.percentile(0.99) for p in run.of("ours", "open")])
    ours_rate = median([p.throughput for p in run.of("ours", "closed")])
    return ratio, p99, ours_rate


def met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def throughput_rows(runs: Sequence[LoadRun]) -> list[str]:
    """The closed loop, a row per engine: runs, both bots' throughput, their ratio, their
    CPU per update and the work left after the last answer (medians of the repeats)."""
    lines = []
    for run in runs:
        ours, echo = run.of("ours", "closed"), run.of("echo", "closed")
        echo_rate = f"{median([p.throughput for p in echo]):.0f}" if echo else "—"
        ratio = f"{median(ratios(run)):.2f}" if echo else "—"
        echo_cpu = f"{median([p.cpu_per_update_ms for p in echo]):.2f}" if echo else "—"
        lines.append(
            f"| {run.engine} | {run.viewers:,} | {len(ours)} "
            f"| {median([p.throughput for p in ours]):.0f} | {echo_rate} | {ratio} "
            f"| {median([p.cpu_per_update_ms for p in ours]):.2f} / {echo_cpu} ms "
            f"| {median([p.settle for p in ours]):.1f} s |"
        )
    return lines


def _median_ms(phases: list[Phase], q: float, kind: str | None = None) -> str:
    return ms(median([p.percentile(q, kind) for p in phases]))


def latency_rows(runs: Sequence[LoadRun], kinds: tuple[str, ...] = ()) -> list[str]:
    """The open loop, a row per engine and bot: runs, offered and handled rates, p50, p99,
    the p99 of each of `kinds` of update, and the slowest (medians of the repeats)."""
    lines = []
    for run in runs:
        for bot in ("ours", "echo"):
            phases = run.of(bot, "open")
            if not phases:
                continue
            lines.append(
                f"| {run.engine} | {'our bot' if bot == 'ours' else 'echo bot'} | {len(phases)} "
                f"| {median([p.offered for p in phases]):.0f} "
                f"| {median([p.throughput for p in phases]):.0f} | {_median_ms(phases, 0.5)} "
                f"| {_median_ms(phases, 0.99)} "
                + "".join(f"| {_median_ms(phases, 0.99, kind)} " for kind in kinds)
                + f"| {_median_ms(phases, 1.0)} |"
            )
    return lines


PROFILED = {"closed": "throughput (closed-loop)", "open": "paced (open-loop)"}


def profile_table(
    runs: Sequence[LoadRun], per_viewer: int, unit: str, phase: str | None
) -> list[str]:
    """Both bots' profiles of one `phase` ("closed" or "open"; the first engine that has
    them): shares of their busy samples, and the sampled time per update (py-spy samples at
    100 Hz: a sample is 10 ms). Each viewer sent `per_viewer` updates in the phase."""
    run = next((r for r in runs if "ours" in r.profiles), None)
    if run is None:
        return []
    updates = run.viewers * per_viewer
    ours, echo = run.profiles["ours"], run.profiles.get("echo")
    theirs = dict(echo.markers) if echo else {}

    def cell(profile: Profile | None, share: float | None) -> str:
        if profile is None or not share:
            return "—"
        return f"{share:.0%}, {share * profile.samples * 10 / updates:.2f} ms"

    lines = [
        "",
        f"Profile of the first {PROFILED.get(phase or '', 'throughput')} phase on {run.engine} "
        "(py-spy at 100 Hz over each "
        f"bot's process, samples of waiting threads left out: {ours.samples:,} samples of our "
        f"bot, {echo.samples if echo else 0:,} of the echo bot, for {updates:,} updates each). "
        f"Inclusive share of the bot's busy samples, and sampled time per {unit}:",
        "",
        "| where | our bot | echo bot |",
        "|---|---:|---:|",
        f"| everything | 100%, {ours.samples * 10 / updates:.2f} ms "
        f"| {cell(echo, 1.0) if echo else '—'} |",
    ]
    for label, share in ours.markers:
        lines.append(f"| {label} | {cell(ours, share)} | {cell(echo, theirs.get(label))} |")
    return lines


def _marker_share(profile: Profile, start: str) -> float:
    return sum(v for k, v in profile.markers if k.strip().startswith(start))


def where_time_goes(run: LoadRun, per_viewer: int, unit: str) -> list[str]:
    """The profile in one sentence: our CPU per update against the echo bot's, and shares."""
    ours, echo = run.profiles.get("ours"), run.profiles.get("echo")
    if ours is None or echo is None:
        return []
    updates = run.viewers * per_viewer
    database = _marker_share(ours, "of all: SQLAlchemy")
    database += _marker_share(ours, "of all: the database")
    edits = _marker_share(ours, "Coalescer") + _marker_share(ours, "lanes")

    def fetch_and_answer(profile: Profile) -> str:
        share = _marker_share(profile, "getUpdates") + _marker_share(profile, "answerCallback")
        return f"{share * profile.samples * 10 / updates:.2f} ms"

    return [
        f"- {run.engine}, where the time goes (profile above): our bot spends "
        f"{ours.samples * 10 / updates:.1f} ms of sampled CPU per {unit}, the echo bot "
        f"{echo.samples * 10 / updates:.1f} ms. Fetching the updates and answering the "
        f"presses cost ours {fetch_and_answer(ours)} per {unit} and the echo bot "
        f"{fetch_and_answer(echo)}; ours adds the database ({database:.0%} of its time: "
        f"SQLAlchemy and the driver, every statement of the update claims and the use case), "
        f"the Bot API calls after the answer ({edits:.0%}: edits that show the new state, "
        f"cards, confirmations). The HTTP client under python-telegram-bot takes "
        f"{_marker_share(ours, 'of all: the HTTP'):.0%} of ours (aiohttp, bot/http.py) and "
        f"{_marker_share(echo, 'of all: the HTTP'):.0%} of the echo bot's (httpx, "
        "python-telegram-bot's default)."
    ]


def phase_json(phase: Phase) -> dict[str, object]:
    """A phase's figures without its samples (for --json)."""
    latencies = phase.latencies()
    return {
        "bot": phase.bot,
        "mode": phase.mode,
        "updates": len(latencies),
        "throughput": phase.throughput,
        "p50": phase.percentile(0.5),
        "p99": phase.percentile(0.99),
        "mean": statistics.fmean(latencies) if latencies else None,
        "offered": phase.offered,
        "bot_cpu_ms": phase.cpu_per_update_ms,
        "settle": phase.settle,
    }
