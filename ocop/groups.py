"""OCOP product classification and subject types.

Decision 148/QĐ-TTg (24/02/2023), Phụ lục I, sorts products into six groups (nhóm sản
phẩm / ngành) and, below them, 26 product sets (bộ sản phẩm); each set has its own
scoring sheet. Fresh Thanh Hà lychee and Cẩm Giàng carrots are
food → "Thực phẩm tươi sống" → "Rau, củ, quả, hạt tươi".

The set names follow the 148-era scoring sheets as transcribed in public OCOP software
(see ``ocop/criteria/qd148_fresh_produce.py`` for the source note). The food categories
(nhóm) are the same in the 2019 and 2023 classifications; for the other groups the
category level is not recorded here (``category`` is ``None``).
"""

from __future__ import annotations

import enum

__all__ = ["ProductGroup", "SubjectType", "Subgroup"]


class ProductGroup(enum.StrEnum):
    """The six OCOP product groups of Decision 148/QĐ-TTg (value: stable ASCII code)."""

    FOOD = "food"
    BEVERAGES = "beverages"
    HERBAL = "herbal"
    HANDICRAFTS = "handicrafts"
    ORNAMENTAL = "ornamental"
    TOURISM = "tourism"

    @property
    def number(self) -> int:
        """Position in Phụ lục I (1–6)."""
        return list(ProductGroup).index(self) + 1

    @property
    def vi(self) -> str:
        """Vietnamese name."""
        return _GROUP_VI[self]

    @property
    def en(self) -> str:
        """English name."""
        return _GROUP_EN[self]


_GROUP_VI: dict[ProductGroup, str] = {
    ProductGroup.FOOD: "Thực phẩm",
    ProductGroup.BEVERAGES: "Đồ uống",
    ProductGroup.HERBAL: "Dược liệu và sản phẩm từ dược liệu",
    ProductGroup.HANDICRAFTS: "Hàng thủ công mỹ nghệ",
    ProductGroup.ORNAMENTAL: "Sinh vật cảnh",
    ProductGroup.TOURISM: "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
}

_GROUP_EN: dict[ProductGroup, str] = {
    ProductGroup.FOOD: "Food",
    ProductGroup.BEVERAGES: "Beverages",
    ProductGroup.HERBAL: "Herbal materials and products",
    ProductGroup.HANDICRAFTS: "Handicrafts",
    ProductGroup.ORNAMENTAL: "Ornamental plants and animals",
    ProductGroup.TOURISM: "Community tourism, eco-tourism and tourist sites",
}

_FRESH = "Thực phẩm tươi sống"
_RAW = "Thực phẩm thô, sơ chế"
_PROCESSED = "Thực phẩm chế biến"
_SPICES = "Gia vị"
_TEA = "Chè"
_COFFEE = "Cà phê, ca cao"


class Subgroup(enum.StrEnum):
    """The 26 product sets (bộ sản phẩm) of Decision 148/QĐ-TTg, each with its own sheet.

    ``Subgroup.FRESH_PRODUCE`` ("Rau, củ, quả, hạt tươi") is the one the platform's
    lychee and carrot co-operatives use.
    """

    FRESH_PRODUCE = "fresh-produce"
    FRESH_MEAT_FISH_EGGS_MILK = "fresh-meat-fish-eggs-milk"
    RICE_GRAINS = "rice-grains"
    HONEY_OTHER_RAW = "honey-other-raw"
    FAST_FOOD = "fast-food"
    PROCESSED_RICE_GRAINS = "processed-rice-grains"
    PROCESSED_PRODUCE = "processed-produce"
    PROCESSED_MEAT_FISH_EGGS_MILK_HONEY = "processed-meat-fish-eggs-milk-honey"
    LIQUID_CONDIMENTS = "liquid-condiments"
    OTHER_SPICES = "other-spices"
    TEA = "tea"
    HERBAL_TEA = "herbal-tea"
    COFFEE_COCOA = "coffee-cocoa"
    WHITE_SPIRITS = "white-spirits"
    OTHER_ALCOHOLIC = "other-alcoholic"
    BOTTLED_WATER = "bottled-water"
    OTHER_SOFT_DRINKS = "other-soft-drinks"
    SUPPLEMENTS_HERBAL_MEDICINE = "supplements-herbal-medicine"
    HERBAL_COSMETICS = "herbal-cosmetics"
    ESSENTIAL_OILS_OTHER_HERBAL = "essential-oils-other-herbal"
    HANDICRAFT_HOUSEHOLD_DECOR = "handicraft-household-decor"
    TEXTILES_GARMENTS = "textiles-garments"
    FLOWERS = "flowers"
    ORNAMENTAL_PLANTS = "ornamental-plants"
    ORNAMENTAL_ANIMALS = "ornamental-animals"
    COMMUNITY_TOURISM = "community-tourism"

    @property
    def number(self) -> int:
        """Number of the product set in the 148 scoring sheets (1–26)."""
        return list(Subgroup).index(self) + 1

    @property
    def vi(self) -> str:
        """Vietnamese name of the product set."""
        return _SUBGROUP_INFO[self][0]

    @property
    def group(self) -> ProductGroup:
        """The programme group the set belongs to."""
        return _SUBGROUP_INFO[self][1]

    @property
    def category(self) -> str | None:
        """Vietnamese name of the category (nhóm) between group and set, if recorded."""
        return _SUBGROUP_INFO[self][2]


