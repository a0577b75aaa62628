"""Decision 148/QĐ-TTg (24/02/2023), Phụ lục III: product set 17 "Đồ uống không cồn khác"
— fruit and vegetable juices such as carrot juice (bottled water is set 16).

Source. Transcribed from the public transcription of the 148 sheet for this set (GitHub
``augustine-tran/ocop``, ``db/ocop/OCOP - 17. Bộ sản phẩm_ Đồ uống không cồn
khác.csv``), checked against its own printed maxima (sections 18/10/12, 13/12,
14/5/6/5/5; parts 40/25/35). Typing slips corrected: criterion 1 d) second box printed
"l" for 1 point, "chủ thế" → "chủ thể", "phản phối" → "phân phối".
"""

from __future__ import annotations

from ocop.criteria._common148 import MARKETING, STORY
from ocop.criteria._drinks148 import UNIQUE, assurance_and_export, part_a
from ocop.criteria._sheet import sheet_set
from ocop.groups import Subgroup
from ocop.model import CriteriaSet

__all__ = ["CRITERIA"]

_SENSORY = """
S 6 C 14 | Chỉ tiêu cảm quan
C a 3 | Tạp chất lạ
O 0 | Có tạp chất
O 1 | Có rất ít tạp chất, chấp nhận được
O 3 | Sạch, không phát hiện tạp chất/cặn
C b 3 | Màu sắc
O 0 | Màu sắc không phù hợp với đặc tính sản phẩm
O 3 *4 | Màu sắc phù hợp với đặc tính sản phẩm
C c 5 | Mùi
O 0 | Khác thường hoặc không rõ mùi
O 1 | Mùi nhẹ, phù hợp (với đặc trưng nguyên liệu sử dụng, loại sản phẩm)
O 2 | Mùi mạnh, phù hợp
O 3 *4 | Mùi mạnh, phù hợp, hấp dẫn
O 5 | Mùi mạnh, phù hợp, rất hấp dẫn
C d 3 | Vị
O 0 | Có vị lạ
O 1 | Tương đối phù hợp với sản phẩm
O 2 | Phù hợp với sản phẩm
O 3 | Phù hợp với sản phẩm, “ấn tượng”, hấp dẫn
"""

CRITERIA: CriteriaSet = sheet_set(
    key="qd148-2023/other-soft-drinks",
    subgroup=Subgroup.OTHER_SOFT_DRINKS,
    text=(part_a("thân thiện với môi trường") + MARKETING + STORY + _SENSORY + UNIQUE
          + assurance_and_export(3, 3)),
    source=(
        "Quyết định 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, bộ sản phẩm 17 "
        "'Đồ uống không cồn khác' (as transcribed in public OCOP software; see module "
        "docstring)"
    ),
    notes=(
        "Options marked ***, ****, ***** in the sheet are minimums for 3, 4, 5 stars. "
        "1489/QĐ-TTg (06/07/2025) wording changes are not reflected."
    ),
)
