"""OCOP workflow tables (issue 9)."""

__all__: list[str] = []
