"""Commands: ``nongso lots list`` (one lot a line, lot code first), ``nongso lots show CODE``
and ``nongso cartons issue --lot LOT --count N --out DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from server.errors import DomainError

if TYPE_CHECKING:  # imported when a command runs, not when the CLI starts
    from sqlmodel import Session

    from server.models.trace import Lot

__all__ = ["register"]

lots_app = typer.Typer(help="Traceability lots and their history.", no_args_is_help=True)


def _session() -> Session:
    from sqlmodel import Session

    from server.db import make_engine
    from server.settings import load_settings

    return Session(make_engine(load_settings().sqlalchemy_url))


@lots_app.command("list")
def lots_list(org: int | None = typer.Option(None, help="Only this organisation id.")) -> None:
    """One lot a line: code, GTIN, product, quantity, harvest date, organisation, status."""
    from sqlmodel import col, select

    from server.models import Organisation
    from server.models.trace import Lot, Product
    from server.trace.stamping import open_flags

    with _session() as s:
        stmt = (select(Lot, Product, Organisation)
                .join(Product, col(Product.id) == Lot.product_id)
                .join(Organisation, col(Organisation.id) == Lot.organisation_id)
                .order_by(col(Lot.id)))
        if org is not None:
            stmt = stmt.where(Lot.organisation_id == org)
        for lot, product, organisation in s.exec(stmt).all():
            harvested = lot.harvested_at.date().isoformat() if lot.harvested_at else "-"
            status = "BLOCKED" if lot.id and open_flags(s, lot.id) else "ok"
            typer.echo("\t".join([lot.code, product.gtin, product.name,
                                  f"{lot.quantity:g} {lot.unit}", harvested, organisation.name,
                                  status]))


@lots_app.command("show")
def lots_show(code: str = typer.Argument(..., help="Lot code."),
              gtin: str | None = typer.Option(None, help="GTIN, if several products share "
                                                         "the lot code.")) -> None:
    """The lot and its history (events of the lot, its ancestors and descendants)."""
    from server.models.trace import Product
    from server.trace import epcis
    from server.trace.certificates import certificates_for_lot
    from server.trace.lots import timeline
    from server.trace.stamping import open_flags

    with _session() as s:
        lot = _one_lot(s, code, gtin)
        assert lot.id is not None
        product = s.get(Product, lot.product_id)
        assert product is not None
        typer.echo(f"lot {lot.code}  product {product.name}  GTIN {product.gtin}  "
                   f"{lot.quantity:g} {lot.unit}")
        for flag in open_flags(s, lot.id):
            typer.echo(f"BLOCKED: {flag.reason}")
        for cert in certificates_for_lot(s, lot.id):
            typer.echo(f"certificate: {cert.kind.value} {cert.number} ({cert.issuer}) "
                       f"{cert.valid_from}..{cert.valid_until or ''}")
        for e in timeline(s, lot.id):
            typer.echo("\t".join([epcis.format_time(e.time, e.tz_offset), e.label_vi,
                                  e.biz_step or "-", e.event_type, e.read_point or "-",
                                  e.event_id]))


cartons_app = typer.Typer(help="Cartons and pallets with SSCCs (GS1 logistic units).",
                          no_args_is_help=True)


@cartons_app.command("issue")
def cartons_issue(lot: str = typer.Option(..., "--lot", help="Lot code."),
                  count: int = typer.Option(..., "--count", min=1, max=500,
                                            help="How many cartons."),
                  out: Path = typer.Option(..., "--out", help="Directory for the files."),
                  gtin: str | None = typer.Option(None, help="GTIN, if several products "
                                                             "share the lot code.")) -> None:
    """New SSCCs for COUNT cartons of the lot, recorded as packed; writes OUT/cartons.pdf
    (one GS1 logistic label per carton) and OUT/cartons.csv (``sscc,uri``)."""
    from server.settings import load_settings
    from server.trace.cartons import issue, write_files

    settings = load_settings()
    with _session() as s:
        found = _one_lot(s, lot, gtin)
        try:
            cartons = issue(s, settings.public_base_url, found, count)
        except DomainError as exc:
            typer.echo(f"error: {exc.detail}", err=True)
            raise typer.Exit(1) from None
        pdf, csv = write_files(s, settings.public_base_url, found, cartons, out)
    typer.echo(f"{len(cartons)} cartons: {pdf} {csv}")


def _one_lot(s: Session, code: str, gtin: str | None) -> Lot:
    from sqlmodel import select

    from server.models.trace import Lot
    from server.trace.lots import find_lot

    if gtin:
        found = find_lot(s, gtin, code)
        matches = [found] if found else []
    else:
        matches = list(s.exec(select(Lot).where(Lot.code == code)).all())
    if not matches:
        typer.echo(f"error: no lot {code}", err=True)
        raise typer.Exit(1)
    if len(matches) > 1:
        typer.echo(f"error: several products have lot {code}; give --gtin", err=True)
        raise typer.Exit(2)
    return matches[0]


def register(app: typer.Typer) -> None:
    """Add this package's commands to ``app``."""
    app.add_typer(lots_app, name="lots")
    app.add_typer(cartons_app, name="cartons")
