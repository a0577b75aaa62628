"""Commands of this package, registered on the ``nongso`` Typer app (``nongso ocop ...``)."""

from __future__ import annotations

from datetime import date, datetime

import typer

__all__ = ["register"]

ocop_app = typer.Typer(help="OCOP: certificates and reminders.", no_args_is_help=True)


def _day(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD") from None


@ocop_app.command("reminders")
def reminders(today: str = typer.Option("", help="Day to run for (YYYY-MM-DD); default today."),
              ) -> None:
    """Write due certificate-expiry reminders (90 and 30 days before); safe to run daily."""
    from sqlmodel import Session

    from server.db import make_engine
    from server.ocop_workflow.certs import due_reminders
    from server.settings import load_settings

    day = _day(today)
    engine = make_engine(load_settings().sqlalchemy_url)
    try:
        with Session(engine) as session:
            created = due_reminders(session, day)
            for note in created:
                typer.echo(note.message)
    finally:
        engine.dispose()
    typer.echo(f"{len(created)} reminder(s) written for {day.isoformat()}")


@ocop_app.command("certificates")
def certificates(on: str = typer.Option("", help="Validity on this day (YYYY-MM-DD).")) -> None:
    """List OCOP certificates with their validity."""
    from sqlmodel import Session, col, select

    from server.db import make_engine
    from server.models.ocop import OcopCertificate, OcopProduct
    from server.ocop_workflow.certs import certificate_is_valid
    from server.settings import load_settings

    day = _day(on)
    engine = make_engine(load_settings().sqlalchemy_url)
    try:
        with Session(engine) as session:
            rows = session.exec(select(OcopCertificate, OcopProduct)
                                .join(OcopProduct, col(OcopProduct.id) == OcopCertificate.product_id)
                                .order_by(col(OcopCertificate.issued_on))).all()
            for cert, product in rows:
                state = ("revoked" if cert.revoked_on else
                         "valid" if certificate_is_valid(cert, day) else "not valid")
                typer.echo(f"{cert.number:<24} {cert.stars}★ {cert.issued_on} → "
                           f"{cert.expires_on} {state:<9} {product.name}")
    finally:
        engine.dispose()


def register(app: typer.Typer) -> None:
    """Add this package's commands to ``app``."""
    app.add_typer(ocop_app, name="ocop")
