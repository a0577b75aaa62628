"""The dossier on paper: registration form, product dossier, council minutes (PDF).

Layout follows the forms as provinces print them under Decision 148/QĐ-TTg, Phụ lục II
(phiếu đăng ký sản phẩm, hồ sơ sản phẩm with the self-assessment on the sheet of
Phụ lục III, biên bản họp Hội đồng): the national motto heading, the subject and the
product, the scoring table by part, section and criterion with the ticked box and its
points, part totals, the total and stars, a signature block. The printed forms themselves
could not be consulted here; wording and order are the decision's, the exact box
geometry is ours.

Vietnamese needs a TrueType font with its glyphs: DejaVu Sans (Debian's
``fonts-dejavu-core``) is embedded; without it the PDF is refused rather than printed
without diacritics. Dates are dd/mm/yyyy.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlmodel import Session, col, select

from ocop.certificates import EvaluationLevel
from ocop.council import CouncilRole
from ocop.criteria import get_criteria_set
from ocop.groups import Subgroup
from ocop.model import Part
from ocop.scoring import Answer, AnswerValue, score_assessment, stars
from server.admin_units import place_name
from server.errors import Conflict
from server.models import Organisation, User
from server.models.ocop import (
    OcopAnswer,
    OcopDocument,
    OcopDossier,
    OcopEvent,
    OcopProduct,
)
from server.ocop_workflow.access import subject_type
from server.ocop_workflow.council import level_roster
from server.ocop_workflow.workflow import council_sheets

__all__ = ["dossier_pdf", "minutes_pdf"]

_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
          "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@functools.cache
def _font() -> tuple[str, str]:
    try:
        faces = [TTFont(name, path) for name, path in zip(("NongsoPaper", "NongsoPaper-Bold"),
                                                           _FONTS, strict=True)]
    except Exception as exc:
        raise Conflict("Không in được hồ sơ: thiếu phông chữ tiếng Việt DejaVu Sans "
                       "(cài gói fonts-dejavu-core).") from exc
    for face in faces:
        pdfmetrics.registerFont(face)
    return faces[0].fontName, faces[1].fontName


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _font()
    base = ParagraphStyle("base", fontName=regular, fontSize=9.5, leading=12)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "bold": ParagraphStyle("bold", parent=base, fontName=bold),
        "center": ParagraphStyle("center", parent=base, alignment=1),
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=13, leading=17,
                                alignment=1, spaceBefore=6, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontName=bold, fontSize=10.5, leading=14,
                             spaceBefore=8, spaceAfter=4),
    }


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_esc(text), style)


def _heading(st: dict[str, ParagraphStyle], left: str) -> list[Any]:
    motto = Table([[_p(left, st["center"]),
                    Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br/>"
                              "Độc lập - Tự do - Hạnh phúc", st["center"])]],
                  colWidths=[70 * mm, 110 * mm])
    return [motto, Spacer(1, 4 * mm)]


def _grid(rows: list[list[Any]], widths: Sequence[float], header: bool = True) -> Table:
    regular, bold = _font()
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.4, colors.black),
             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), regular),
             ("FONTSIZE", (0, 0), (-1, -1), 8.5)]
    if header:
        style += [("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                  ("FONTNAME", (0, 0), (-1, 0), bold)]
    table.setStyle(TableStyle(style))
    return table


def _build(story: list[Any], title: str) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=title,
                            author="nongso", subject="OCOP")
    doc.build(story)
    return out.getvalue()


def _subject_rows(st: dict[str, ParagraphStyle], org: Organisation,
                  product: OcopProduct) -> list[list[Any]]:
    sub = Subgroup(product.subgroup)
    where = place_name(org.province_code, product.commune_code or org.commune_code)
    return [[_p(k, st["bold"]), _p(v, st["base"])] for k, v in (
        ("Tên chủ thể", org.name), ("Loại hình", subject_type(org).vi),
        ("Mã số thuế", org.tax_code or "—"), ("Địa chỉ", ", ".join(
            x for x in (org.address_detail, where) if x) or "—"),
        ("Tên sản phẩm", product.name),
        ("Nhóm / bộ sản phẩm", f"{sub.group.vi} / {sub.number}. {sub.vi}"),
        ("Mã GTIN", product.gtin or "—"))]


def _score_table(st: dict[str, ParagraphStyle], key: str,
                 answers: dict[str, AnswerValue]) -> tuple[Table, Any]:
    crit = get_criteria_set(key)
    result = score_assessment(key, answers)
    rows: list[list[Any]] = [[_p(h, st["bold"]) for h in (
        "Tiêu chí", "Nội dung", "Tối đa", "Phương án chọn", "Điểm")]]
    for part in Part:
        rows.append([_p(f"Phần {part.value}", st["bold"]), _p(part.vi.upper(), st["bold"]),
                     _p(f"{crit.part_max[part]:g}", st["bold"]), "",
                     _p(f"{result.part_totals[part]:g}", st["bold"])])
        for section in (s for s in crit.sections if s.part is part):
            rows.append([_p(f"{section.number}.", st["bold"]), _p(section.title, st["bold"]),
                         _p(f"{section.max_points:g}", st["base"]), "", ""])
            for c in crit.criteria:
                if c.section != section.number:
                    continue
                value = answers.get(c.code)
                chosen = value.option if isinstance(value, Answer) else value
                option = next((o for o in c.options if o.code == chosen), None)
                rows.append([_p(f"{c.label})", st["small"]), _p(c.title, st["small"]),
                             _p(f"{c.max_points:g}", st["small"]),
                             _p(option.title if option else "—", st["small"]),
                             _p(f"{result.points.get(c.code, 0):g}", st["small"])])
    rows.append(["", _p("TỔNG ĐIỂM", st["bold"]), _p(f"{crit.max_total:g}", st["bold"]),
                 _p(f"Hạng: {result.stars} sao", st["bold"]),
                 _p(f"{result.total:g}", st["bold"])])
    return _grid(rows, (14, 62, 14, 72, 16)), result


def _signature(st: dict[str, ParagraphStyle], who: str, day: date | None) -> Table:
    when = f"ngày {day:%d/%m/%Y}" if day else "ngày ..../..../........"
    return Table([["", Paragraph(f"{_esc(when)}<br/><b>{_esc(who)}</b><br/>"
                                 "(Ký, ghi rõ họ tên, đóng dấu)", st["center"])]],
                 colWidths=[90 * mm, 90 * mm])


def dossier_pdf(session: Session, dossier: OcopDossier) -> bytes:
    """Registration form, dossier contents and self-assessment table of one dossier."""
    st = _styles()
    product = session.get(OcopProduct, dossier.product_id)
    assert product is not None
    org = session.get(Organisation, product.organisation_id)
    assert org is not None
    rows = session.exec(select(OcopAnswer).where(OcopAnswer.dossier_id == dossier.id)).all()
    answers: dict[str, AnswerValue] = {r.criterion: Answer(option=r.option, points=r.points)
                                       for r in rows}
    docs = session.exec(select(OcopDocument).where(OcopDocument.dossier_id == dossier.id)
                        .order_by(col(OcopDocument.id))).all()
    crit = get_criteria_set(dossier.criteria_set)
    story: list[Any] = _heading(st, org.name)
    story += [_p("PHIẾU ĐĂNG KÝ SẢN PHẨM THAM GIA CHƯƠNG TRÌNH OCOP", st["title"]),
              _p(f"Hồ sơ số {dossier.id} — bộ tiêu chí: QĐ {crit.decision} ngày "
                 f"{crit.decision_date:%d/%m/%Y}, Phụ lục III, bộ sản phẩm "
                 f"{crit.subgroup.number} «{crit.subgroup.vi}»", st["center"]),
              _p("I. THÔNG TIN CHỦ THỂ VÀ SẢN PHẨM", st["h2"]),
              _grid(_subject_rows(st, org, product), (45, 135), header=False),
              _p("II. HỒ SƠ SẢN PHẨM", st["h2"])]
    listed = [[_p(h, st["bold"]) for h in ("STT", "Tài liệu", "Loại", "Ngày nộp")]]
    listed += [[str(i), _p(d.title, st["small"]), _p(d.kind, st["small"]),
                f"{d.uploaded_at:%d/%m/%Y}"] for i, d in enumerate(docs, start=1)]
    story.append(_grid(listed, (12, 98, 40, 30)) if docs else
                 _p("(Chưa có tài liệu đính kèm.)", st["base"]))
    story.append(_p("III. BẢNG TỰ ĐÁNH GIÁ THEO BỘ TIÊU CHÍ", st["h2"]))
    table, result = _score_table(st, dossier.criteria_set, answers)
    story += [table, Spacer(1, 3 * mm),
              _p(f"Tự đánh giá: {result.total:g}/100 điểm — {result.stars} sao"
                 + (" (chưa chấm đủ tiêu chí)" if not result.complete else ""), st["bold"]),
              Spacer(1, 6 * mm),
              _signature(st, "ĐẠI DIỆN CHỦ THỂ", dossier.rules_date)]
    return _build(story, f"Hồ sơ OCOP số {dossier.id}")


def _names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    users = session.exec(select(User).where(col(User.id).in_(list(ids)))).all()
    return {u.id: u.full_name for u in users if u.id is not None}


def minutes_pdf(session: Session, dossier: OcopDossier, level: str | None = None) -> bytes:
    """The council's minutes at ``level`` (default: the last level that closed)."""
    st = _styles()
    product = session.get(OcopProduct, dossier.product_id)
    assert product is not None
    org = session.get(Organisation, product.organisation_id)
    assert org is not None
    close = session.exec(select(OcopEvent).where(
        OcopEvent.dossier_id == dossier.id, OcopEvent.step == "close",
        *([OcopEvent.level == level] if level else []))
        .order_by(col(OcopEvent.id).desc())).first()
    if close is None or close.level is None:
        raise Conflict("Hội đồng chưa kết luận hồ sơ này: chưa có biên bản.")
    at = close.level
    sheets = council_sheets(session, dossier, at)
    seats = {s.user_id: s for s in level_roster(session, at, org)}
    names = _names(session, sorted(set(sheets) | set(seats)))
    where = EvaluationLevel(at).vi.upper()
    story: list[Any] = _heading(st, f"HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP {where}")
    story += [_p("BIÊN BẢN HỌP HỘI ĐỒNG ĐÁNH GIÁ, PHÂN HẠNG SẢN PHẨM OCOP", st["title"]),
              _p(f"Ngày {close.at:%d/%m/%Y} — hồ sơ số {dossier.id}: «{product.name}» của "
                 f"{org.name}", st["center"]),
              _p("I. THÀNH VIÊN VÀ ĐIỂM CHẤM", st["h2"])]
    rows = [[_p(h, st["bold"]) for h in ("STT", "Thành viên", "Vai trò", "Phần A", "Phần B",
                                         "Phần C", "Tổng")]]
    for i, uid in enumerate(sorted(set(sheets) | set(seats),
                                   key=lambda u: names.get(u, "")), start=1):
        role = CouncilRole(seats[uid].role).vi if uid in seats else "—"
        if uid in sheets:
            r = score_assessment(dossier.criteria_set, sheets[uid])
            marks = [f"{r.part_a:g}", f"{r.part_b:g}", f"{r.part_c:g}", f"{r.total:g}"]
        else:
            marks = ["—", "—", "—", "không chấm"]
        rows.append([str(i), _p(names.get(uid, f"#{uid}"), st["small"]), _p(role, st["small"]),
                     *marks])
    story.append(_grid(rows, (12, 50, 52, 16, 16, 16, 18)))
    total = dossier.result_total
    story += [_p("II. KẾT QUẢ", st["h2"]),
              _p(close.note or "", st["base"]),
              _p(f"Điểm trung bình: {total:.2f}/100 — xếp hạng {stars(total)} sao."
                 if total is not None else "Không có kết quả.", st["bold"]),
              Spacer(1, 8 * mm),
              Table([[Paragraph("<b>THƯ KÝ HỘI ĐỒNG</b><br/>(Ký, ghi rõ họ tên)", st["center"]),
                      Paragraph("<b>CHỦ TỊCH HỘI ĐỒNG</b><br/>(Ký, ghi rõ họ tên)",
                                st["center"])]], colWidths=[90 * mm, 90 * mm])]
    return _build(story, f"Biên bản hội đồng OCOP — hồ sơ số {dossier.id}")
