"""Renderers: data in, files out (charts now; CSV, XLSX, JSON and PDF with the exports issue)."""
