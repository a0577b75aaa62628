"""Decision 148/QĐ-TTg (24/02/2023), Phụ lục III: product set 8 "Chế biến từ thịt, thủy
sản, trứng, sữa, các sản phẩm từ mật ong" — honey products (honey with lychee, honey
vinegar...) and processed meat, fish, eggs and milk.

Source. Transcribed from the public transcription of the 148 sheet for this set (GitHub
``augustine-tran/ocop``, ``db/ocop/OCOP - 8. Chế biến từ thịt, thủy sản, trứng, sữa, các
sản phẩm từ mật ong.csv``), checked against its own printed maxima (sections 18/10/12,
13/12, 16/5/4/5/2/3; parts 40/25/35). Part A and sections 7–11 print as in set 7 (typing
slips there: "môi hường" → "môi trường", "đóng quy định" → "đúng quy định"); section 6
is this set's own.
"""

from __future__ import annotations

from ocop.criteria._common148 import MARKETING, STORY
from ocop.criteria._sheet import sheet_set
from ocop.criteria.qd148_processed_produce import PROCESSED_PART_A, PROCESSED_TAIL
from ocop.groups import Subgroup
from ocop.model import CriteriaSet

__all__ = ["CRITERIA"]

_FIT = "phù hợp với đặc tính sản phẩm"
_SENSORY = f"""
S 6 C 16 | Chỉ tiêu cảm quan
C a 2 | Tạp chất
O 0 | Có tạp chất
O 1 | Có rất ít tạp chất, chấp nhận được
O 2 *4 | Sạch, không phát hiện tạp chất
C b 3 | Hình dạng, thể chất
O 0 | Không đồng đều
O 1 | Không đồng đều, chấp nhận được
O 2 | Tương đối đồng đều
O 3 | Đồng đều
C c 3 | Màu sắc
O 0 | Chấp nhận được
O 1 | Tương đối {_FIT}
O 2 *4 | Phù hợp với đặc tính sản phẩm
O 3 *5 | Rất {_FIT}
C d 3 | Mùi
O 0 | Có mùi lạ (như khét,...)
O 1 | Có mùi chấp nhận được
O 2 *4 | Mùi phù hợp đặc trưng của sản phẩm
O 3 *5 | Mùi phù hợp đặc trưng của sản phẩm, hấp dẫn
C đ 5 | Vị
O 0 | Vị khác thường
O 1 | Chấp nhận được
O 3 *4 | Phù hợp với đặc trưng của sản phẩm
O 5 *5 | Phù hợp với đặc trưng của sản phẩm, hấp dẫn
"""

CRITERIA: CriteriaSet = sheet_set(
    key="qd148-2023/processed-meat-fish-eggs-milk-honey",
    subgroup=Subgroup.PROCESSED_MEAT_FISH_EGGS_MILK_HONEY,
    text=PROCESSED_PART_A + MARKETING + STORY + _SENSORY + PROCESSED_TAIL,
    source=(
        "Quyết định 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, bộ sản phẩm 8 "
        "'Chế biến từ thịt, thủy sản, trứng, sữa, các sản phẩm từ mật ong' (as transcribed "
        "in public OCOP software; see module docstring)"
    ),
    notes=(
        "Options marked ***, ****, ***** in the sheet are minimums for 3, 4, 5 stars. "
        "1489/QĐ-TTg (06/07/2025) wording changes are not reflected."
    ),
)
