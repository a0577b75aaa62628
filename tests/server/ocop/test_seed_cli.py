"""Demo seed (idempotent, lychee certified 4★, carrot under evaluation) and the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from qr.gs1 import gtin_is_valid
from server.cli import app as cli
from server.db import make_engine
from server.migrate import upgrade
from server.models.ocop import OcopCertificate, OcopDossier, OcopEvent, OcopProduct
from server.ocop_workflow import seed as ocop_seed
from server.ocop_workflow.catalogue import current_stars
from server.seed import seed_demo


def test_demo_seed_is_idempotent_and_matches_the_story(sqlite_url: str) -> None:
    assert (ocop_seed.LYCHEE_GTIN, ocop_seed.CARROT_GTIN) == ("8930000001016", "8930000001023")
    assert gtin_is_valid(ocop_seed.LYCHEE_GTIN) and gtin_is_valid(ocop_seed.CARROT_GTIN)
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    seed_demo(engine, devices=0)
    with Session(engine) as s:
        counts = [len(s.exec(select(t)).all())
                  for t in (OcopProduct, OcopDossier, OcopCertificate, OcopEvent)]
    ocop_seed.seed_demo(engine)  # second run: nothing new
    with Session(engine) as s:
        assert [len(s.exec(select(t)).all())
                for t in (OcopProduct, OcopDossier, OcopCertificate, OcopEvent)] == counts
        assert current_stars(s, "8930000001016", date.today()) == 4
        assert current_stars(s, "8930000001023", date.today()) is None
        carrot = s.exec(select(OcopProduct).where(OcopProduct.gtin == "08930000001023")).one()
        d = s.exec(select(OcopDossier).where(OcopDossier.product_id == carrot.id)).one()
        assert (d.status.value, d.level) == ("council", "province")
        cert = s.exec(select(OcopCertificate)).one()
        assert (cert.stars, cert.level, cert.issued_on) == (4, "province", date(2025, 10, 20))
    engine.dispose()


def test_cli_reminders_and_certificates(sqlite_url: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    seed_demo(engine, devices=0)
    engine.dispose()
    monkeypatch.setenv("NONGSO_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("NONGSO_VAR_DIR", str(tmp_path / "var"))
    runner = CliRunner()
    r = runner.invoke(cli, ["ocop", "certificates"])
    assert r.exit_code == 0 and "31/2025/OCOP-0042" in r.output and "valid" in r.output
    # 90 days before 20/10/2028
    r = runner.invoke(cli, ["ocop", "reminders", "--today", "2028-07-22"])
    assert r.exit_code == 0 and "1 reminder(s)" in r.output and "20/10/2028" in r.output
    r = runner.invoke(cli, ["ocop", "reminders", "--today", "2028-07-22"])
    assert "0 reminder(s)" in r.output
    assert runner.invoke(cli, ["ocop", "reminders", "--today", "22/07/2028"]).exit_code != 0


def test_demo_stamp_product_carries_the_ocop_stars(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The traceability demo's lychee product is the OCOP-certified one: same GTIN."""
    from server.trace.seed import DEMO_GTINS

    assert ocop_seed.LYCHEE_GTIN == DEMO_GTINS["lychee"]
    assert ocop_seed.CARROT_GTIN == DEMO_GTINS["carrot"]
