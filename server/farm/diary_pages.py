"""The farm diary on the phone (``/farm/diary``): spraying, fertiliser, pruning, flowering
and fruit-set observations, harvest; an optional photo.

Offline first: ``/static/diary.js`` keeps each entry on the phone (``localStorage``) with a
random key and sends it when there is a signal; ``POST /farm/diary/entries`` stores an entry
once per key (:class:`~server.models.farm_pages.DiarySubmission`), so a repeat (lost answer,
second tab) answers with the entry already stored. Without JavaScript the same form posts
straight to the same route. The pre-harvest flag updates through
:func:`server.trace.diary.add_entry`, as for the API.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from server.deps import CurrentUser, SessionDep, SettingsDep, load_zone
from server.errors import Invalid, NotFound
from server.farm.pesticides import ACTIVITIES, FERTILISERS, pesticides
from server.farm.views import zone_rows
from server.models import Zone
from server.models.farm_pages import DiarySubmission
from server.models.trace import DiaryEntry, DiaryEntryCreate, DiaryKind, LotFlag
from server.templating import render
from server.trace import photos
from server.trace.access import RECORDERS
from server.trace.diary import add_entry

__all__ = ["router", "submit", "VN"]

router = APIRouter(include_in_schema=False)
VN = timezone(timedelta(hours=7))  # Vietnam: UTC+07:00, no daylight saving
KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
STATIC = Path(__file__).resolve().parents[1] / "static"
PHOTO_MAX = 700_000  # bytes of JPEG/PNG after the phone shrank it


def _local(moment: datetime) -> str:
    return moment.astimezone(VN).strftime("%d/%m/%Y %H:%M")


def _recent(session: Session, zone_ids: list[int]) -> list[dict[str, Any]]:
    """The last 30 entries of these zones, with the page's activity label (two queries)."""
    if not zone_ids:
        return []
    rows = session.exec(select(DiaryEntry, Zone).join(Zone, col(Zone.id) == DiaryEntry.zone_id)
                        .where(col(DiaryEntry.zone_id).in_(zone_ids))
                        .order_by(col(DiaryEntry.performed_at).desc()).limit(30)).all()
    ids = [e.id for e, _ in rows]
    subs = {s.entry_id: s for s in session.exec(select(DiarySubmission).where(
        col(DiarySubmission.entry_id).in_(ids))).all()} if ids else {}
    out = []
    for entry, zone in rows:
        sub = subs.get(entry.id or 0)
        act = sub.activity if sub else entry.kind.value
        out.append({"e": entry, "zone": zone, "label": ACTIVITIES.get(act, ("", act))[1],
                    "when": _local(entry.performed_at if entry.performed_at.tzinfo
                                   else entry.performed_at.replace(tzinfo=UTC)),
                    "photo": bool(sub and sub.photo)})
    return out


@router.get("/farm/diary", response_class=HTMLResponse)
def diary_page(request: Request, who: CurrentUser, session: SessionDep,
               ok: int | None = None) -> HTMLResponse:
    zones = zone_rows(session, None if who.is_admin else who.org_ids())
    now = datetime.now(VN).strftime("%Y-%m-%dT%H:%M")
    return render(request, "farm_diary.html", {
        "who": who, "zones": zones, "now": now, "pesticides": pesticides(),
        "fertilisers": FERTILISERS, "activities": ACTIVITIES, "ok": ok,
        "recent": _recent(session, [z["zone"].id for z in zones])})


