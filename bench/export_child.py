"""One export of the export benchmark (bench/export.py), timed from inside, in a process of
its own that imports only what the export needs (so its peak memory is the export's):

    python -m bench.export_child DATABASE_URL xlsx|csv|json|pdf|pandas OUT
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo


def _naive(value: Any) -> Any:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


class Collect:
    """A renderer that keeps every row in lists (what pandas needs to build DataFrames)."""

    wants_rows = True

    def __init__(self) -> None:
        self.tables: dict[Any, list[tuple[Any, ...]]] = {}
        self._current: list[tuple[Any, ...]] = []
        self.head: Any = None

    def begin(self, head: Any) -> None:
        self.head = head

    def table(self, table: Any) -> None:
        self._current = []
        self.tables[table] = self._current

    def row(self, values: Sequence[Any]) -> None:
        # Excel has no time zones: the wall clock, as our XLSX writes it.
        self._current.append(tuple(map(_naive, values)))

    def close(self) -> None:
        return None

    def abort(self) -> None:
        return None


def _pandas(collect: Collect, out: Path) -> None:
    import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the bench extra

    from exports.model import summary_items

    head = collect.head
    labels, zone = head.labels, head.zone
    summary = [
        (s.id, key, labels.ar(key, zone=zone), labels.en(key, zone=zone), _naive(v))
        for s in head.sessions
        for key, v in summary_items(s, labels, zone)
    ]
    options = {"options": {"remove_timezone": True}}
    with pd.ExcelWriter(out, engine="xlsxwriter", engine_kwargs=options) as writer:
        pd.DataFrame(summary, columns=["session", "item", "ar", "en", "value"]).to_excel(
            writer, sheet_name="Summary", index=False
        )
        for table, rows in collect.tables.items():
            frame = pd.DataFrame(rows, columns=list(table.columns))
            frame.to_excel(writer, sheet_name=table.sheet, index=False)


async def _child(url: str, fmt: str, out: Path) -> dict[str, Any]:
    from domain.reports import ReportService, open_writer
    from domain.roles import RoleService
    from storage.database import Database

    db = Database(url)
    try:
        service = ReportService(db, RoleService(db, ()), zone=ZoneInfo("Asia/Muscat"))
        started = time.perf_counter()
        if fmt == "pandas":
            collect = Collect()
            result = await service.render(1, collect)
            _pandas(collect, out)
        else:
            result = await service.render(1, open_writer(fmt, out), fmt=fmt)
        return {
            "seconds": time.perf_counter() - started,
            "rows": result.rows,
            "peak_kb": _peak_kb(),
        }
    finally:
        await db.dispose()


def _peak_kb() -> int | None:
    """This process's own peak resident set (VmHWM). Not ru_maxrss: a child started by
    fork or vfork carries its parent's high-water mark over the exec."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def child_main(argv: Sequence[str]) -> int:
    url, fmt, out = argv
    print(json.dumps(asyncio.run(_child(url, fmt, Path(out)))))
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
