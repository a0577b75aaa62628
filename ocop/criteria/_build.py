"""Helpers that keep the criteria data modules short and readable (private)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ocop.model import Criterion, Option, Part

__all__ = ["OptionSpec", "criterion"]

# (points, title) or (points, title, stars): ``stars`` is the decision's marker on that
# option (3 for ``***``, 4 for ``****``, 5 for ``*****``): at least this option is needed
# for that many stars.
OptionSpec = tuple[float, str] | tuple[float, str, int]


def criterion(
    part: Part,
    code: str,
    label: str,
    title: str,
    options: Sequence[OptionSpec],
    *,
    note: str = "",
    requires: Mapping[int, float] | None = None,
) -> Criterion:
    """Build a criterion; option codes are ``<code>.<n>`` in sheet order (n from 1)."""
    built: list[Option] = []
    minimum: dict[int, float] = dict(requires or {})
    for number, spec in enumerate(options, start=1):
        points, text = spec[0], spec[1]
        built.append(Option(code=f"{code}.{number}", title=text, points=float(points)))
        if len(spec) == 3:
            minimum[spec[2]] = float(points)
    return Criterion(
        code=code,
        label=label,
        title=title,
        part=part,
        section=int(code.split(".", 1)[0]),
        options=tuple(built),
        min_points_for_stars=minimum,
        note=note,
    )
