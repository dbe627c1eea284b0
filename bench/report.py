"""The broadcast benchmark's section of docs/benchmarks.md (only that section is rewritten)."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench.fixtures import ROOT
from bench.profile import Profile
from bench.runs import LEASE_SECONDS, RunResult

if TYPE_CHECKING:
    from bench.broadcast import Report

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


def revision() -> str:
    """The code measured: BENCH_REVISION if set (a snapshot), else git's HEAD."""
    if os.environ.get("BENCH_REVISION"):
        return os.environ["BENCH_REVISION"]
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return "unknown"
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout.strip()
    return head.stdout.strip() + (" with uncommitted changes" if changed else "")


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
