"""Council seats through the API: who sits on which OCOP council, in which role.

Platform admins record the seats a province's (or the ministry's) founding decision lists:
``GET``/``PUT /api/v1/ocop/councils/{organisation_id}/seats``. The organisation must be an
authority; roles are :class:`ocop.council.CouncilRole`; a seat is switched off with
``active: false`` (kept for the minutes of past sessions), never deleted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import col, select

from ocop.certificates import EvaluationLevel
from ocop.council import CouncilRole
from server import admin_units
from server.deps import CurrentUser, SessionDep
from server.errors import Forbidden, Invalid, NotFound
from server.models import Organisation, OrgKind, User
from server.models.ocop import OcopCouncilMember
from server.models.ocop_views import CouncilSeatView

__all__ = ["router"]

router = APIRouter(prefix="/councils", tags=["ocop"])


class SeatIn(BaseModel):
    user_id: int
    level: EvaluationLevel
    role: CouncilRole
    commune_code: Annotated[str | None, Field(pattern=r"^\d{5}$")] = None
    active: bool = True


def _view(seat: OcopCouncilMember, user: User) -> CouncilSeatView:
    assert seat.id is not None
    return CouncilSeatView(id=seat.id, user_id=seat.user_id, full_name=user.full_name,
                           level=seat.level, level_vi=EvaluationLevel(seat.level).vi,
                           role=seat.role, role_vi=CouncilRole(seat.role).vi,
                           commune_code=seat.commune_code, active=seat.active)


def _authority(session: SessionDep, who: CurrentUser, organisation_id: int) -> Organisation:
    if not who.is_admin:
        raise Forbidden("Chỉ quản trị hệ thống ghi danh sách thành viên Hội đồng OCOP.")
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise NotFound(f"Tổ chức {organisation_id} không tồn tại.")
    if org.kind != OrgKind.authority:
        raise Invalid(f"«{org.name}» không phải cơ quan quản lý: không có Hội đồng OCOP.")
    return org


@router.get("/{organisation_id}/seats", response_model=list[CouncilSeatView])
def list_seats(organisation_id: int, who: CurrentUser,
               session: SessionDep) -> list[CouncilSeatView]:
    _authority(session, who, organisation_id)
    rows = session.exec(select(OcopCouncilMember, User)
                        .join(User, col(User.id) == OcopCouncilMember.user_id)
                        .where(OcopCouncilMember.organisation_id == organisation_id)
                        .order_by(col(OcopCouncilMember.id))).all()
    return [_view(seat, user) for seat, user in rows]


@router.put("/{organisation_id}/seats", response_model=CouncilSeatView)
def put_seat(organisation_id: int, body: SeatIn, who: CurrentUser,
             session: SessionDep) -> CouncilSeatView:
    """Add a seat, or change the role / switch off the seat of that user at that level."""
    org = _authority(session, who, organisation_id)
    user = session.get(User, body.user_id)
    if user is None:
        raise NotFound(f"Người dùng {body.user_id} không tồn tại.")
    commune_only = body.role is CouncilRole.COMMUNE_OFFICIAL
    if commune_only != (body.level is EvaluationLevel.COMMUNE):
        raise Invalid("Cán bộ cấp xã chỉ ngồi ở cấp xã, và cấp xã chỉ có cán bộ kiểm tra sơ bộ.")
    if (body.role is CouncilRole.CENTRAL) != (body.level is EvaluationLevel.CENTRAL):
        raise Invalid("Vai trò thành viên Hội đồng trung ương chỉ dùng ở cấp trung ương.")
    if body.commune_code and not admin_units.commune_in_province(body.commune_code,
                                                                  org.province_code):
        raise Invalid(f"Mã xã {body.commune_code} không thuộc tỉnh {org.province_code} theo "
                      "danh mục hành chính hiện hành.")
    seat = session.exec(select(OcopCouncilMember).where(
        OcopCouncilMember.organisation_id == organisation_id,
        OcopCouncilMember.level == body.level.value,
        OcopCouncilMember.user_id == body.user_id)).first()
    seat = seat or OcopCouncilMember(organisation_id=organisation_id, user_id=body.user_id,
                                     level=body.level.value, role=body.role.value)
    seat.role, seat.active, seat.commune_code = body.role.value, body.active, body.commune_code
    session.add(seat)
    session.commit()
    session.refresh(seat)
    return _view(seat, user)
