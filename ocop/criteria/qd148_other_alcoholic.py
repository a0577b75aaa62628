"""Decision 148/QĐ-TTg (24/02/2023), Phụ lục III: product set 15 "Đồ uống có cồn khác" —
fruit wines such as lychee wine (white spirits are set 14).

Source. Transcribed from the public transcription of the 148 sheet for this set (GitHub
``augustine-tran/ocop``, ``db/ocop/OCOP - 15. Bộ sản phẩm_ Đồ uống có cồn khác.csv``),
checked against its own printed maxima (sections 18/10/12, 13/12, 16/5/4/5/5; parts
40/25/35). Sections 7, 9 and 10 print their boxes without a lettered criterion; they are
criterion "a)" here.
"""

from __future__ import annotations

from ocop.criteria._common148 import MARKETING, STORY
from ocop.criteria._drinks148 import ALCOHOL_SMELL_TASTE, UNIQUE, assurance_and_export, part_a
from ocop.criteria._sheet import sheet_set
from ocop.groups import Subgroup
from ocop.model import CriteriaSet

__all__ = ["CRITERIA"]

_SENSORY = """
S 6 C 16 | Chỉ tiêu cảm quan
C a 3 | Tạp chất lạ
O 0 | Có tạp chất
O 1 | Có rất ít tạp chất/có cặn, chấp nhận được
O 3 | Sạch, không phát hiện tạp chất/cặn
C b 3 | Màu sắc
O 0 | Màu sắc không phù hợp với đặc tính sản phẩm
O 1 *4 | Màu sắc phù hợp với đặc tính sản phẩm
O 3 | Màu sắc đẹp, rất phù hợp với đặc tính sản phẩm
""" + ALCOHOL_SMELL_TASTE

CRITERIA: CriteriaSet = sheet_set(
    key="qd148-2023/other-alcoholic",
    subgroup=Subgroup.OTHER_ALCOHOLIC,
    text=(part_a("sang trọng") + MARKETING + STORY + _SENSORY + UNIQUE
          + assurance_and_export(2, 2)),
    source=(
        "Quyết định 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, bộ sản phẩm 15 "
        "'Đồ uống có cồn khác' (as transcribed in public OCOP software; see module "
        "docstring)"
    ),
    notes=(
        "Options marked ***, ****, ***** in the sheet are minimums for 3, 4, 5 stars. "
        "1489/QĐ-TTg (06/07/2025) wording changes are not reflected."
    ),
)
