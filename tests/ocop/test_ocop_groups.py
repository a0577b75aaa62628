"""Product groups, subgroups and subject types."""

from __future__ import annotations

import ast
import pathlib

import ocop
from ocop.groups import ProductGroup, Subgroup, SubjectType


def test_six_groups() -> None:
    assert len(ProductGroup) == 6
    assert ProductGroup.FOOD.vi == "Thực phẩm"
    assert ProductGroup.FOOD.number == 1
    assert ProductGroup.TOURISM.number == 6
    assert ProductGroup.ORNAMENTAL.vi == "Sinh vật cảnh"
    assert ProductGroup("food") is ProductGroup.FOOD


def test_fresh_produce_is_food() -> None:
    fresh = Subgroup.FRESH_PRODUCE
    assert fresh.vi == "Rau, củ, quả, hạt tươi"
    assert fresh.group is ProductGroup.FOOD
    assert fresh.category == "Thực phẩm tươi sống"
    assert fresh.number == 1
    assert len(Subgroup) == 26
    assert Subgroup.COMMUNITY_TOURISM.number == 26
    assert {s.group for s in Subgroup} == set(ProductGroup)


def test_subject_types() -> None:
    assert [s.value for s in SubjectType] == ["HTX", "DN", "THT", "HO_SXKD"]
    assert SubjectType.HTX.vi == "Hợp tác xã"
    assert SubjectType.THT.en == "Co-operative group"
    assert SubjectType.HO_SXKD.abbreviation == "hộ SXKD"


def test_leaf_library_imports_nothing_else_from_the_repo() -> None:
    root = pathlib.Path(ocop.__file__).parent
    allowed_third_party: set[str] = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top == "ocop" or top in allowed_third_party or _stdlib(top), (
                    f"{path.name} imports {name}"
                )


def _stdlib(name: str) -> bool:
    import sys

    return name in sys.stdlib_module_names or name == "__future__"


def test_public_names_are_listed() -> None:
    import ocop.certificates
    import ocop.criteria
    import ocop.errors
    import ocop.groups
    import ocop.model
    import ocop.scoring

    for module in (ocop, ocop.certificates, ocop.criteria, ocop.errors, ocop.groups,
                   ocop.model, ocop.scoring):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
    for name in ("stars", "certificate_expiry", "score_assessment", "is_valid",
                 "reminder_dates", "evaluation_level", "is_certifiable"):
        assert name in ocop.scoring.__all__
