"""Read a scoring sheet written as text, one line per printed item (private).

The 148 sheets (Phụ lục III of Decision 148/QĐ-TTg) are printed as parts, numbered
sections (mục), lettered criteria (tiêu chí a, b, c, d, đ, e) and tick boxes (□) with
points; some boxes carry ``***``/``****``/``*****``. The data modules write a sheet in
the same order, so it can be read side by side with the printed page::

    S 1 A 18 | Tổ chức sản xuất          section 1 of part A, 18 points
    C a 5 | Nguồn nguyên liệu            criterion a), 5 points at most
    C e 2 *4 | Sở hữu trí tuệ            a marker on the criterion itself
    O 1 *3 | Sử dụng nguyên liệu ...     a tick box worth 1 point, marked ***
    N | ghi chú                          the printed note of the criterion
    F | source note                      what was corrected or could not be checked
    + | continued text                   continues the line above (after one space)

Every declared number is checked against the boxes below it (a criterion's points are
its best box; a section's are its criteria's), and the set then runs
:meth:`ocop.model.CriteriaSet.self_check` (parts 40/25/35, codes, star markers).
A marker on a criterion (``C e 2 *4``) means "at least its lowest-scoring box that is
worth points" for that many stars.
"""

from __future__ import annotations

import dataclasses
import datetime
import math

from ocop.errors import CriteriaDataError
from ocop.groups import Subgroup
from ocop.model import CriteriaSet, Criterion, Option, Part, Section

__all__ = ["ANNEX", "DECISION_148", "sheet_set"]

DECISION_148 = "148/QĐ-TTg"
ANNEX = "Phụ lục III"


@dataclasses.dataclass
class _Draft:
    label: str
    title: str
    declared: float
    part: Part
    section: int
    marker: int | None = None
    note: str = ""
    source_note: str = ""
    options: list[tuple[float, str, int | None]] = dataclasses.field(default_factory=list)


def _split(line: str, key: str) -> tuple[list[str], str]:
    head, sep, text = line.partition("|")
    if not sep:
        raise CriteriaDataError(f"{key}: line without '|': {line!r}")
    return head.split(), text.strip()


def _marker(fields: list[str], key: str) -> int | None:
    marks = [f for f in fields if f.startswith("*")]
    if not marks:
        return None
    stars = int(marks[0][1:])
    if stars not in (3, 4, 5):
        raise CriteriaDataError(f"{key}: marker {marks[0]}")
    return stars


def _joined(text: str) -> list[str]:
    """Lines of ``text``, each ``+ |`` continuation joined to the line above."""
    lines: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.strip()
        if line.startswith("+ |") and lines:
            lines[-1] += " " + line[3:].strip()
        elif line:
            lines.append(line)
    return lines


def _parse(key: str, text: str) -> tuple[list[Section], list[_Draft]]:
    sections: list[Section] = []
    drafts: list[_Draft] = []
    for line in _joined(text):
        fields, body = _split(line, key)
        kind = fields[0]
        if kind == "S":
            number, part, points = int(fields[1]), Part(fields[2]), float(fields[3])
            sections.append(Section(number, body, part, points))
        elif kind == "C":
            if not sections:
                raise CriteriaDataError(f"{key}: criterion before any section")
            here = sections[-1]
            drafts.append(_Draft(fields[1], body or here.title, float(fields[2]), here.part,
                                 here.number, _marker(fields, key)))
        elif kind == "O":
            drafts[-1].options.append((float(fields[1]), body, _marker(fields, key)))
        elif kind == "N":
            drafts[-1].note = body
        elif kind == "F":
            drafts[-1].source_note = body
        else:
            raise CriteriaDataError(f"{key}: unknown line kind {kind!r}")
    return sections, drafts


def _build(key: str, draft: _Draft, number: int, where: str) -> Criterion:
    code = f"{draft.section}.{number}"
    options = tuple(Option(f"{code}.{i}", title, points)
                    for i, (points, title, _) in enumerate(draft.options, start=1))
    if not options:
        raise CriteriaDataError(f"{key}: criterion {code} has no boxes")
    best = max(o.points for o in options)
    if not math.isclose(best, draft.declared):
        raise CriteriaDataError(
            f"{key}: criterion {code} declares {draft.declared:g} points, best box {best:g}")
    minimum: dict[int, float] = {stars: points for points, _, stars in draft.options
                                 if stars is not None}
    if draft.marker is not None:
        minimum[draft.marker] = min(o.points for o in options if o.points > 0)
    return Criterion(code=code, label=draft.label, title=draft.title, part=draft.part,
                     section=draft.section, options=options, min_points_for_stars=minimum,
                     note=draft.note,
                     source_ref=f"{where}, phần {draft.part.value}, mục {draft.section}, "
                                f"tiêu chí {draft.label})",
                     source_note=draft.source_note)


def sheet_set(*, key: str, subgroup: Subgroup, text: str, source: str,
              notes: str = "") -> CriteriaSet:
    """A checked 148/2023 criteria set for ``subgroup`` read from ``text``."""
    sections, drafts = _parse(key, text)
    where = (f"QĐ {DECISION_148} ngày 24/02/2023, {ANNEX}, bộ sản phẩm {subgroup.number} "
             f"«{subgroup.vi}»")
    criteria: list[Criterion] = []
    counts: dict[int, int] = {}
    for draft in drafts:
        counts[draft.section] = counts.get(draft.section, 0) + 1
        criteria.append(_build(key, draft, counts[draft.section], where))
    # The parts' maxima are the decision's (Điều 1: A 40, B 25, C 35), not the sheet's sums:
    # self_check compares the two.
    part_max = {Part.A: 40.0, Part.B: 25.0, Part.C: 35.0}
    return CriteriaSet.checked(
        key=key, decision=DECISION_148, decision_date=datetime.date(2023, 2, 24),
        effective_from=datetime.date(2023, 2, 24), effective_to=None, subgroup=subgroup,
        part_max=part_max, sections=tuple(sections), criteria=tuple(criteria),
        source=source, notes=notes)
