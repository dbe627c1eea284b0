"""XLSX: one right-to-left sheet per table, written row by row (xlsxwriter's constant-memory
mode keeps one row in memory per sheet; sheets are written one after another)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from exports.model import SUMMARY, Cell, Labels, ReportHead, Table, summary_items

# Days from Excel's day zero (1899-12-30, the 1900 date system) to 0001-01-01.
_EXCEL_ORDINAL = 693594
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
MAX_TEXT = 32767  # Excel's limit of one cell


def excel_serial(moment: datetime) -> float:
    """The wall clock of an aware datetime as Excel's serial day number."""
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return moment.toordinal() - _EXCEL_ORDINAL + seconds / 86400


class XlsxWriter:
    wants_rows = True

    def __init__(self, out: Path | IO[bytes]) -> None:
        self._final = out if isinstance(out, Path) else None
        target: Any = out
        if isinstance(out, Path):
            target = str(out.with_name(out.name + ".part"))
            self._part = Path(target)
        self._book = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self._header = self._book.add_format(
            {"bold": True, "bg_color": "#DCE6F0", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self._date = self._book.add_format({"num_format": DATE_FORMAT})
        self._title = self._book.add_format({"bold": True, "font_size": 14})
        self._bold = self._book.add_format({"bold": True})
        self._sheet: Worksheet | None = None
        self._row = 0
        self._columns = 0
        self._labels: Labels | None = None
        self._zone = ""

    def begin(self, head: ReportHead) -> None:
        self._labels, self._zone = head.labels, head.zone
        sheet = self._book.add_worksheet(SUMMARY.sheet)
        sheet.right_to_left()
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 1, 44)
        sheet.set_column(2, 2, 40)
        labels, row = head.labels, 0
        sheet.write_string(row, 0, labels.ar("report.title"), self._title)
        sheet.write_string(row, 2, labels.en("report.title"), self._title)
        row += 1
        viewers = "report.names" if head.names else "report.pseudonyms"
        sheet.write_string(row, 0, labels.ar(viewers))
        sheet.write_string(row, 2, labels.en(viewers))
        row += 1
        for summary in head.sessions:
            row += 1
            sheet.write_string(row, 0, summary.title_ar, self._title)
            sheet.write_number(row, 1, summary.id, self._bold)
            sheet.write_string(row, 2, summary.title_en, self._title)
            row += 1
            for key, value in summary_items(summary, labels, head.zone):
                sheet.write_string(row, 0, labels.ar(key, zone=head.zone))
                self._cell(sheet, row, 1, value)
                sheet.write_string(row, 2, labels.en(key, zone=head.zone))
                row += 1

    def table(self, table: Table) -> None:
        assert self._labels is not None
        sheet = self._book.add_worksheet(table.sheet)
        sheet.right_to_left()
        for index, width in enumerate(table.widths):
            if table.columns[index].endswith(("_local", "_utc")):
                sheet.set_column(index, index, width, self._date)
            else:
                sheet.set_column(index, index, width)
        sheet.set_row(0, 32)
        for index, column in enumerate(table.columns):
            sheet.write_string(0, index, self._labels.header(column, self._zone), self._header)
        sheet.freeze_panes(1, 0)
        self._finish_sheet()
        self._sheet, self._row, self._columns = sheet, 1, len(table.columns)

    def row(self, values: Sequence[Cell]) -> None:
        """The hot loop of a large export: write_string/write_number directly (no dispatch)."""
        sheet, row = self._sheet, self._row
        assert sheet is not None
        string, number = sheet.write_string, sheet.write_number
        for column, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                string(row, column, value if len(value) <= MAX_TEXT else value[:MAX_TEXT])
            elif type(value) is int or type(value) is float:  # not bool, a subclass of int
                number(row, column, value)
            else:
                self._cell(sheet, row, column, value)
        self._row = row + 1

    def _cell(self, sheet: Worksheet, row: int, column: int, value: Cell) -> None:
        if value is None:
            return
        if isinstance(value, bool):
            sheet.write_boolean(row, column, value)
        elif isinstance(value, datetime):
            sheet.write_number(row, column, excel_serial(value), self._date)
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value)
        else:
            sheet.write_string(row, column, value[:MAX_TEXT])

    def _finish_sheet(self) -> None:
        if self._sheet is not None and self._row > 1:
            self._sheet.autofilter(0, 0, self._row - 1, self._columns - 1)

    def close(self) -> None:
        self._finish_sheet()
        self._book.close()
        if self._final is not None:
            os.replace(self._part, self._final)

    def abort(self) -> None:
        if self._labels is None:  # nothing begun, nothing written
            return
        try:
            self._book.close()
        finally:
            if self._final is not None:
                self._part.unlink(missing_ok=True)
