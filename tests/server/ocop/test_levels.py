"""The July 2025 boundary: which body gets a dossier, and in-flight dossiers rerouted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from server.models import Organisation
from server.models.ocop import OcopDossier, OcopEvent, OcopProduct
from server.ocop_workflow import certs, levels, workflow
from tests.server.ocop.conftest import OcopWorld, answers_for


def _submitted(ow: OcopWorld, s: Session, on: date, name: str) -> tuple[OcopDossier, Organisation,
                                                                        OcopProduct]:
    pid = ow.product(gtin=None, name=name)
    did = ow.dossier(pid, stars=3)
    d, product = s.get(OcopDossier, did), s.get(OcopProduct, pid)
    assert d is not None and product is not None
    org = s.get(Organisation, product.organisation_id)
    assert org is not None
    workflow.submit(s, ow.principal(s, "lychee_admin"), d, org, on)
    return d, org, product


@pytest.mark.parametrize(("on", "status", "level"), [
    (date(2025, 6, 30), "council", "district"),   # 148/QĐ-TTg: the district council
    (date(2025, 7, 1), "council", "province"),    # districts gone, 1489 not yet issued
    (date(2025, 7, 5), "council", "province"),
    (date(2025, 7, 6), "precheck", "commune"),    # 1489/QĐ-TTg: the commune pre-checks
])
def test_dossier_goes_to_the_body_of_its_day(ow: OcopWorld, on: date, status: str,
                                             level: str) -> None:
    with Session(ow.w.engine, expire_on_commit=False) as s:
        d, _, _ = _submitted(ow, s, on, f"Vải sấy {on:%d%m}")
        assert (d.status.value, d.level, d.rules_date) == (status, level, on)
        submit = s.exec(select(OcopEvent).where(OcopEvent.dossier_id == d.id,
                                                OcopEvent.step == "submit")).one()
        assert f"ngày {on:%d/%m/%Y}" in (submit.note or "")


def test_in_flight_district_dossier_is_rerouted_to_the_province(ow: OcopWorld) -> None:
    with Session(ow.w.engine, expire_on_commit=False) as s:
        ev1, ev2 = ow.principal(s, "ev1"), ow.principal(s, "ev2")
        d, org, product = _submitted(ow, s, date(2025, 6, 30), "Vải sấy Thanh Hà")
        # still 30 June: the district council scores
        workflow.record_scores(s, ev1, d, org, answers_for(3), today=date(2025, 6, 30))
        assert d.level == "district"
        # 3 July: the district no longer exists; the next step finds it at the province
        workflow.record_scores(s, ev2, d, org, answers_for(3), today=date(2025, 7, 3))
        assert d.level == "province"
        workflow.record_scores(s, ev1, d, org, answers_for(3), today=date(2025, 7, 3))
        workflow.close_council(s, ev1, d, org, today=date(2025, 7, 3))
        assert (d.status.value, d.level) == ("approved", "province")
        cert = certs.certify(s, ev1, d, product, org, date(2025, 7, 10))
        assert (cert.level, cert.stars) == ("province", 3)
        steps = [e.step for e in s.exec(select(OcopEvent).where(OcopEvent.dossier_id == d.id)
                                        .order_by(OcopEvent.id)).all()]
        assert steps.count("reroute") == 1 and steps.index("reroute") > steps.index("score")
        s.commit()


def test_reroute_all_moves_each_waiting_dossier_once(ow: OcopWorld) -> None:
    with Session(ow.w.engine, expire_on_commit=False) as s:
        d, _, _ = _submitted(ow, s, date(2025, 6, 20), "Vải sấy 2")
        s.commit()
        assert levels.reroute_all(s, date(2025, 6, 30)) == 0
        assert levels.reroute_all(s, date(2025, 7, 2)) == 1
        assert levels.reroute_all(s, date(2025, 7, 3)) == 0
        s.refresh(d)
        assert d.level == "province" and d.status.value == "council"