def _when(text: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` on the phone's clock is Vietnam time; not in the future."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("Ngày giờ không hợp lệ (cần dạng 2025-06-05T07:30).") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=VN)
    if moment > datetime.now(UTC) + timedelta(hours=1):
        raise Invalid("Ngày giờ ở tương lai.")
    return moment.astimezone(UTC)  # SQLite keeps no offset: store UTC everywhere


def _recode(photo: UploadFile | None) -> bytes | None:
    """The attached photo re-encoded (upright, ≤ 1200 px, no metadata: no GPS of the farm),
    before anything is stored: a bad photo refuses the entry (422), nothing half-saved."""
    if photo is None or not photo.filename:
        return None
    data = photo.file.read(PHOTO_MAX + 1)
    if not data:
        return None
    if len(data) > PHOTO_MAX:
        raise Invalid("Ảnh quá lớn (tối đa 700 KB sau khi thu nhỏ).")
    return photos.recode(data)[0]


def _save_photo(settings: Any, entry_id: int, jpeg: bytes) -> str:
    name = f"{entry_id}-{hashlib.sha256(jpeg).hexdigest()[:12]}.jpg"
    folder = settings.var_dir / "farm" / "diary"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(jpeg)
    return name


def submit(session: Session, who: Any, key: str, activity: str, zone_id: int,
           body: DiaryEntryCreate) -> tuple[DiaryEntry, bool]:
    """Store ``body`` for ``key`` once: ``(entry, created)``; a known key returns its entry."""
    if not KEY.match(key):
        raise Invalid("Khoá gửi không hợp lệ.")
    known = session.exec(select(DiarySubmission).where(DiarySubmission.key == key)).first()
    if known is not None:
        entry = session.get(DiaryEntry, known.entry_id)
        if entry is None:
            raise NotFound("Mục nhật ký đã bị xoá.")
        load_zone(session, who, entry.zone_id)  # someone else's key: 404 like a missing one
        return entry, False
    load_zone(session, who, zone_id, *RECORDERS)
    entry = add_entry(session, zone_id, body, who.id)
    assert entry.id is not None
    session.add(DiarySubmission(key=key, entry_id=entry.id, activity=activity, user_id=who.id,
                                made_at=body.performed_at))
    try:
        session.commit()
    except IntegrityError:  # the same key sent twice at once: keep the first, drop ours
        session.rollback()
        for flag in session.exec(select(LotFlag).where(LotFlag.diary_entry_id == entry.id)):
            session.delete(flag)  # its pre-harvest flags are the first entry's too
        session.delete(entry)
        session.commit()
        return submit(session, who, key, activity, zone_id, body)
    return entry, True


@router.post("/farm/diary/entries")
def diary_submit(request: Request, who: CurrentUser, session: SessionDep,
                 settings: SettingsDep, key: str = Form(max_length=64),
                 activity: str = Form(max_length=16), zone_id: int = Form(),
                 performed_at: str = Form(max_length=40),
                 product_name: str = Form(default="", max_length=200),
                 active_ingredient: str = Form(default="", max_length=200),
                 dose: float | None = Form(default=None, gt=0, le=1e6),
                 dose_unit: str = Form(default="", max_length=20),
                 phi_days: int | None = Form(default=None, ge=0, le=365),
                 note: str = Form(default="", max_length=1000),
                 photo: UploadFile | None = None) -> Response:
    if activity not in ACTIVITIES:
        raise Invalid(f"Hoạt động không hợp lệ: {activity}.")
    kind, label = ACTIVITIES[activity]
    if kind == "spraying" and (not product_name.strip() or phi_days is None):
        raise Invalid("Phun thuốc cần tên thuốc và thời gian cách ly.")
    body = DiaryEntryCreate(
        kind=DiaryKind(kind), performed_at=_when(performed_at),
        product_name=product_name.strip() or label,
        active_ingredient=active_ingredient.strip() or None, dose=dose,
        dose_unit=dose_unit.strip() or None, phi_days=phi_days if kind == "spraying" else None,
        note=note.strip() or None)
    jpeg = _recode(photo)
    entry, created = submit(session, who, key, activity, zone_id, body)
    if created and jpeg and entry.id is not None:
        sub = session.exec(select(DiarySubmission).where(DiarySubmission.key == key)).one()
        sub.photo = _save_photo(settings, entry.id, jpeg)
        session.add(sub)
        session.commit()
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"entry_id": entry.id, "created": created},
                            status_code=201 if created else 200)
    return RedirectResponse("/farm/diary?ok=1", status_code=303)


@router.get("/farm/diary/{entry_id}/photo")
def diary_photo(entry_id: int, who: CurrentUser, session: SessionDep,
                settings: SettingsDep) -> Response:
    entry = session.get(DiaryEntry, entry_id)
    sub = session.exec(select(DiarySubmission).where(DiarySubmission.entry_id == entry_id)).first()
    if entry is None or sub is None or not sub.photo:
        raise NotFound("Không có ảnh.")
    load_zone(session, who, entry.zone_id)  # another co-op's: 404
    return FileResponse(settings.var_dir / "farm" / "diary" / sub.photo, media_type="image/jpeg")


@router.get("/farm/sw.js")
def service_worker(who: CurrentUser) -> Response:
    """The diary's service worker, served from ``/farm/`` so that its scope covers the page."""
    return FileResponse(STATIC / "diary-sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})
