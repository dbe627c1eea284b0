"""JSON: one document, UTF-8, not ASCII-escaped, written as it goes (a row is encoded and
written, then forgotten). Times are ISO 8601 with their offset.

    {"report": {...}, "sessions": [summary, ...], "questions": [row, ...], "polls": [...], ...}
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from exports.model import Cell, ReportHead, Table


def _default(value: object) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=_default)


def _datetimes(value: Any) -> Any:
    """Times to seconds precision (the encoder's default hook sees them whole)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return value


class JsonWriter:
    wants_rows = True

    def __init__(self, out: Path | IO[bytes]) -> None:
        self._out = out
        self._final = out if isinstance(out, Path) else None
        self._text: io.TextIOWrapper | None = None
        self._columns: tuple[str, ...] = ()
        self._first = True
        self._open_table = False

    @property
    def _stream(self) -> io.TextIOWrapper:
        assert self._text is not None, "begin() first"
        return self._text

    def begin(self, head: ReportHead) -> None:
        raw: IO[bytes]
        if isinstance(self._out, Path):
            self._part = self._out.with_name(self._out.name + ".part")
            raw = self._part.open("wb")
        else:
            raw = self._out
        self._text = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        report = {
            "generator": "Shurakum Live",
            "generated_at": head.generated_at.isoformat(timespec="seconds"),
            "timezone": head.zone,
            "viewers": "names" if head.names else "pseudonyms",
            "period": [d.isoformat() for d in head.period] if head.period else None,
        }
        sessions = [dataclasses.asdict(s) for s in head.sessions]
        self._stream.write('{"report": ' + _ENCODER.encode(report))
        self._stream.write(',\n"sessions": ' + _ENCODER.encode(sessions))

    def table(self, table: Table) -> None:
        self._end_table()
        self._stream.write(f',\n"{table.name}": [')
        self._columns, self._first, self._open_table = table.columns, True, True

    def row(self, values: Sequence[Cell]) -> None:
        record = dict(zip(self._columns, map(_datetimes, values), strict=True))
        self._stream.write(("\n" if self._first else ",\n") + _ENCODER.encode(record))
        self._first = False

    def _end_table(self) -> None:
        if self._open_table:
            self._stream.write("\n]")
            self._open_table = False

    def close(self) -> None:
        self._end_table()
        self._stream.write("}\n")
        self._stream.flush()
        if self._final is not None:
            self._stream.close()
            os.replace(self._part, self._final)
        else:
            self._stream.detach()  # the caller's stream stays open

    def abort(self) -> None:
        if self._text is None:
            return
        if self._final is not None:
            self._text.close()
            self._part.unlink(missing_ok=True)
        else:
            self._text.detach()
