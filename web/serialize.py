"""The domain's plain data as JSON for the pages' scripts (which insert it as text only)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from domain.console_desk import ConsoleQuestion, ConsoleSession, Screen
from domain.polls import Results


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def session(item: ConsoleSession) -> dict[str, Any]:
    return {
        "id": item.id,
        "title_ar": item.title_ar,
        "title_en": item.title_en,
        "status": item.status,
        "starts_at": _when(item.starts_at),
    }


def question(item: ConsoleQuestion) -> dict[str, Any]:
    return {
        "id": item.id,
        "session_id": item.session_id,
        "text": item.text,
        "status": item.status,
        "reason": item.reject_reason,
        "merged_into": item.merged_into,
        "reply": item.reply,
        "votes": item.votes,
        "revision": item.revision,
        "held": item.held,
        "asker": item.asker,
        "created_at": _when(item.created_at),
        "shown_at": _when(item.shown_at),
    }


def poll(results: Results) -> dict[str, Any]:
    view = results.poll
    return {
        "id": view.id,
        "session_id": view.session_id,
        "kind": view.kind,
        "status": view.status,
        "survey": view.is_survey,
        "question_ar": view.question_ar,
        "question_en": view.question_en,
        "options": [
            {
                "position": option.position,
                "text_ar": option.text("ar"),
                "text_en": option.text("en"),
                "count": results.counts[index],
                "percent": results.percent(index),
            }
            for index, option in enumerate(view.options)
        ],
        "voters": results.voters,
        "answers": results.answers,
        "average": round(results.average, 2) if results.average is not None else None,
        "terms": [[term, count] for term, count in results.terms],
    }


def screen(state: Screen) -> dict[str, Any]:
    shown = state.question
    return {
        "session": session(state.session),
        "question": (
            {"id": shown.id, "text": shown.text, "votes": shown.votes, "asker": shown.asker}
            if shown is not None
            else None
        ),
        "poll": poll(state.poll) if state.poll is not None else None,
    }


def dumps(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
