"""``nongso stamps issue|new-key``."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path

import typer

__all__ = ["register"]

stamps_app = typer.Typer(help="QR traceability stamps.", no_args_is_help=True)


@stamps_app.command("issue")
def issue_cmd(lot: str = typer.Option(..., "--lot", help="Lot code."),
              count: int = typer.Option(..., "--count", min=1, max=100_000),
              out: Path = typer.Option(..., "--out", help="Output directory."),
              layout: str = typer.Option("a4", "--layout", help="a4 | roll-30x20 | roll-40x30"),
              gtin: str | None = typer.Option(None, "--gtin", help="When lot codes repeat."),
              request_id: str | None = typer.Option(None, "--request-id",
                                                    help="Reuse to retry without minting twice."),
              with_pin: bool = typer.Option(False, "--with-pin"),
              zip_svg: bool = typer.Option(False, "--zip", help="Also stamps.zip for a print "
                                                                 "shop: CSV, PDF, one SVG each.")
              ) -> None:
    """Issue COUNT stamps for a lot; write stamps.pdf and stamps.csv into OUT."""
    from pydantic import ValidationError
    from sqlmodel import Session

    from server.db import make_engine
    from server.errors import DomainError
    from server.models.stamps import StampIssueRequest
    from server.settings import load_settings
    from server.stamps.issue import batch_stamps, issue_batch, lot_by_code, write_print_files
    from server.stamps.keys import keyring_of
    from server.trace.stamping import assert_stampable

    settings = load_settings()
    try:
        req = StampIssueRequest(request_id=request_id or f"cli-{uuid.uuid4().hex}", count=count,
                                layout=layout, with_pin=with_pin)
    except ValidationError as exc:
        typer.echo("error: " + "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors()),
                   err=True)
        raise typer.Exit(2) from None
    engine = make_engine(settings.sqlalchemy_url)
    try:
        with Session(engine, expire_on_commit=False) as s:
            lot_row, product = lot_by_code(s, lot, gtin)
            assert lot_row.id is not None
            assert_stampable(s, lot_row.id)
            with typer.progressbar(length=count, label="Minting ") as bar:
                got = issue_batch(s, keyring_of(settings), settings.secret_key, lot_row, product,
                                  req, None, progress=bar.update)
            stamps = batch_stamps(s, settings.public_base_url, got.batch, product, lot_row)
            with typer.progressbar(length=len(stamps), label="Rendering") as bar:
                files = write_print_files(out, stamps, product=product.name, lot=lot_row.code,
                                          layout=layout, pins=got.pins, progress=bar.update,
                                          zip_svg=zip_svg)
    except DomainError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    state = "issued" if got.created else "already issued (request id reused; nothing minted)"
    typer.echo(f"{len(stamps)} stamps {state}: batch {got.batch.id}, request id {req.request_id}")
    for name, path in files.items():
        typer.echo(f"  {name}: {path}")


@stamps_app.command("new-key")
def new_key(key_id: int = typer.Option(2, "--id", min=0, max=31)) -> None:
    """Print a new stamp MAC key entry for NONGSO_STAMP_KEYS (put it first to rotate)."""
    typer.echo(f"{key_id}:{secrets.token_hex(32)}")


def register(app: typer.Typer) -> None:
    app.add_typer(stamps_app, name="stamps")
