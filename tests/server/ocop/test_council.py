"""Council rules through the API: quorum, spread and re-scoring, conflicts, who closes."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from ocop.scoring import score_assessment
from server.models.ocop import OcopCouncilScore, OcopDossier, OcopEvent
from tests.server.ocop.conftest import KEY, OcopWorld, answers_for


def _in_council(ow: OcopWorld, stars: int = 4) -> int:
    did = ow.dossier(ow.product(), stars=stars)
    ow.to_council(did)
    return did


def _close(ow: OcopWorld, did: int, login: str, present: list[str] | None = None) -> object:
    body = None if present is None else {"present": [ow.w.users[x] for x in present]}
    return ow.post(f"/api/v1/ocop/dossiers/{did}/close", login, body)


def _status(ow: OcopWorld, did: int) -> tuple[str, float | None]:
    with Session(ow.w.engine) as s:
        d = s.get(OcopDossier, did)
        assert d is not None
        return d.status.value, d.result_total


@pytest.fixture
def big(ow: OcopWorld) -> OcopWorld:
    """Hải Phòng's council: ev1 chair, ev2 secretary, m3 and m4 members, ``both`` (member of
    the lychee co-op: never counted for its dossiers) — 4 eligible, quorum 3."""
    for login in ("m3", "m4"):
        ow.seat(login, "hp", "province", "member")
    return ow


def test_missing_quorum_and_absent_chair_are_refused(big: OcopWorld) -> None:
    did = _in_council(big)
    for ev in ("ev1", "ev2"):
        assert big.score(did, ev, 4).status_code == 200
    events = big.count(OcopEvent)
    r = _close(big, did, "ev1")
    assert r.status_code == 409 and r.json()["code"] == "no_quorum"  # type: ignore[attr-defined]
    assert "có 2/4, cần ít nhất 3" in r.json()["detail"]  # type: ignore[attr-defined]
    assert big.score(did, "m3", 4).status_code == 200
    assert big.score(did, "m4", 4).status_code == 200
    r = _close(big, did, "ev2", ["ev2", "m3", "m4"])
    assert r.status_code == 409 and "Chủ tịch" in r.json()["detail"]  # type: ignore[attr-defined]
    assert big.count(OcopEvent) == events + 2 and _status(big, did) == ("council", None)


def test_a_member_present_without_a_sheet_blocks_the_result(big: OcopWorld) -> None:
    did = _in_council(big)
    for ev in ("ev1", "ev2", "m3"):
        big.score(did, ev, 4)
    r = _close(big, did, "ev1", ["ev1", "ev2", "m3", "m4"])
    assert r.status_code == 409 and r.json()["code"] == "scores_missing"  # type: ignore[attr-defined]


def test_out_of_spread_is_refused_until_members_re_score(big: OcopWorld) -> None:
    did = _in_council(big)
    high, low = answers_for(5), answers_for(3)
    spread = score_assessment(KEY, high).total - score_assessment(KEY, low).total
    assert spread > 10
    big.score(did, "ev1", 5)
    big.score(did, "ev2", 4)
    big.score(did, "m3", 3)
    r = _close(big, did, "ev2")
    assert r.status_code == 409 and r.json()["code"] == "spread"  # type: ignore[attr-defined]
    assert "chấm lại" in r.json()["detail"]  # type: ignore[attr-defined]
    assert _status(big, did) == ("council", None)
    # ev1 and m3 re-score (each sheet is replaced); the final score is the mean of totals
    near = {**high, "5.1": "5.1.1"}  # no documented story: 95 points
    r = big.client.put(f"/api/v1/ocop/dossiers/{did}/scores", headers=big.h("ev1"),
                       json={"answers": near})
    assert r.status_code == 200 and r.json()["total"] == 95
    assert big.score(did, "m3", 4).status_code == 200
    r = _close(big, did, "ev2")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    sheets = [near, answers_for(4), answers_for(4)]
    mean = sum(score_assessment(KEY, a).total for a in sheets) / 3
    status, total = _status(big, did)
    assert status == "approved" and total == pytest.approx(mean) and 89 < mean < 90
    note = [e for e in r.json()["events"] if e["step"] == "close"][-1]["note"]  # type: ignore[attr-defined]
    assert note.startswith("3 thành viên dự họp (cần 3); trung bình 3 phiếu")


def test_a_member_of_the_applicant_never_scores_it(big: OcopWorld) -> None:
    did = _in_council(big)
    r = big.score(did, "both", 5)
    assert r.status_code == 403 and "xung đột lợi ích" in r.json()["detail"]
    with Session(big.w.engine) as s:
        assert not s.exec(select(OcopCouncilScore)).all()


def test_only_seated_scoring_members_score_and_only_chair_or_secretary_closes(
        big: OcopWorld) -> None:
    did = _in_council(big)
    big.seat("xa_lychee", "hp", "province", "commune_official")  # a pre-check seat: no sheet
    r = big.score(did, "xa_lychee", 4)
    assert r.status_code == 403 and "chấm điểm" in r.json()["detail"]
    for ev in ("ev1", "ev2", "m3"):
        big.score(did, ev, 4)
    r = _close(big, did, "m3")
    assert r.status_code == 403 and "Chủ tịch hoặc Thư ký" in r.json()["detail"]  # type: ignore[attr-defined]
    assert _close(big, did, "ev2").status_code == 200  # type: ignore[attr-defined]


def test_admins_record_seats_and_roles_fit_levels(ow: OcopWorld) -> None:
    hp, ev_hn = ow.w.orgs["hp"], ow.w.users["ev_hn"]
    url = f"/api/v1/ocop/councils/{hp}/seats"
    seat = {"user_id": ev_hn, "level": "province", "role": "member"}
    assert ow.client.put(url, headers=ow.h("ev1"), json=seat).status_code == 403
    r = ow.client.put(url, headers=ow.h("admin"), json=seat)
    assert r.status_code == 200 and r.json()["role_vi"] == "Ủy viên Hội đồng"
    for bad in ({**seat, "role": "commune_official"}, {**seat, "level": "central"},
                {**seat, "level": "commune", "role": "commune_official",
                 "commune_code": "00004"}, {**seat, "role": "boss"}):
        assert ow.client.put(url, headers=ow.h("admin"), json=bad).status_code == 422, bad
    r = ow.client.put(url, headers=ow.h("admin"), json={**seat, "role": "secretary",
                                                         "active": False})
    assert r.json()["role"] == "secretary" and r.json()["active"] is False
    seats = ow.client.get(url, headers=ow.h("admin")).json()
    assert sum(s["user_id"] == ev_hn for s in seats) == 1
    lychee = ow.w.orgs["lychee"]
    assert ow.client.get(f"/api/v1/ocop/councils/{lychee}/seats",
                         headers=ow.h("admin")).status_code == 422
