"""The poll benchmark's section of docs/benchmarks.md (bench/polls.py writes only that one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.load import Stamp
from bench.report import (
    command_line,
    headline,
    latency_rows,
    met,
    ms,
    profile_table,
    throughput_rows,
    where_time_goes,
)

if TYPE_CHECKING:
    from bench.polls import EngineRun, Plan

TARGET_RATIO = 0.7
TARGET_P99 = 0.250


def _throughput(runs: list[EngineRun], window: int) -> list[str]:
    return [
        f"### Throughput: votes answered per second (closed loop, {window} votes outstanding)",
        "",
        "| engine | viewers | runs | our bot votes/s | echo bot votes/s | ours ÷ echo "
        f"(target ≥ {TARGET_RATIO}) | bot CPU per vote: ours / echo | last ballot edit "
        "after the last answer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *throughput_rows(runs),
    ]


def _latency(runs: list[EngineRun], plan: Plan) -> list[str]:
    return [
        "",
        f"### Latency at {plan.rate:g} votes/s: vote → answerCallbackQuery (open loop, "
        "every viewer votes once)",
        "",
        "| engine | bot | runs | offered votes/s | answered votes/s | p50 "
        f"| p99 (target ≤ {TARGET_P99 * 1000:.0f} ms) | max |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *latency_rows(runs),
    ]


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


def _reading(runs: list[EngineRun], plan: Plan) -> list[str]:
    """What the figures say, computed from them (so a re-run cannot contradict its text)."""
    lines = ["", "### Reading", ""]
    for run in runs:
        ratio, p99, ours_rate = headline(run)
        lines.append(
            f"- {run.engine}: throughput ratio {ratio:.2f} (target {TARGET_RATIO}: "
            f"{met(ratio >= TARGET_RATIO)}); p99 at {plan.rate:g} votes/s {ms(p99)} (target "
            f"{met(p99 <= TARGET_P99)}). Our bot answers {ours_rate:.0f} votes/s"
            + (
                f", below the offered {plan.rate:g}/s, so in the open loop the votes queue and "
                "the latency is the queue's"
                if ours_rate < plan.rate
                else ""
            )
            + f"; all invariants {'hold' if run.checks.ok else '**fail**'}."
        )
        lines.append(
            f"- {run.engine}: the dedupe claim (every update id, as it arrives, before "
            f"any handler; the claims of one getUpdates batch in one statement) costs "
            f"{run.dedupe_ms:.2f} ms per update on its own."
        )
        lines += where_time_goes(run, 1, "vote")
    lines.append(
        "- Updates run concurrently across chats (bot/ordering.py), the votes in flight are "
        "written in one transaction (domain/batching.py), Bot API calls go through aiohttp "
        "(bot/http.py; a sixth of the CPU per call of python-telegram-bot's default httpx "
        'client: "The bot\'s HTTP client" below), at most 16 at once, and ballot edits wait '
        'behind the answers (handlers/poll_cards.py); the steps are measured under "What '
        "moved the vote rate\" below. The echo bot keeps python-telegram-bot's default "
        "client, as a bare bot would: that is why ours can answer more votes a second than "
        "it while doing more per vote (a transaction, the ballot edit)."
    )
    return lines


def render_section(plan: Plan, runs: list[EngineRun], stamp: Stamp) -> str:
    head = [
        command_line(stamp, "bench-polls", plan.engines),
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
        *profile_table(runs, 1, "vote", plan.profile),
        *_reading(runs, plan),
    ]
    return "\n".join([*head, *body]) + "\n"
