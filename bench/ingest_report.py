"""The question benchmark's section of docs/benchmarks.md (bench/ingest.py writes only that)."""

from __future__ import annotations

from statistics import median
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
    from bench.ingest import EngineRun, Plan

TARGET_RATIO = 0.6
TARGET_P99 = 0.250


def _throughput(runs: list[EngineRun], window: int) -> list[str]:
    return [
        "### Throughput, the emulation's limits off: updates handled per second (closed loop, "
        f"{window} outstanding)",
        "",
        "| engine | viewers | runs | our bot updates/s | echo bot updates/s | ours ÷ echo "
        f"(target ≥ {TARGET_RATIO}) | bot CPU per update: ours / echo | work left after the "
        "last confirmation |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        *throughput_rows(runs),
    ]


def _latency(runs: list[EngineRun], plan: Plan) -> list[str]:
    return [
        "",
        f"### Latency at {plan.rate:g} updates/s, limits off: update → the viewer's "
        "confirmation (open loop)",
        "",
        "| engine | bot | runs | offered updates/s | handled updates/s | p50 "
        f"| p99 (target ≤ {TARGET_P99 * 1000:.0f} ms) | p99 `/ask` | p99 upvote | max |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *latency_rows(runs, ("ask", "upvote")),
    ]


def _limited(runs: list[EngineRun], plan: Plan) -> list[str]:
    lines = [
        "",
        f"### Limits on (30 messages/s overall, 1/s per chat, 20/min per group) at {plan.rate:g} "
        "updates/s, our bot as in production",
        "",
        "| engine | updates | 429s | messages sent | most in any second | `/ask` confirmed "
        "per second | `/ask` p50 / p99 | upvote p50 / p99 | last confirmation after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        limited = run.limited
        if limited is None:
            continue
        phase = limited.phase
        lines.append(
            f"| {run.engine} | {len(phase.samples):,} | {limited.throttled} | {limited.sent:,} "
            f"| {limited.max_per_second} | {limited.ask_rate:.1f} "
            f"| {ms(phase.percentile(0.5, 'ask'))} / {ms(phase.percentile(0.99, 'ask'))} "
            f"| {ms(phase.percentile(0.5, 'upvote'))} / {ms(phase.percentile(0.99, 'upvote'))} "
            f"| {limited.drain:.0f} s |"
        )
    return lines


def _checks(runs: list[EngineRun]) -> list[str]:
    lines = [
        "",
        "### Correctness (our bot, all phases)",
        "",
        "| engine | `/ask` confirmed | questions created | Telegram messages with two "
        "questions | confirmations without a number | upvotes expected | active vote rows "
        "| rows ≠ the presses | `votes` = COUNT(active rows) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        c = run.checks
        lines.append(
            f"| {run.engine} | {c.asks:,} | {c.questions:,} | {c.duplicates} | {c.unconfirmed} "
            f"| {c.expected_votes:,} | {c.vote_rows:,} | {c.wrong_votes} "
            f"| {'yes' if c.counts_match else '**no**'} |"
        )
    return lines


def _echo_at_rate(run: EngineRun, plan: Plan) -> str:
    """The bare bot at the same offered rate, when it could not keep up either: on a slow
    machine the latency target is out of reach of python-telegram-bot itself."""
    echo_open, echo_closed = run.of("echo", "open"), run.of("echo", "closed")
    if not echo_open or not echo_closed:
        return ""
    p99 = median([p.percentile(0.99) for p in echo_open])
    rate = median([p.throughput for p in echo_closed])
    if p99 <= TARGET_P99:
        return ""
    return (
        f" (the echo bot, the same run: p99 {ms(p99)} at that rate, as it handles {rate:.0f} "
        "updates/s on this machine)"
    )


def _reading(runs: list[EngineRun], plan: Plan) -> list[str]:
    lines = ["", "### Reading", ""]
    for run in runs:
        ratio, p99, ours_rate = headline(run)
        lines.append(
            f"- {run.engine}: throughput ratio {ratio:.2f} (target {TARGET_RATIO}: "
            f"{met(ratio >= TARGET_RATIO)}); p99 at {plan.rate:g} "
            f"updates/s {ms(p99)} (target {met(p99 <= TARGET_P99)}); "
            f"our bot handles {ours_rate:.0f} updates/s (concurrently across chats)"
            + (", so at the offered rate the updates queue" if ours_rate < plan.rate else "")
            + _echo_at_rate(run, plan)
            + f"; the invariants {'hold' if run.checks.ok else '**fail**'}. The dedupe claim "
            f"(every update as it arrives, `bot/application.py` `first_time`; a getUpdates "
            f"batch in one statement) costs {run.dedupe_ms:.2f} ms per update on its own."
        )
        if run.limited is not None:
            limited = run.limited
            upvotes = limited.phase.percentile(0.99, "upvote")
            if upvotes <= 1.0:
                after = (
                    "while upvotes, answered by answerCallbackQuery, which no limit counts, "
                    f"kept a p99 of {ms(upvotes)}."
                )
            else:
                after = (
                    f"and upvotes waited as well (p99 {ms(upvotes)}), although no limit counts "
                    "answerCallbackQuery and a confirmation waiting for its turn holds up only "
                    "its own chat (bot/ordering.py): the bot handled fewer updates a second "
                    "than were offered, so they queued for its CPU."
                )
            lines.append(
                f"- {run.engine}, limits on: {limited.throttled} 429s; at most "
                f"{limited.max_per_second} messages in any second; the `/ask` confirmations "
                f"left at {limited.ask_rate:.1f}/s, so at {plan.rate:g} updates/s (a third of "
                "them `/ask`) they queue: the last one arrived "
                f"{limited.drain:.0f} s after the first update, " + after
            )
        lines += where_time_goes(run, 3, "update")
    return lines


HOW = (
    "**How replies stay under the limits.** `bot/flood.py` (`FloodLimiter`, set as "
    "python-telegram-bot's rate limiter in `bot/application.py` unless "
    "`TELEGRAM_RATE_LIMITS=false`) holds every sending method to Telegram's windows: at most "
    "30 a second overall, one a second per private chat, 20 a minute per group, each window "
    "0.1 s longer than Telegram's; a message holds its place from the moment it is let go "
    "until Telegram has answered, and its time is the answer's, so a request that a busy "
    "event loop held back cannot land in the next window too. Edits in a group count; other "
    "edits and answerCallbackQuery never wait, and messages never wait behind other "
    "requests in the HTTP client (`bot/http.py`). A send waits for its turn in its chat's "
    "lane (`handlers/question_feed.py`): the `/ask` confirmation in the asker's, the "
    "moderators' cards and digest in their group's, so the wait holds up no update. The "
    "`AIORateLimiter(max_retries=3)` configured before let 429s through: its "
    "leaky buckets admit 30 at once and then 30 a second (up to 59 sends in the first "
    "second after a quiet spell), it has no limit per private chat, and after a 429 it held "
    "every request for the retry."
)


def render_section(plan: Plan, runs: list[EngineRun], stamp: Stamp) -> str:
    head = [
        command_line(stamp, "bench-ingest", plan.engines),
        "",
        "Our bot runs as a real `python -m bot.cli run` process on a scratch database with a "
        "live session, 20 approved questions and a moderators' group (`MODERATOR_CHAT_ID`); "
        "the echo bot (`bench/echo_bot.py`: python-telegram-bot echoing text and answering "
        "callbacks, no database) as another; the emulation and the viewers run in the "
        "benchmark process. Every viewer first opens `/questions` (not measured); then each "
        "phase has every viewer send `/ask TEXT` and upvote two questions on that board "
        "(three updates per viewer). An update is done when its confirmation reaches the "
        "emulation: the message with the question's number, or answerCallbackQuery. Phases "
        "1-2 run our bot with `TELEGRAM_RATE_LIMITS=false` (the emulation has no limits "
        "then) and `QUESTION_RATE_PER_MINUTE=60` (a viewer asks in every phase); the bots "
        f"take turns on the same emulation; medians of {plan.repeats} runs.",
        "",
    ]
    body = [
        *_throughput(runs, plan.window),
        *_latency(runs, plan),
        *_limited(runs, plan),
        "",
        HOW,
        *_checks(runs),
        *profile_table(runs, 3, "update", plan.profile),
    ]
    return "\n".join([*head, *body, *_reading(runs, plan)]) + "\n"
