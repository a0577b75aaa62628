"""Who may do what with OCOP products and dossiers.

- Co-op admins (role ``coop_admin``) register products and fill self-assessments of their
  own organisation only; any member of the subject may read its dossiers.
- Evaluators are members with role ``evaluator`` of an organisation of kind ``authority``;
  they act only on dossiers of subjects in the same province (403 otherwise).
- Nobody who is a member of the subject organisation may evaluate its product, whatever
  other role they hold — platform admins included.
- The central (ministry) level is recorded by platform admins only.
- Platform admins see everything.
- A product, dossier or certificate nobody lets ``who`` see is 404, like a missing one
  (:func:`server.deps.load_owned`); 403 is for what ``who`` can see but not do.
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel, col, select

from ocop.certificates import EvaluationLevel
from ocop.groups import SubjectType
from server.deps import Principal, load_owned
from server.errors import Forbidden, Invalid
from server.models import Organisation, OrgKind, Role
from server.models.ocop import OcopCouncilMember, OcopDossier, OcopProduct

T = TypeVar("T", bound=SQLModel)

__all__ = ["subject_type", "load_product", "load_dossier", "load_via_product",
           "require_coop_admin",
           "evaluator_provinces", "require_evaluator", "can_read_org", "seat_provinces"]

_SUBJECT = {OrgKind.htx: SubjectType.HTX, OrgKind.dn: SubjectType.DN,
            OrgKind.tht: SubjectType.THT, OrgKind.ho_sxkd: SubjectType.HO_SXKD}


def subject_type(org: Organisation) -> SubjectType:
    """The OCOP subject type of an organisation; authorities are not subjects (422)."""
    try:
        return _SUBJECT[org.kind]
    except KeyError:
        raise Invalid(f"«{org.name}» là cơ quan quản lý, không phải chủ thể OCOP.") from None


def evaluator_provinces(session: Session, who: Principal) -> set[str]:
    """Province codes of the authorities in which ``who`` holds the evaluator role."""
    ids = [oid for oid, role in who.roles.items() if role == Role.evaluator]
    if not ids:
        return set()
    rows = session.exec(select(Organisation).where(col(Organisation.id).in_(ids),
                                                   Organisation.kind == OrgKind.authority))
    return {o.province_code for o in rows.all()}


def seat_provinces(session: Session, who: Principal) -> tuple[set[str], bool]:
    """Provinces where ``who`` holds an active council seat, and whether one is central."""
    rows = session.exec(select(OcopCouncilMember.level, Organisation.province_code)
                        .join(Organisation,
                              col(Organisation.id) == OcopCouncilMember.organisation_id)
                        .where(OcopCouncilMember.user_id == who.id,
                               col(OcopCouncilMember.active).is_(True))).all()
    central = any(level == EvaluationLevel.CENTRAL.value for level, _ in rows)
    return {province for _, province in rows}, central


def can_read_org(session: Session, who: Principal, org: Organisation) -> bool:
    """Members of the subject, evaluators and council seats of its province (any province
    for the central council), and admins may read."""
    if who.is_admin or org.id in who.roles:
        return True
    provinces, central = seat_provinces(session, who)
    if central or org.province_code in provinces:
        return True
    return org.province_code in evaluator_provinces(session, who)


def _product_org(_session: Session, product: OcopProduct) -> int:
    return product.organisation_id


def load_product(session: Session, who: Principal, product_id: int) -> tuple[OcopProduct, Organisation]:
    """The product and its subject, if ``who`` may read it (404 otherwise)."""
    product = load_owned(session, who, OcopProduct, product_id, org_of=_product_org,
                         may_see=lambda oid: _may_read(session, who, oid),
                         missing=f"Sản phẩm OCOP {product_id} không tồn tại.")
    org = session.get(Organisation, product.organisation_id)
    assert org is not None
    return product, org


def _may_read(session: Session, who: Principal, org_id: int) -> bool:
    org = session.get(Organisation, org_id)
    return org is not None and can_read_org(session, who, org)


def _product_id(obj: SQLModel) -> int:
    product_id: int = obj.product_id  # type: ignore[attr-defined]
    return product_id


def load_via_product(session: Session, who: Principal, model: type[T], obj_id: int,
                     missing: str) -> tuple[T, OcopProduct, Organisation]:
    """A dossier or certificate (anything with a ``product_id``), its product and subject,
    if ``who`` may read the subject (404 otherwise)."""
    def org_of(s: Session, obj: T) -> int:
        product = s.get(OcopProduct, _product_id(obj))
        assert product is not None
        return product.organisation_id

    obj = load_owned(session, who, model, obj_id, org_of=org_of,
                     may_see=lambda oid: _may_read(session, who, oid), missing=missing)
    product, org = load_product(session, who, _product_id(obj))
    return obj, product, org


def load_dossier(session: Session, who: Principal,
                 dossier_id: int) -> tuple[OcopDossier, OcopProduct, Organisation]:
    return load_via_product(session, who, OcopDossier, dossier_id,
                            f"Hồ sơ OCOP {dossier_id} không tồn tại.")


def require_coop_admin(who: Principal, org: Organisation) -> None:
    """Only the subject's co-op admins (or platform admins) change its products."""
    assert org.id is not None
    if who.is_admin:
        return
    if who.role_in(org.id) != Role.coop_admin:
        raise Forbidden("Chỉ quản trị của chính hợp tác xã/chủ thể mới làm được việc này.")


def require_evaluator(session: Session, who: Principal, org: Organisation,
                      level: str | None) -> None:
    """Allow an evaluation step on a dossier of ``org`` at ``level`` (403 otherwise)."""
    assert org.id is not None
    if org.id in who.roles:
        raise Forbidden("Thành viên của chủ thể không được tự đánh giá, chấm điểm sản phẩm "
                        "của chính mình.")
    if level == EvaluationLevel.CENTRAL.value:
        if who.is_admin:
            return
        raise Forbidden("Đánh giá cấp trung ương do quản trị hệ thống ghi nhận thay Bộ.")
    if who.is_admin:
        return
    provinces = evaluator_provinces(session, who)
    if not provinces:
        raise Forbidden("Cần vai trò chuyên gia đánh giá của một cơ quan quản lý OCOP.")
    if org.province_code not in provinces:
        raise Forbidden(f"Chuyên gia của tỉnh {', '.join(sorted(provinces))} không được "
                        f"đánh giá hồ sơ của tỉnh {org.province_code}.")
