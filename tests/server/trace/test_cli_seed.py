"""The demo seed (valid 893 GTINs, a packed lot per co-op, idempotent) and ``nongso lots``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from qr.gs1 import gtin_is_valid, is_vietnam_gtin
from server.cli import app
from server.db import make_engine
from server.migrate import upgrade
from server.models.trace import Certificate, Lot, Product, RegistrationCode, TraceEvent
from server.seed import seed_demo
from server.trace.epcis import document, validate_document
from server.trace.lots import lot_events
from server.trace.seed import last_harvest, lot_code
from server.trace.stamping import assert_stampable


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NONGSO_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("NONGSO_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'nongso.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_demo(engine, devices=0)
    seed_demo(engine, devices=0)  # idempotent
    engine.dispose()
    return url


def test_seed_gives_each_coop_a_stampable_packed_lot(demo_db: str) -> None:
    engine = make_engine(demo_db)
    with Session(engine) as s:
        products = s.exec(select(Product)).all()
        assert len(products) == 2
        for p in products:
            assert gtin_is_valid(p.gtin) and is_vietnam_gtin(p.gtin)
        lots = s.exec(select(Lot)).all()
        assert len(lots) == 2
        for lot in lots:
            assert lot.id is not None and lot.harvested_at is not None
            assert_stampable(s, lot.id)  # sprayed well before harvest
            events = lot_events(s, {lot.id})
            steps = [e.biz_step for e in events]
            assert steps[0] == "commissioning" and "packing" in steps
            assert validate_document(document([e.document for e in events])) == []
        codes = {c.code for c in s.exec(select(RegistrationCode)).all()}
        assert any(c.startswith("VN-") for c in codes)
        kinds = {c.kind.value for c in s.exec(select(Certificate)).all()}
        assert "vietgap" in kinds
        assert len(s.exec(select(TraceEvent)).all()) >= 14
    engine.dispose()


def test_cli_lots_list_and_show(demo_db: str) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["lots", "list"])
    assert out.exit_code == 0, out.output
    lines = out.stdout.strip().splitlines()  # logs go to stderr
    today = date.today()
    lychee, carrot = (lot_code(c, last_harvest(c, today)) for c in ("lychee", "carrot"))
    assert [line.split("\t")[0] for line in lines] == [lychee, carrot]
    assert lychee.startswith("VTH") and lychee.endswith("-0608")  # June: the lychee season
    assert carrot.startswith("CRT") and carrot.endswith("-0120")  # January: winter carrots
    shown = runner.invoke(app, ["lots", "show", lychee])
    assert shown.exit_code == 0, shown.output
    assert "Thu hoạch" in shown.output and "Đóng thùng" in shown.output
    assert "ni:///sha-256;" in shown.output and "+07:00" in shown.output
    missing = runner.invoke(app, ["lots", "show", "NOPE"])
    assert missing.exit_code == 1
