"""This package's part of the demo world (idempotent).

- The lychee co-op's "Vải thiều Thanh Hà" (GTIN 8930000001016), carried through the
  1489/QĐ-TTg workflow in autumn 2025 and certified 4★ by the Hải Phòng council.
- The carrot co-op's "Cà rốt Đức Chính" (GTIN 8930000001023), submitted and pre-checked,
  now with the province council (one member's sheet in).

The demo GTINs are body ``893000000101``/``893000000102`` + GS1 check digit, the same
ones the traceability seed uses for the co-ops' products. Every step goes through
:mod:`.workflow` and :mod:`.certs`, so the history is recorded as it would be.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ocop.criteria import get_criteria_set
from ocop.scoring import score_assessment
from qr.gs1 import check_digit
from server.deps import Principal
from server.models import Membership, Organisation, Role, User
from server.models.ocop import OcopCouncilMember, OcopProduct, OcopProductCreate
from server.ocop_workflow import certs, workflow
from server.ocop_workflow.products import register_product

__all__ = ["seed_demo", "LYCHEE_GTIN", "CARROT_GTIN", "demo_sheet"]

log = logging.getLogger(__name__)

# The same products as the traceability demo (server/trace/seed.py), so that the
# consumer page of a demo stamp shows the OCOP stars.
LYCHEE_GTIN = "893000000101" + str(check_digit("893000000101"))  # 8930000001016
CARROT_GTIN = "893000000102" + str(check_digit("893000000102"))  # 8930000001023
_LYCHEE_ORG = "Hợp tác xã Vải thiều Thanh Hà"
_CARROT_ORG = "Hợp tác xã Cà rốt Đức Chính"
_COUNCIL = "Hội đồng OCOP thành phố Hải Phòng"
_EVALUATOR = "chuyengia@ocop-haiphong.vn"
_EVALUATOR_2 = ("chuyengia2@ocop-haiphong.vn", "Hoàng Văn Nam")
_COMMUNE_OFFICIALS = (("canbo@xa-thanhha.vn", "Phạm Thị Hoa"),
                      ("canbo@xa-camgiang.vn", "Vũ Văn Bình"))
_KEY = "qd148-2023/fresh-produce"


def demo_sheet(stars: int, lower_first: int = 0) -> dict[str, str]:
    """A plausible sheet rated ``stars``: the best options, lowered where no requirement
    holds until the total falls into the band. ``lower_first`` varies members' sheets."""
    crit = get_criteria_set(_KEY)
    out = {c.code: max(c.options, key=lambda o: o.points).code for c in crit.criteria}
    if stars == 5:
        return out
    top = {4: 90.0, 3: 70.0}[stars]
    order = sorted(crit.criteria, key=lambda c: -c.max_points)
    order = order[lower_first:] + order[:lower_first]
    for c in order:
        need = c.required_points(stars) or 0.0
        out[c.code] = min((o for o in c.options if o.points >= need), key=lambda o: o.points).code
        if score_assessment(_KEY, out).total < top:
            break
    return out


def _principal(s: Session, login: str) -> Principal | None:
    user = s.exec(select(User).where(User.login == login)).first()
    if user is None:
        return None
    rows = s.exec(select(Membership).where(Membership.user_id == user.id)).all()
    return Principal(user, {m.organisation_id: m.role for m in rows})


def _second_evaluator(s: Session, council: Organisation) -> Principal:
    login, name = _EVALUATOR_2
    found = _principal(s, login)
    if found is not None:
        return found
    # The council's secretary (the chair is the demo evaluator); with both present the
    # quorum (3/4 of the roster, chair present) is met. This member has no usable
    # password (the marker is not an argon2 hash, so every login fails); set one with
    # ``nongso users set-password``.
    user = User(login=login, full_name=name,
                password_hash=f"!disabled:{secrets.token_hex(8)}")
    s.add(user)
    s.flush()
    assert user.id is not None and council.id is not None
    s.add(Membership(user_id=user.id, organisation_id=council.id, role=Role.evaluator))
    s.flush()
    return Principal(user, {council.id: Role.evaluator})


def _seat(s: Session, council: Organisation, who: Principal, level: str, role: str,
          commune: str | None = None) -> None:
    """A council seat (idempotent): the demo council's chair, secretary, commune officials."""
    assert council.id is not None
    if s.exec(select(OcopCouncilMember).where(
            OcopCouncilMember.organisation_id == council.id, OcopCouncilMember.level == level,
            OcopCouncilMember.user_id == who.id)).first() is None:
        s.add(OcopCouncilMember(organisation_id=council.id, user_id=who.id, level=level,
                                role=role, commune_code=commune))
        s.flush()


