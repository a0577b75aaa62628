"""Traceability tables (issue 7)."""

__all__: list[str] = []
