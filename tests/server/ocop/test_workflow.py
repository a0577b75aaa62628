"""Dossier workflow through the API: order, permissions, levels, events."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from server.models import Organisation
from server.models.ocop import (
    OcopCertificate,
    OcopCouncilScore,
    OcopDossier,
    OcopEvent,
    OcopProduct,
)
from server.ocop_workflow import certs, workflow
from tests.server.ocop.conftest import PRECHECK_OK, OcopWorld, answers_for


def test_happy_path_1489_commune_province_certify_4_stars(ow: OcopWorld) -> None:
    pid, did, cert = ow.certified(stars=4)
    assert cert["stars"] == 4 and cert["level"] == "province" and cert["valid"]
    d = ow.client.get(f"/api/v1/ocop/dossiers/{did}", headers=ow.h("lychee_admin")).json()
    assert d["status"] == "certified" and d["rules_date"] == date.today().isoformat()
    steps = [(e["step"], e["from_status"], e["to_status"], e["level"]) for e in d["events"]]
    transitions = [s for s in steps if s[1] != s[2]]
    assert transitions == [
        ("open", None, "draft", None),
        ("submit", "draft", "precheck", "commune"),
        ("precheck", "precheck", "council", "commune"),
        ("close", "council", "approved", "province"),
        ("certify", "approved", "certified", "province")]
    who = {e["step"]: e["actor_id"] for e in d["events"]}
    assert who["submit"] == ow.w.users["lychee_admin"] and who["precheck"] == ow.w.users["xa_lychee"]
    assert all(e["at"] for e in d["events"])
    assert len(d["council"]["sheets"]) == 2 and d["council"]["average"]["stars"] == 4


def test_steps_out_of_order_are_refused_with_a_clear_message(ow: OcopWorld) -> None:
    pid = ow.product()
    did = ow.dossier(pid)
    # scoring, pre-check, closing and certifying a draft are all refused
    r = ow.score(did, "ev1", 4)
    assert r.status_code == 409
    assert "Bản nháp" in r.json()["detail"] and "Hội đồng đánh giá" in r.json()["detail"]
    for step, body in (("precheck", PRECHECK_OK),
                       ("close", None), ("certify", {}), ("resubmit", None)):
        who = {"resubmit": "lychee_admin", "precheck": "xa_lychee"}.get(step, "ev1")
        r = ow.post(f"/api/v1/ocop/dossiers/{did}/{step}", who, body)
        assert r.status_code == 409, (step, r.text)
        assert r.json()["detail"].startswith("Không thể"), r.text
    assert ow.post(f"/api/v1/ocop/dossiers/{did}/submit", "lychee_admin").status_code == 200
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/submit", "lychee_admin")
    assert r.status_code == 409 and "Chờ xã kiểm tra" in r.json()["detail"]
    # the self-assessment is frozen once submitted
    r = ow.client.put(f"/api/v1/ocop/dossiers/{did}/self-assessment", headers=ow.h("lychee_admin"),
                      json={"answers": answers_for(5)})
    assert r.status_code == 409
    # the council needs its quorum: 2 of its 2 eligible members (``both`` is conflicted)
    ow.post(f"/api/v1/ocop/dossiers/{did}/precheck", "xa_lychee", PRECHECK_OK)
    assert ow.score(did, "ev1", 4).status_code == 200
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/close", "ev1")
    assert r.status_code == 409 and r.json()["code"] == "no_quorum"
    assert "có 1/2, cần ít nhất 2" in r.json()["detail"]
    with Session(ow.w.engine) as s:
        d = s.get(OcopDossier, did)
        assert d is not None and d.status.value == "council" and d.result_stars is None


def test_submit_needs_a_complete_self_assessment(ow: OcopWorld) -> None:
    pid = ow.product()
    r = ow.post(f"/api/v1/ocop/products/{pid}/dossiers", "lychee_admin")
    did = r.json()["id"]
    partial = dict(list(answers_for(4).items())[:5])
    ow.client.put(f"/api/v1/ocop/dossiers/{did}/self-assessment", headers=ow.h("lychee_admin"),
                  json={"answers": partial})
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/submit", "lychee_admin")
    assert r.status_code == 422 and "còn thiếu" in r.json()["detail"]
    # a second open dossier for the same product is refused
    assert ow.post(f"/api/v1/ocop/products/{pid}/dossiers", "lychee_admin").status_code == 409


def test_evaluator_of_another_province_cannot_act(ow: OcopWorld) -> None:
    pid = ow.product()
    did = ow.dossier(pid)
    ow.post(f"/api/v1/ocop/dossiers/{did}/submit", "lychee_admin")
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/precheck", "ev_hn", PRECHECK_OK)
    assert r.status_code == 404  # another province's dossier: as if missing
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/precheck", "ev1", PRECHECK_OK)
    assert r.status_code == 403 and "cán bộ UBND cấp xã" in r.json()["detail"]
    ow.post(f"/api/v1/ocop/dossiers/{did}/precheck", "xa_lychee", PRECHECK_OK)
    events_before = ow.count(OcopEvent)
    r = ow.score(did, "ev_hn", 5)
    assert r.status_code == 404
    assert ow.post(f"/api/v1/ocop/dossiers/{did}/close", "ev_hn").status_code == 404
    assert ow.client.get(f"/api/v1/ocop/dossiers/{did}", headers=ow.h("ev_hn")).status_code == 404
    assert ow.count(OcopCouncilScore) == 0 and ow.count(OcopEvent) == events_before


def test_nobody_scores_their_own_product(ow: OcopWorld) -> None:
    pid = ow.product()
    did = ow.dossier(pid)
    ow.to_council(did)
    # ``both`` is an evaluator of the right province AND a member of the lychee co-op
    r = ow.score(did, "both", 5)
    assert r.status_code == 403 and "xung đột lợi ích" in r.json()["detail"]
    assert ow.score(did, "lychee_admin", 5).status_code == 403
    assert ow.score(did, "carrot_admin", 5).status_code == 404  # another co-op's: hidden
    assert ow.count(OcopCouncilScore) == 0
    # the other co-op cannot even read it; admin sees all
    assert ow.client.get(f"/api/v1/ocop/dossiers/{did}",
                         headers=ow.h("carrot_admin")).status_code == 404
    assert ow.client.get(f"/api/v1/ocop/dossiers/{did}", headers=ow.h("admin")).status_code == 200
    listed = ow.client.get("/api/v1/ocop/dossiers", headers=ow.h("ev1")).json()
    assert [x["to_evaluate"] for x in listed if x["id"] == did] == [True]


def test_return_for_documents_then_resubmit_to_same_level(ow: OcopWorld) -> None:
    pid = ow.product()
    did = ow.dossier(pid)
    ow.to_council(did)
    assert ow.post(f"/api/v1/ocop/dossiers/{did}/return", "ev1", {"reason": ""}).status_code == 422
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/return", "ev1",
                {"reason": "Thiếu phiếu kiểm nghiệm"})
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert r.json()["level"] == "province"
    assert ow.score(did, "ev1", 4).status_code == 409
    assert ow.post(f"/api/v1/ocop/dossiers/{did}/resubmit", "ev1").status_code == 403
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/resubmit", "lychee_admin")
    assert r.json()["status"] == "council" and r.json()["level"] == "province"
    notes = [e["note"] for e in r.json()["events"] if e["step"] == "return"]
    assert notes == ["Thiếu phiếu kiểm nghiệm"]


def test_failed_precheck_and_low_score_reject(ow: OcopWorld) -> None:
    pid = ow.product()
    did = ow.dossier(pid)
    ow.post(f"/api/v1/ocop/dossiers/{did}/submit", "lychee_admin")
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/precheck", "xa_lychee",
                {**PRECHECK_OK, "labour": False})
    assert r.json()["status"] == "rejected"
    assert "lao động địa phương" in r.json()["events"][-1]["note"]
    # a new dossier can be opened after a rejection; a 2-star council result rejects
    did2 = ow.dossier(pid)
    ow.to_council(did2)
    partial = {k: v for k, v in list(answers_for(3).items())[:8]}
    r = ow.client.put(f"/api/v1/ocop/dossiers/{did2}/scores", headers=ow.h("ev1"),
                      json={"answers": partial})
    assert r.status_code == 422 and "đủ mọi tiêu chí" in r.json()["detail"]
    low = {code: 0 for code in answers_for(3)}  # council members may give points directly
    for ev in ("ev1", "ev2"):
        r = ow.client.put(f"/api/v1/ocop/dossiers/{did2}/scores", headers=ow.h(ev),
                          json={"answers": low})
        assert r.status_code == 200, r.text
    r = ow.post(f"/api/v1/ocop/dossiers/{did2}/close", "ev2")
    assert r.json()["status"] == "rejected" and r.json()["result_stars"] < 3


def test_90_points_go_to_central_which_only_admins_record(ow: OcopWorld) -> None:
    pid = ow.product()
    did = ow.dossier(pid, stars=5)
    ow.to_council(did)
    ow.score(did, "ev1", 5)
    ow.score(did, "ev2", 5)
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/close", "ev1")
    assert r.json()["status"] == "council" and r.json()["level"] == "central"
    assert ow.score(did, "ev1", 5).status_code == 403
    assert ow.score(did, "admin", 4).status_code == 200
    assert ow.score(did, "admin2", 4).status_code == 200
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/close", "admin")
    # central average below 90 → 4 stars, certified by the province
    assert r.json()["status"] == "approved" and r.json()["level"] == "province"
    r = ow.post(f"/api/v1/ocop/dossiers/{did}/certify", "ev2", {"number": "31/2026/OCOP-07"})
    assert r.status_code == 201 and r.json()["stars"] == 4 and r.json()["level"] == "province"


def test_rules_between_2023_and_july_2025_district_province(ow: OcopWorld) -> None:
    """Under 148/QĐ-TTg alone: district certifies 3★, province 4★, central 5★."""
    pids = [ow.product(gtin=None, name=f"Vải {i}") for i in range(2)]
    dids = [ow.dossier(pids[0], stars=3), ow.dossier(pids[1], stars=4)]
    day = date(2024, 5, 10)
    with Session(ow.w.engine, expire_on_commit=False) as s:
        coop, ev1, ev2 = (ow.principal(s, x) for x in ("lychee_admin", "ev1", "ev2"))
        for pid, did, stars, levels in ((pids[0], dids[0], 3, ["district"]),
                                        (pids[1], dids[1], 4, ["district", "province"])):
            d = s.get(OcopDossier, did)
            assert d is not None
            product = s.get(OcopProduct, pid)
            assert product is not None
            org = s.get(Organisation, product.organisation_id)
            assert org is not None
            workflow.submit(s, coop, d, org, day)
            assert d.status.value == "council" and d.level == "district"
            seen = []
            while d.status.value == "council":
                seen.append(d.level)
                for ev in (ev1, ev2):
                    workflow.record_scores(s, ev, d, org, answers_for(stars), today=day)
                workflow.close_council(s, ev1, d, org, today=day)
            assert seen == levels and d.status.value == "approved"
            cert = certs.certify(s, ev1, d, product, org, day)
            assert (cert.stars, cert.level, cert.expires_on) == (stars, levels[-1],
                                                                  date(2027, 5, 10))
        s.commit()
    assert ow.count(OcopCertificate) == 2


def test_bad_input_is_4xx_and_writes_nothing(ow: OcopWorld) -> None:
    pid = ow.product()
    r = ow.post(f"/api/v1/ocop/products/{pid}/dossiers", "lychee_admin")
    did = r.json()["id"]
    before = (ow.count(OcopEvent), ow.count(OcopDossier))
    for answers in ({"99.9": "99.9.1"}, {"1.1": "1.1.9"}, {"1.1": 6}, {"1.1": -1},
                    {"1.1": {"option": "1.1.1", "points": 3}}, {"1.1": True}):
        r = ow.client.put(f"/api/v1/ocop/dossiers/{did}/self-assessment",
                          headers=ow.h("lychee_admin"), json={"answers": answers})
        assert r.status_code == 422, (answers, r.text)
    assert ow.client.put(f"/api/v1/ocop/dossiers/{did}/self-assessment",
                         headers=ow.h("lychee_farmer"),
                         json={"answers": answers_for(4)}).status_code == 403
    assert ow.client.get("/api/v1/ocop/dossiers/999", headers=ow.h("admin")).status_code == 404
    assert (ow.count(OcopEvent), ow.count(OcopDossier)) == before
    with Session(ow.w.engine) as s:
        assert s.exec(select(OcopDossier)).one().self_total is None