def _commune_official(s: Session, council: Organisation, login: str, name: str,
                      commune: str | None) -> Principal:
    """A commune official (no usable password until ``nongso users set-password``)."""
    found = _principal(s, login)
    if found is None:
        user = User(login=login, full_name=name, password_hash=f"!disabled:{secrets.token_hex(8)}")
        s.add(user)
        s.flush()
        found = Principal(user, {})
    _seat(s, council, found, "commune", "commune_official", commune)
    return found


def _product(s: Session, org: Organisation, admin: Principal, name: str, gtin: str,
             description: str) -> OcopProduct | None:
    if s.exec(select(OcopProduct).where(OcopProduct.organisation_id == org.id,
                                        OcopProduct.name == name)).first():
        return None
    assert org.id is not None
    return register_product(s, admin, OcopProductCreate(
        organisation_id=org.id, name=name, subgroup="fresh-produce", gtin=gtin,
        description=description))


def seed_demo(engine: Engine) -> None:
    """Add this package's demo data if missing."""
    with Session(engine, expire_on_commit=False) as s:
        orgs = {o.name: o for o in s.exec(select(Organisation)).all()}
        lychee, carrot, council = (orgs.get(n) for n in (_LYCHEE_ORG, _CARROT_ORG, _COUNCIL))
        ev1 = _principal(s, _EVALUATOR)
        if lychee is None or carrot is None or council is None or ev1 is None:
            log.warning("OCOP demo: base world missing; nothing seeded")
            return
        ev2 = _second_evaluator(s, council)
        _seat(s, council, ev1, "province", "chair")
        _seat(s, council, ev2, "province", "secretary")
        xa_lychee, xa_carrot = (_commune_official(s, council, login, name, org.commune_code)
                                for (login, name), org in zip(_COMMUNE_OFFICIALS,
                                                              (lychee, carrot), strict=True))
        lychee_admin = _principal(s, "quantri@htx-vaithanhha.vn")
        carrot_admin = _principal(s, "quantri@htx-carotducchinh.vn")
        assert lychee_admin is not None and carrot_admin is not None
        product = _product(s, lychee, lychee_admin, "Vải thiều Thanh Hà", LYCHEE_GTIN,
                           "Vải thiều tươi Thanh Hà, chỉ dẫn địa lý từ năm 2007; chín chính "
                           "vụ từ đầu tháng 6, thu hái và đóng hộp trong ngày.")
        if product is not None:
            opened, submitted, issued = date(2025, 8, 20), date(2025, 9, 5), date(2025, 10, 20)
            d = workflow.open_dossier(s, lychee_admin, product, lychee, opened)
            workflow.save_self_assessment(s, lychee_admin, d, lychee, demo_sheet(4))
            workflow.submit(s, lychee_admin, d, lychee, submitted)
            workflow.precheck(s, xa_lychee, d, lychee, dict.fromkeys(workflow.PRECHECK_ITEMS, True),
                              "Vải trồng tại xã; lao động là xã viên địa phương.")
            workflow.record_scores(s, ev1, d, lychee, demo_sheet(4))
            workflow.record_scores(s, ev2, d, lychee, demo_sheet(4, lower_first=3))
            workflow.close_council(s, ev1, d, lychee)
            certs.certify(s, ev1, d, product, lychee, issued, number="31/2025/OCOP-0042")
            log.info("OCOP demo: %s certified", product.name)
        product = _product(s, carrot, carrot_admin, "Cà rốt Đức Chính", CARROT_GTIN,
                           "Cà rốt tươi Đức Chính (Cẩm Giàng), nhãn hiệu tập thể; gieo "
                           "tháng 9–10, thu hoạch từ giữa tháng 1 đến tháng 4.")
        if product is not None:
            today = date.today()
            d = workflow.open_dossier(s, carrot_admin, product, carrot, today)
            workflow.save_self_assessment(s, carrot_admin, d, carrot, demo_sheet(4, 1))
            workflow.submit(s, carrot_admin, d, carrot, today)
            workflow.precheck(s, xa_carrot, d, carrot, dict.fromkeys(workflow.PRECHECK_ITEMS, True))
            workflow.record_scores(s, ev1, d, carrot, demo_sheet(3))
            log.info("OCOP demo: %s under evaluation", product.name)
        s.commit()
