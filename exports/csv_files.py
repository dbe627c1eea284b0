"""CSV: one file per table, UTF-8 with a byte-order mark (so spreadsheet programs read Arabic),
in a .zip archive or a folder. Rows go straight into the archive member or the file.

A text cell that starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) gets a
leading apostrophe, so a spreadsheet shows it as text instead of running it (the XLSX and
JSON exports carry every text exactly as sent).
"""

from __future__ import annotations

import csv
import io
import os
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any, TextIO

from exports.model import SUMMARY, Cell, ReportHead, Table, summary_items

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(" ", "seconds")[:19]
    return str(value)


class CsvWriter:
    wants_rows = True

    def __init__(self, out: Path | IO[bytes]) -> None:
        self._out = out
        self._zip: zipfile.ZipFile | None = None
        self._folder: Path | None = None
        self._file: TextIO | None = None
        self._writer: Any = None
        self._zone = ""
        self._headers: Any = None
        self._written: list[Path] = []
        if isinstance(out, Path) and out.suffix.lower() != ".zip":
            self._folder = out  # its files are written in place (others in it are left alone)

    def _open(self, name: str) -> None:
        self._close_file()
        if self._zip is not None:
            raw = self._zip.open(f"{name}.csv", "w", force_zip64=True)
            self._file = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        else:
            assert self._folder is not None
            path = self._folder / f"{name}.csv"
            self._written.append(path)
            self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._file)

    def _close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def begin(self, head: ReportHead) -> None:
        if self._folder is not None:
            self._folder.mkdir(parents=True, exist_ok=True)
        else:
            out = self._out
            target: Any = out.with_name(out.name + ".part") if isinstance(out, Path) else out
            self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        self._zone, labels = head.zone, head.labels
        self._headers = labels
        self._open(SUMMARY.name)
        self._writer.writerow([labels.header(c, head.zone) for c in SUMMARY.columns])
        for summary in head.sessions:
            for key, value in summary_items(summary, labels, head.zone):
                item = key.rpartition(".")[2] if key.startswith("report.") else key
                self._writer.writerow(
                    [
                        summary.id,
                        item,
                        labels.ar(key, zone=head.zone),
                        labels.en(key, zone=head.zone),
                        text(value),
                    ]
                )

    def table(self, table: Table) -> None:
        self._open(table.name)
        self._writer.writerow([self._headers.header(c, self._zone) for c in table.columns])

    def row(self, values: Sequence[Cell]) -> None:
        self._writer.writerow([text(v) for v in values])

    def close(self) -> None:
        self._close_file()
        if self._zip is not None:
            self._zip.close()
        if isinstance(self._out, Path) and self._folder is None:
            os.replace(self._out.with_name(self._out.name + ".part"), self._out)

    def abort(self) -> None:
        try:
            self._close_file()
            if self._zip is not None:
                self._zip.close()
        finally:
            for path in self._written:
                path.unlink(missing_ok=True)
            if self._folder is None and isinstance(self._out, Path):
                self._out.with_name(self._out.name + ".part").unlink(missing_ok=True)
