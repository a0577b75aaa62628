"""The tables of GS1 Digital Link compression (:mod:`qr.dl_compress`): every AI's value format,
the primary keys and their qualifiers, and the optimisation codes — as GS1's Digital Link toolkit
(GS1DigitalLinkToolkit.js: ``tableF``, ``tableP``, ``tableOpt``, the AI table's identifiers and
qualifiers) uses them, so that what it writes is read here bit for bit and back.

Two entries differ from that toolkit's ``tableF``, following the GS1 General Specifications'
AI table and the compressed examples published with the toolkit's test suite (the fixtures in
``tests/fixtures/gs1/``): (235) is ``X..28`` (the toolkit file lists ``N3+X..28``, which no
published example uses), and (7040) is ``N1+X3`` (the toolkit file has a typo, ``"N":"3"``, for
the fixed length of the second part). AIs newer than that table (e.g. 4330, 7011, 8030) are not
in it: a compressed value naming one is refused.
"""

from __future__ import annotations

__all__ = ["AI_LENGTH", "CHECKED", "FORMATS", "OPTIMISATIONS", "PRIMARY", "QUALIFIERS"]

Component = tuple[str, int, int]  # ("N" | "X", fixed length or 0, max length or 0)


def _fmt(spec: str) -> tuple[Component, ...]:
    """``"N13+X..17"`` → ``(("N", 13, 0), ("X", 0, 17))``."""
    out = []
    for part in spec.split("+"):
        kind, size = part[0], part[1:]
        out.append((kind, 0, int(size[2:])) if size.startswith("..") else (kind, int(size), 0))
    return tuple(out)


_SPECS: dict[str, str] = {
    "00": "N18", "01": "N14", "02": "N14", "10": "X..20", "11": "N6", "12": "N6", "13": "N6",
    "15": "N6", "16": "N6", "17": "N6", "20": "N2", "21": "X..20", "22": "X..20",
    "235": "X..28", "240": "X..30", "241": "X..30", "242": "N..6", "243": "X..20",
    "250": "X..30", "251": "X..30", "253": "N13+X..17", "254": "X..20", "255": "N13+N..12",
    "30": "N..8", "37": "N..8", "400": "X..30", "401": "X..30", "402": "N17", "403": "X..30",
    "420": "X..20", "421": "N3+X..9", "422": "N3", "423": "N3+N..12", "424": "N3",
    "425": "N3+N..12", "426": "N3", "427": "X..3", "4300": "X..35", "4301": "X..35",
    "4307": "X2", "4308": "X..30", "4310": "X..35", "4311": "X..35", "4317": "X2",
    "4318": "X..20", "4319": "X..30", "4320": "X..35", "4324": "N10", "4325": "N10",
    "4326": "N6", "7001": "N13", "7002": "X..30", "7003": "N10", "7004": "N..4",
    "7005": "X..12", "7006": "N6", "7007": "N6+N..6", "7008": "X..3", "7009": "X..10",
    "7010": "X..2", "7020": "X..20", "7021": "X..20", "7022": "X..20", "7023": "X..30",
    "7040": "N1+X3", "7240": "X..20", "8001": "N14", "8002": "X..20", "8003": "N14+X..16",
    "8004": "X..30", "8005": "N6", "8006": "N18", "8007": "X..24", "8008": "N8+N..4",
    "8009": "X..50", "8010": "X..30", "8011": "N..12", "8012": "X..20", "8013": "X..30",
    "8017": "N18", "8018": "N18", "8019": "N..10", "8020": "X..25", "8026": "N18",
    "8110": "X..70", "8111": "N4", "8112": "X..70", "8200": "X..70", "90": "X..30",
    **{f"41{d}": "N13" for d in "01234567"},
    **{f"430{d}": "X..70" for d in "23456"}, **{f"431{d}": "X..70" for d in "23456"},
    **{f"432{d}": "N1" for d in "123"},
    # trade measures: 310-316, 320-337, 340-357, 360-369, decimal point position 0-5
    **{f"{p}{d}": "N6" for p in (*range(310, 317), *range(320, 338), *range(340, 358),
                                  *range(360, 370)) for d in range(6)},
    **{f"39{g}{d}": ("N..15" if g in (0, 2) else "N3+N..15") for g in range(4) for d in range(10)},
    **{f"394{d}": "N4" for d in range(4)}, **{f"395{d}": "N6" for d in range(10)},
    **{f"703{d}": "N3+X..27" for d in range(10)}, **{f"71{d}": "X..20" for d in range(5)},
    **{f"723{d}": "X..30" for d in range(10)}, **{f"9{d}": "X..90" for d in range(1, 10)},
}
#: AI → its components, in order.
FORMATS: dict[str, tuple[Component, ...]] = {ai: _fmt(spec) for ai, spec in _SPECS.items()}
#: The length of every AI by its first two digits (the toolkit's ``tableP``).
AI_LENGTH: dict[str, int] = {ai[:2]: len(ai) for ai in FORMATS}
#: GS1 primary keys (the toolkit's identifiers, type "I").
PRIMARY = frozenset(("00", "01", "253", "255", "401", "402", "410", "411", "412", "413", "414",
                     "415", "416", "417", "8003", "8004", "8006", "8010", "8013", "8017", "8018"))
#: Key qualifiers in path order (GS1 Digital Link URI syntax 1.4+, §4: gtin → cpv, lot, ser or
#: tpx; itip → cpv, lot, ser; gln → glnx or 7040; party → 7040; giai → 7040; cpid → cpsn;
#: gsrn/gsrnp → srin).
QUALIFIERS: dict[str, tuple[str, ...]] = {
    "01": ("22", "10", "21"), "01+235": ("235",), "8006": ("22", "10", "21"),
    "414": ("254", "7040"), "417": ("7040",), "8004": ("7040",), "8010": ("8011",),
    "8017": ("8019",), "8018": ("8019",)}
#: Optimisation codes: two hex digits standing for a sequence of AIs, each sequence in sorted
#: order (the toolkit sorts its ``tableOpt`` arrays in place when it builds the reverse table).
OPTIMISATIONS: dict[str, tuple[str, ...]] = {
    code: tuple(sorted(seq)) for code, seq in {
        "0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21"), "0D": ("01", "17"),
        "0E": ("01", "7003"), "0F": ("01", "30"), "1A": ("01", "10", "21", "17"),
        "1B": ("01", "15"), "1C": ("01", "11"), "1D": ("01", "16"), "1E": ("01", "91"),
        "1F": ("01", "10", "15"),
        **{f"2{h}": ("01", f"310{i}") for i, h in enumerate("ABCDEF")},
        **{f"3{h}": ("01", f"320{i}") for i, h in enumerate("ABCDEF")},
        "9A": ("8010", "8011"), "9B": ("8017", "8019"), "9C": ("8018", "8019"),
        "9D": ("414", "254"),
        **{f"A{i}": ("01", f"392{i}") for i in range(10)},
        **{f"C{i}": ("255", f"390{i}") for i in range(10)},
        **{f"C{h}": ("255", f"394{i}") for i, h in enumerate("ABCD")},
    }.items()}
#: AIs whose whole value ends in a GS1 check digit.
CHECKED = frozenset(("00", "01", "02", "402", "410", "411", "412", "413", "414", "415", "416",
                     "417", "8017", "8018"))
