"""Commands of this package, registered on the ``nongso`` Typer app."""

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this package's commands to ``app``."""