_F, _B, _H = ProductGroup.FOOD, ProductGroup.BEVERAGES, ProductGroup.HERBAL
_SUBGROUP_INFO: dict[Subgroup, tuple[str, ProductGroup, str | None]] = {
    Subgroup.FRESH_PRODUCE: ("Rau, củ, quả, hạt tươi", _F, _FRESH),
    Subgroup.FRESH_MEAT_FISH_EGGS_MILK: ("Thịt, thủy sản, trứng, sữa tươi", _F, _FRESH),
    Subgroup.RICE_GRAINS: ("Gạo, ngũ cốc, hạt sơ chế khác", _F, _RAW),
    Subgroup.HONEY_OTHER_RAW: ("Mật ong, mật khác và nông sản thực phẩm khác", _F, _RAW),
    Subgroup.FAST_FOOD: ("Đồ ăn nhanh", _F, _PROCESSED),
    Subgroup.PROCESSED_RICE_GRAINS: ("Chế biến từ gạo, ngũ cốc", _F, _PROCESSED),
    Subgroup.PROCESSED_PRODUCE: ("Chế biến từ rau, củ, quả, hạt", _F, _PROCESSED),
    Subgroup.PROCESSED_MEAT_FISH_EGGS_MILK_HONEY: (
        "Chế biến từ thịt, thủy sản, trứng, sữa, các sản phẩm từ mật ong",
        _F,
        _PROCESSED,
    ),
    Subgroup.LIQUID_CONDIMENTS: ("Tương, nước mắm, gia vị dạng lỏng khác", _F, _SPICES),
    Subgroup.OTHER_SPICES: ("Gia vị khác (muối, hành, tỏi, tiêu,...)", _F, _SPICES),
    Subgroup.TEA: ("Chè tươi, chè chế biến", _F, _TEA),
    Subgroup.HERBAL_TEA: ("Sản phẩm trà từ thực vật khác", _F, _TEA),
    Subgroup.COFFEE_COCOA: ("Sản phẩm cà phê, ca cao", _F, _COFFEE),
    Subgroup.WHITE_SPIRITS: ("Rượu trắng", _B, None),
    Subgroup.OTHER_ALCOHOLIC: ("Đồ uống có cồn khác", _B, None),
    Subgroup.BOTTLED_WATER: (
        "Nước khoáng thiên nhiên, nước uống tinh khiết đóng chai",
        _B,
        None,
    ),
    Subgroup.OTHER_SOFT_DRINKS: ("Đồ uống không cồn khác", _B, None),
    Subgroup.SUPPLEMENTS_HERBAL_MEDICINE: (
        "Thực phẩm chức năng, thuốc dược liệu, thuốc y học cổ truyền",
        _H,
        None,
    ),
    Subgroup.HERBAL_COSMETICS: ("Mỹ phẩm có thành phần từ thảo dược", _H, None),
    Subgroup.ESSENTIAL_OILS_OTHER_HERBAL: ("Tinh dầu và thảo dược khác", _H, None),
    Subgroup.HANDICRAFT_HOUSEHOLD_DECOR: (
        "Thủ công mỹ nghệ gia dụng, trang trí",
        ProductGroup.HANDICRAFTS,
        None,
    ),
    Subgroup.TEXTILES_GARMENTS: ("Vải, may mặc", ProductGroup.HANDICRAFTS, None),
    Subgroup.FLOWERS: ("Hoa", ProductGroup.ORNAMENTAL, None),
    Subgroup.ORNAMENTAL_PLANTS: ("Cây cảnh", ProductGroup.ORNAMENTAL, None),
    Subgroup.ORNAMENTAL_ANIMALS: ("Động vật cảnh", ProductGroup.ORNAMENTAL, None),
    Subgroup.COMMUNITY_TOURISM: (
        "Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch",
        ProductGroup.TOURISM,
        None,
    ),
}


class SubjectType(enum.StrEnum):
    """OCOP subjects (chủ thể OCOP): the kinds of organisation that register products."""

    HTX = "HTX"
    DN = "DN"
    THT = "THT"
    HO_SXKD = "HO_SXKD"

    @property
    def vi(self) -> str:
        """Vietnamese name."""
        return _SUBJECT_VI[self]

    @property
    def en(self) -> str:
        """English name."""
        return _SUBJECT_EN[self]

    @property
    def abbreviation(self) -> str:
        """The usual Vietnamese abbreviation (HTX, DN, THT, hộ SXKD)."""
        return "hộ SXKD" if self is SubjectType.HO_SXKD else self.value


_SUBJECT_VI: dict[SubjectType, str] = {
    SubjectType.HTX: "Hợp tác xã",
    SubjectType.DN: "Doanh nghiệp",
    SubjectType.THT: "Tổ hợp tác",
    SubjectType.HO_SXKD: "Hộ sản xuất, kinh doanh",
}

_SUBJECT_EN: dict[SubjectType, str] = {
    SubjectType.HTX: "Co-operative",
    SubjectType.DN: "Enterprise",
    SubjectType.THT: "Co-operative group",
    SubjectType.HO_SXKD: "Household business",
}
