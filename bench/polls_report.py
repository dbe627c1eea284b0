"""The poll benchmark's section of docs/benchmarks.md (bench/polls.py writes only that one)."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import TYPE_CHECKING

from bench.load import Phase, load_average, median
from bench.profile import Profile
from bench.report import revision

if TYPE_CHECKING:
    from bench.polls import EngineRun, Plan

TARGET_RATIO = 0.7
TARGET_P99 = 0.250


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def _ratios(run: EngineRun) -> list[float]:
    """Per repeat: our throughput ÷ the echo bot's, measured back to back."""
    pairs = zip(run.of("ours", "closed"), run.of("echo", "closed"), strict=False)
    return [ours.throughput / echo.throughput for ours, echo in pairs]


def _throughput(runs: list[EngineRun], window: int) -> list[str]:
    lines = [
        f"### Throughput: votes answered per second (closed loop, {window} votes outstanding)",
        "",
        "| engine | viewers | runs | our bot votes/s | echo bot votes/s | ours ÷ echo "
        f"(target ≥ {TARGET_RATIO}) | bot CPU per vote: ours / echo | last ballot edit "
        "after the last answer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        ours, echo = run.of("ours", "closed"), run.of("echo", "closed")
        echo_rate = f"{median([p.throughput for p in echo]):.0f}" if echo else "—"
        ratio = f"{median(_ratios(run)):.2f}" if echo else "—"
        echo_cpu = f"{median([p.cpu_per_update_ms for p in echo]):.2f}" if echo else "—"
        lines.append(
            f"| {run.engine} | {run.viewers:,} | {len(ours)} "
            f"| {median([p.throughput for p in ours]):.0f} | {echo_rate} | {ratio} "
            f"| {median([p.cpu_per_update_ms for p in ours]):.2f} / {echo_cpu} ms "
            f"| {median([p.settle for p in ours]):.1f} s |"
        )
    return lines


def _latency(runs: list[EngineRun], plan: Plan) -> list[str]:
    lines = [
        "",
        f"### Latency at {plan.rate:g} votes/s: vote → answerCallbackQuery (open loop, "
        "every viewer votes once)",
        "",
        "| engine | bot | runs | offered votes/s | answered votes/s | p50 "
        f"| p99 (target ≤ {TARGET_P99 * 1000:.0f} ms) | max |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        for bot in ("ours", "echo"):
            phases = run.of(bot, "open")
            if not phases:
                continue
            lines.append(
                f"| {run.engine} | {'our bot' if bot == 'ours' else 'echo bot'} | {len(phases)} "
                f"| {median([p.offered for p in phases]):.0f} "
                f"| {median([p.throughput for p in phases]):.0f} "
                f"| {ms(median([p.percentile(0.5) for p in phases]))} "
                f"| {ms(median([p.percentile(0.99) for p in phases]))} "
                f"| {ms(median([p.percentile(1.0) for p in phases]))} |"
            )
    return lines


def _checks(runs: list[EngineRun]) -> list[str]:
    lines = [
        "",
        "### Correctness (read from the database after all rounds) and the set-up",
        "",
        "| engine | viewers | rows in poll_votes | distinct voters | rows ≠ the viewer's last "
        'choice | results = COUNT over poll_votes | answers other than "your vote is in" '
        "| ballots sent through the outbox |",
        "|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for run in runs:
        c = run.checks
        lines.append(
            f"| {run.engine} | {c.expected:,} | {c.votes:,} | {c.voters:,} | {c.wrong_choice} "
            f"| {'yes' if c.results_match else '**no**'} | {c.answers_not_voted} "
            f"| {run.ballots_per_second:.0f}/s |"
        )
    return lines


def _profiles(runs: list[EngineRun]) -> list[str]:
    run = next((r for r in runs if "ours" in r.profiles), None)
    if run is None:
        return []
    return profile_table(run.profiles, run.engine, run.viewers, "vote")


def profile_table(profiles: dict[str, Profile], engine: str, updates: int, unit: str) -> list[str]:
    """Both bots' profiles of one throughput phase: shares of their busy samples, and the
    sampled time per update (py-spy samples at 100 Hz: a sample is 10 ms)."""
    ours, echo = profiles["ours"], profiles.get("echo")
    theirs = dict(echo.markers) if echo else {}

    def cell(profile: Profile | None, share: float | None) -> str:
        if profile is None or not share:
            return "—"
        return f"{share:.0%}, {share * profile.samples * 10 / updates:.2f} ms"

    lines = [
        "",
        f"Profile of the first throughput phase on {engine} (py-spy at 100 Hz over each bot's "
        f"process, samples of waiting threads left out: {ours.samples:,} samples of our bot, "
        f"{echo.samples if echo else 0:,} of the echo bot, for {updates:,} updates each). "
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


def _reading(runs: list[EngineRun], plan: Plan) -> list[str]:
    """What the figures say, computed from them (so a re-run cannot contradict its text)."""
    lines = ["", "### Reading", ""]
    for run in runs:
        ratio = median(_ratios(run)) if run.of("echo", "closed") else float("nan")
        p99 = median([p.percentile(0.99) for p in run.of("ours", "open")])
        ours_rate = median([p.throughput for p in run.of("ours", "closed")])
        verdict = "met" if ratio >= TARGET_RATIO else "**missed**"
        latency = "met" if p99 <= TARGET_P99 else "**missed**"
        lines.append(
            f"- {run.engine}: throughput ratio {ratio:.2f} (target {TARGET_RATIO}: {verdict}); "
            f"p99 at {plan.rate:g} votes/s {ms(p99)} (target {latency}). Our bot answers "
            f"{ours_rate:.0f} votes/s"
            + (
                f", below the offered {plan.rate:g}/s, so in the open loop the votes queue and "
                "the latency is the queue's"
                if ours_rate < plan.rate
                else ""
            )
            + f"; all invariants {'hold' if run.checks.ok else '**fail**'}."
        )
        lines.append(
            f"- {run.engine}: the dedupe claim of MeteredApplication (every update id, before "
            f"any handler; the claims of one getUpdates batch in one statement) costs "
            f"{run.dedupe_ms:.2f} ms per update on its own."
        )
        lines += where_time_goes(run.profiles, run.engine, run.viewers, "vote")
    lines.append(
        "- Updates run concurrently across chats (bot/ordering.py), the votes in flight are "
        "written in one transaction (domain/batching.py), at most 16 Bot API requests are in "
        "flight (bot/http.py) and ballot edits wait behind the answers "
        '(handlers/poll_cards.py); the steps are measured under "What moved the vote '
        'rate" below. The bot is bound by its one core (the emulation and the viewers '
        "have the other): what is left per vote is mostly python-telegram-bot's own cost "
        "for the answer and for the edit that shows the choice on the ballot, which the "
        "echo bot does not make."
    )
    return lines


def _share(profile: Profile, start: str) -> float:
    return sum(v for k, v in profile.markers if k.strip().startswith(start))


def where_time_goes(
    profiles: dict[str, Profile], engine: str, updates: int, unit: str
) -> list[str]:
    """The profile in one sentence: our CPU per update against the echo bot's, and shares."""
    ours, echo = profiles.get("ours"), profiles.get("echo")
    if ours is None or echo is None:
        return []
    database = _share(ours, "of all: SQLAlchemy") + _share(ours, "of all: the database")
    edits = _share(ours, "Coalescer") + _share(ours, "lanes")
    return [
        f"- {engine}, where the time goes (profile above): our bot spends "
        f"{ours.samples * 10 / updates:.1f} ms of sampled CPU per {unit}, the echo bot "
        f"{echo.samples * 10 / updates:.1f} ms. Fetching the updates and answering cost both "
        f"bots about the same; ours adds the database ({database:.0%} of its time: "
        f"SQLAlchemy and the driver, every statement of the update claims and the use case), "
        f"the Bot API calls after the answer ({edits:.0%}: edits that show the new state, "
        f"cards, confirmations) and httpcore's failed `import sniffio` on every request "
        f"({_share(ours, 'of all: httpcore'):.0%}, the echo bot pays it too)."
    ]


def render_section(plan: Plan, runs: list[EngineRun], command: str, started: datetime) -> str:
    load = load_average()
    head = [
        f"Command: `{command}` (or `make bench-polls`), started {started:%Y-%m-%d %H:%M} UTC"
        f"{', load average ' + load + ' at the end' if load else ''}. Engines: "
        f"{', '.join(plan.engines)}. Code measured: `{revision()}`.",
        "",
        "Our bot runs as a real `python -m bot.cli run` process on a scratch database, the echo "
        "bot (`bench/echo_bot.py`: python-telegram-bot with a handler that only answers the "
        "callback, no database) as another; the Bot API emulation and the simulated viewers "
        "run in the benchmark process, so each side has a core of its own. A single-choice "
        "poll with four options is launched through `PollService.launch`; the bot's sender "
        "delivers every ballot through the outbox (`PAID_BROADCAST=true`, BROADCAST_RATE "
        "1000, the emulation's paid limit). Every viewer then presses an option on their "
        "ballot; a vote is done when the bot's answerCallbackQuery reaches the emulation "
        "(times taken there: queued → answered). The two bots take turns on the same "
        "emulation and the same ballots; ratios are per turn, then the median. Medians of "
        f"{plan.repeats} runs; each round moves every viewer to another option.",
        "",
    ]
    body = [
        *_throughput(runs, plan.window),
        *_latency(runs, plan),
        *_checks(runs),
        *_profiles(runs),
        *_reading(runs, plan),
    ]
    return "\n".join([*head, *body]) + "\n"


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
