"""Exports of released figures: tables as CSV (also the German Excel dialect) and XLSX."""
