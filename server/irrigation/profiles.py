"""Crop profiles: each crop's calendar of growth stages and the irrigation numbers of each
stage (thresholds, Kc, root depth). :mod:`server.irrigation.calendar` says which stage is in
force on a day; :mod:`server.irrigation.zone_state` copies the stage's numbers into the
zone's settings when a stage begins (a farmer may edit them, until the next stage).

Moisture values are on the probe's two-point calibrated % scale (docs/protocol.md ``m``),
the scale the controller reads. Soil tension (kPa) is what the agronomy literature gives;
the % equivalents are starting points for the demo soils (the simulator's
``simulators/soil.py`` loams) and must be calibrated per zone — that is why both are kept.
The % values are ours (an assumption to calibrate); every other number is cited below
at its line.

Sources
-------
[FAO56] Allen, Pereira, Raes, Smith 1998, *Crop evapotranspiration*, FAO Irrigation and
        Drainage Paper 56. Table 11 (lengths of crop development stages), Table 12 (single
        crop coefficients Kc ini / mid / end), Table 22 (maximum effective root depth Zr and
        depletion fraction p), Chapter 6 Eq. 66 (Kc varies linearly through the development
        and late stages: a stage's mean is used here), Chapter 8 "Root development"
        (Zr at the start of the season ≈ 0.15–0.20 m).
[DESIGN] ../shared/DESIGN.md, "Irrigation and sensors" and "Produce": carrot — start near
        30 kPa, never past about 55 kPa; Cẩm Giàng carrots sown September–October,
        harvested mid-January to April; Thanh Hà lychee early varieties from about
        15–20 May, main crop from about 5 June, over by early July (vnanet.vn).
[CM14]  Carr, M.K.V. & Menzel, C.M. 2014, "The water relations and irrigation requirements
        of lychee (Litchi chinensis Sonn.): a review", Experimental Agriculture 50(4):
        481–497 — inflorescences on current shoots under cool (<15 °C), dry conditions;
        drought before flowering can enhance flowering where winters are dry; a deficit
        after flowering cuts fruit set and raises splitting; roots extract water below 2 m;
        "very little research on crop water requirements has been reported".
[B94]   Batten, McConchie & Lloyd 1994, "Effects of soil water deficit on gas exchange
        characteristics and water relations of orchard lychee", Tree Physiology 14(10):
        1177–1189 (PubMed 14967627) — a soil water deficit from one month before
        flowering to harvest made fruit 16 % lighter (less flesh): the deficit must end
        at flowering.
[VN-LN] Quy trình chăm sóc vải thiều chính vụ (Lục Ngạn extension calendar, harvest
        15/6 → next 15/6; dates ±5–10 days with the weather;
        vaithieukho.blogspot.com/2015/11/kinh-nghiem-cham-soc-vai-thieu-luc-ngan.html):
        prune 15–30/6, feed the summer and autumn flushes from July.
[VN-KH] "Kỹ thuật hãm lộc đông, khoanh vải ủ mầm hoa" (nanobacsuper.com): 2–3 flushes
        (lộc) between harvest and flowering; girdle and hold the last flush mid-October
        (lunar) ≈ mid-November; flower-bud induction then takes at least 40–50 days,
        kept dry ("xiết nước") so no winter flush (lộc đông) starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["Stage", "Variety", "Crop", "CROPS", "PROFILES", "PROFILE_NAMES_VI", "COPIED",
           "stage_values"]


@dataclass(frozen=True)
class Stage:
    key: str
    name_vi: str
    #: Day of the season the stage begins (0 = the season's anchor date, see :class:`Crop`).
    start_day: int
    on_pct: float
    off_pct: float
    dry_alert_pct: float
    wet_alert_pct: float
    #: Crop coefficient in force (FAO-56 ETc = Kc × ET₀, Eq. 56).
    kc: float
    #: Effective root depth (m).
    root_m: float
    start_kpa: float | None = None
    max_kpa: float | None = None
    #: False = no irrigation in this stage (fallow).
    water: bool = True
    #: A deliberate deficit stage (shown on the pages; rain skip and alerts as usual).
    deficit: bool = False


@dataclass(frozen=True)
class Variety:
    key: str
    name_vi: str
    #: The anchor's usual month and day (sowing for carrot, harvest start for lychee).
    anchor: tuple[int, int]


@dataclass(frozen=True)
class Crop:
    key: str
    name_vi: str
    #: ``sowing``: an annual, stages from the sowing date, ``season_days`` long then fallow;
    #: ``harvest``: a perennial, a yearly cycle of stages counted from the harvest start.
    anchor_kind: str
    season_days: int
    varieties: tuple[Variety, ...]
    stages: tuple[Stage, ...]
    #: Stage of the days outside the season (annuals).
    off_season: Stage | None = None


#: The stage values copied into a zone's settings (same names as the settings' fields).
COPIED = ("on_pct", "off_pct", "dry_alert_pct", "wet_alert_pct", "kc", "start_kpa", "max_kpa")

_CARROT_KPA = (30.0, 55.0)  # start near 30 kPa, never past about 55 kPa [DESIGN]

CARROT = Crop(
    "carrot", "Cà rốt", "sowing",
    # 150 days = 30 + 40 + 60 + 20: FAO-56 Table 11, "Carrots", the 150-day row (Feb/Mar,
    # Mediterranean) — the row whose length matches sowing in Sep–Oct and lifting mid-Jan
    # to Apr [DESIGN]; the 100-day arid row (20/30/50/20... in Table 11) is too short here.
    150,
    (Variety("vu_dong", "Cà rốt vụ đông (gieo tháng 9–10)", (10, 1)),  # sowing Sep–Oct [DESIGN]
     Variety("gieo_som", "Cà rốt gieo sớm (tháng 9)", (9, 10))),
    (
        # initial: Kc ini 0.70 [FAO56 Table 12, Carrots]; Zr 0.2 m [FAO56 Ch. 8, Zr ≈ 0.15–0.20 m
        # at the start]; a moist seedbed for even emergence (% ours).
        Stage("initial", "Gieo, mọc mầm", 0, 48.0, 58.0, 40.0, 82.0, 0.70, 0.2, *_CARROT_KPA),
        # development (day 30–70): Kc from 0.70 to 1.05 linearly [FAO56 Eq. 66] → mean 0.875;
        # Zr to 0.5 m, the lower bound of Table 22 "Carrots 0.5–1.0".
        Stage("development", "Phát triển thân lá", 30, 44.0, 54.0, 37.0, 80.0, 0.875, 0.5,
              *_CARROT_KPA),
        # mid (day 70–130): Kc mid 1.05 [FAO56 Table 12]; Zr 0.75 m, the middle of
        # Table 22's 0.5–1.0 m (p = 0.35 in Table 22: a small allowed depletion).
        Stage("mid", "Phình củ", 70, 42.0, 52.0, 36.0, 78.0, 1.05, 0.75, *_CARROT_KPA),
        # late (day 130–150): Kc 1.05 → Kc end 0.95 [FAO56 Table 12, Eq. 66] → mean 1.0.
        Stage("late", "Chín, thu hoạch", 130, 40.0, 50.0, 34.0, 75.0, 1.0, 0.75, *_CARROT_KPA),
    ),
    # Outside the 150 days: no crop, no irrigation (Kc 0).
    Stage("fallow", "Ngoài vụ", 0, 30.0, 40.0, 0.0, 95.0, 0.0, 0.0, None, None, False),
)

LYCHEE = Crop(
    "lychee", "Vải thiều Thanh Hà", "harvest", 365,
    # Main crop from about 5 June; early varieties from about 15–20 May [DESIGN].
    (Variety("chinh_vu", "Vải thiều chính vụ", (6, 5)),
     Variety("som", "Vải sớm (u hồng, u trứng)", (5, 15))),
    (
        # Harvest, about 30 days: main crop "over by early July" [DESIGN]. Well watered
        # through harvest: a late deficit raises fruit splitting [CM14].
        Stage("harvest", "Thu hoạch", 0, 50.0, 62.0, 42.0, 82.0, 0.85, 1.0),
        # Post-harvest flushes (2–3 lộc) from pruning in late June–early July [VN-LN, VN-KH]:
        # normal watering for shoot growth. Kc 0.85: FAO-56 Table 12 has no lychee; Kc mid of
        # its nearest evergreen subtropical orchard, "Avocado, no ground cover" (0.60 / 0.85
        # / 0.75), stands in [CM14: "very little research on crop water requirements"].
        # Zr 1.0 m: Table 22 "Avocado 0.5–1.0" upper bound (lychee roots reach past 2 m
        # [CM14]; the drip bulb is what the sensor sees).
        Stage("post_harvest", "Ra lộc sau thu hoạch", 30, 45.0, 60.0, 36.0, 82.0, 0.85, 1.0),
        # Flower induction: from the last flush held in mid-November [VN-KH] (day 160 after
        # 5 June = 12 Nov), at least 40–50 days kept dry [VN-KH]; cool, dry conditions and
        # drought favour flowering [CM14]. Deficit: water only to rescue (on 30 %); Kc 0.60,
        # the avocado Kc ini of Table 12 (a stressed, non-growing canopy).
        Stage("flower_induction", "Phân hóa mầm hoa (để khô)", 160, 30.0, 42.0, 24.0, 80.0,
              0.60, 1.0, deficit=True),
        # Flowering: panicles emerge and open Feb–March (day 240 = 31 Jan): the deficit must
        # end here [B94, CM14]; Kc back to 0.85 (Table 12 avocado mid).
        Stage("flowering", "Ra hoa", 240, 50.0, 62.0, 42.0, 82.0, 0.85, 1.0),
        # Fruit set from about late March (day 295 = 27 Mar): a deficit cuts set [CM14].
        Stage("fruit_set", "Đậu quả", 295, 52.0, 64.0, 44.0, 82.0, 0.85, 1.0),
        # Fruit fill from about late April (day 325 = 26 Apr) to harvest: steady moisture
        # against splitting [CM14]; flesh lost under deficit [B94].
        Stage("fruit_fill", "Nuôi quả", 325, 55.0, 66.0, 46.0, 84.0, 0.85, 1.0),
    ),
)

CROPS: dict[str, Crop] = {c.key: c for c in (CARROT, LYCHEE)}
PROFILE_NAMES_VI = {k: c.name_vi for k, c in CROPS.items()}
#: Each crop's stages (the API's ``/irrigation/profiles``), the off-season stage last.
PROFILES: dict[str, tuple[Stage, ...]] = {
    k: c.stages + ((c.off_season,) if c.off_season else ()) for k, c in CROPS.items()}


def stage_values(st: Stage) -> dict[str, Any]:
    """The settings a stage puts in force (threshold mode; off when it does not water)."""
    return {"stage": st.key, "mode": "threshold" if st.water else "off",
            **{k: getattr(st, k) for k in COPIED}}


def anchor_on(crop: Crop, variety: str | None, year: int) -> date:
    """The variety's usual anchor date in ``year`` (the crop's first variety by default)."""
    v = next((x for x in crop.varieties if x.key == variety), crop.varieties[0])
    return date(year, *v.anchor)


def check_variety(crop: str, variety: str | None) -> str | None:
    """None when ``variety`` is empty or one of ``crop``'s varieties (or the crop has no
    calendar); otherwise the reason, naming the varieties there are (a 422)."""
    c = CROPS.get(crop)
    if c is None or not variety or any(v.key == variety for v in c.varieties):
        return None
    known = ", ".join(f"{v.key} ({v.name_vi})" for v in c.varieties)
    return f"Unknown variety {variety!r} for {crop}; one of: {known}."
