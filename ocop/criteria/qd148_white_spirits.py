"""Decision 148/QĐ-TTg (24/02/2023), Phụ lục III: product set 14 "Rượu trắng" — distilled
spirits, e.g. lychee spirit (fruit wines are set 15).

Source. Transcribed from the public transcription of the 148 sheet for this set (GitHub
``augustine-tran/ocop``, ``db/ocop/OCOP - 14. Bộ sản phẩm_ Rượu trắng.csv``), checked
against its own printed maxima (sections 18/10/12, 13/12, 16/5/4/5/5; parts 40/25/35). It
prints as set 15 except criterion 6 b) (clear, colourless spirit, no star marker).
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
O 0 | Không trong suốt, chấp nhận được
O 1 | Tương đối trong suốt
O 3 | Trong suốt, không màu
""" + ALCOHOL_SMELL_TASTE

CRITERIA: CriteriaSet = sheet_set(
    key="qd148-2023/white-spirits",
    subgroup=Subgroup.WHITE_SPIRITS,
    text=(part_a("sang trọng") + MARKETING + STORY + _SENSORY + UNIQUE
          + assurance_and_export(2, 2)),
    source=(
        "Quyết định 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, bộ sản phẩm 14 'Rượu trắng' "
        "(as transcribed in public OCOP software; see module docstring)"
    ),
    notes=(
        "Options marked ***, ****, ***** in the sheet are minimums for 3, 4, 5 stars. "
        "1489/QĐ-TTg (06/07/2025) wording changes are not reflected."
    ),
)
