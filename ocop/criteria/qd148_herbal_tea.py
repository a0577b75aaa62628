"""Decision 148/QĐ-TTg (24/02/2023), Phụ lục III: product set 12 "Sản phẩm trà từ thực vật
khác" — herbal and flower teas (lychee-flower tea, artichoke, guava-leaf, carrot-leaf...).

Source. Transcribed from the public transcription of the 148 sheet for this set (GitHub
``augustine-tran/ocop``, ``db/ocop/OCOP - 12. Sản phẩm trà từ thực vật khác.csv``), the
only copy found (searches of web pages, documentation and public code for the sheet's own
wording found no other). Parts A (40) and B (25) and sections 7–11 of part C (5/4/5/2/3)
check against their printed maxima. Section 6 "Chỉ tiêu cảm quan" is printed as 13 points
(2/2/3/3/3), so part C adds up to 32 under its printed 35; set 11 "Chè" in the same
transcription has the same 3-point gap. Sets 7 and 8 print the same tail (5/4/5/2/3) under
a 16-point section 6 whose smell and taste items are worth 4 and 5 points; read the same
way here (criteria 6 d) "Mùi nước" best box 4, 6 đ) "Vị nước" best box 5), the sheet adds
up to 35. Both items say so in their ``source_note``.
"""

from __future__ import annotations

from ocop.criteria._common148 import (
    CAPACITY,
    COMMUNITY,
    ENVIRONMENT,
    LABEL,
    LINK_INPUT,
    MARKETING,
    STORY,
    idea,
    packaging,
)
from ocop.criteria._sheet import sheet_set
from ocop.criteria.qd148_processed_produce import PROCESSED_TAIL
from ocop.groups import Subgroup
from ocop.model import CriteriaSet

__all__ = ["CRITERIA"]

_SRC = "Sử dụng nguyên liệu có nguồn gốc trong tỉnh"
_LOCAL = "/sản phẩm mới được chế biến từ nguyên liệu đặc trưng của địa phương"
_PART_A = f"""
S 1 A 18 | Tổ chức sản xuất
C a 5 | Nguồn nguyên liệu
O 1 | {_SRC} dưới 50%
O 3 *3 | {_SRC} từ 50% đến dưới 75%
O 5 | {_SRC} từ 75% đến 100%
C b 3 | Gia tăng giá trị
O 0 | Phân loại, sơ chế
O 1 | Chế biến đơn giản
O 2 | Chế biến
O 3 | Chế biến sâu từ vùng nguyên liệu địa phương (tạo ra sản phẩm chất lượng cao theo nhu cầu của
+ | thị trường)
""" + CAPACITY + LINK_INPUT + ENVIRONMENT + """
S 2 A 10 | Phát triển sản phẩm
""" + idea("sản xuất", _LOCAL, f"{_LOCAL}, được thương mại ổn định ít nhất 36 tháng",
           "điều kiện về nguyên liệu, kỹ thuật truyền thống") + packaging() + LABEL + COMMUNITY

_READ = ("Chưa đối chiếu được với bản in: bản chép công khai in mục 6 tổng 13 điểm nên phần C chỉ "
         "cộng được 32/35; ở đây đọc mục 6 là 16 điểm như các bộ 7 và 8 (Mùi 4, Vị 5)")
_CLEAR = "Trong sáng, rất phù hợp"
_SCENT = "Thơm tự nhiên, mạnh"
_TASTE = "Vị đậm, dịu, phù hợp"
_PART_C = f"""
S 6 C 16 | Chỉ tiêu cảm quan
C a 2 | Tạp chất
O 0 | Có tạp chất
O 1 | Có rất ít tạp chất, chấp nhận được
O 2 *4 | Sạch, không phát hiện tạp chất
C b 2 | Hình dạng
N | Của ngoại hình trà, trà thảo mộc,...
O 0 | Không đồng đều, chấp nhận được
O 1 | Tương đối đồng đều, phù hợp
O 2 | Đồng đều, phù hợp
C c 3 | Màu nước
O 0 | Hơi đục, màu nhạt, chấp nhận được
O 1 | Trong sáng, phù hợp (với tính chất sản phẩm)
O 2 *4 | {_CLEAR}
O 3 | {_CLEAR}, bền màu
C d 4 | Mùi nước
O 0 | Có mùi lạ (chấp nhận được) hoặc không rõ mùi
O 1 | Thơm tự nhiên, nhẹ
O 2 *4 | {_SCENT}
O 4 | {_SCENT}, bền mùi
F | {_READ}; bản chép ghi ô này 3 điểm.
C đ 5 | Vị nước
O 0 | Vị khác thường (chấp nhận được) hoặc không rõ vị
O 1 | Tương đối đậm phù hợp (với tính chất sản phẩm)
O 2 *4 | {_TASTE}
O 5 | {_TASTE}, có hậu vị ngọt
F | {_READ}; bản chép ghi ô này 3 điểm.
""" + PROCESSED_TAIL  # sections 7–11 as printed for set 7

CRITERIA: CriteriaSet = sheet_set(
    key="qd148-2023/herbal-tea",
    subgroup=Subgroup.HERBAL_TEA,
    text=_PART_A + MARKETING + STORY + _PART_C,
    source=(
        "Quyết định 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, bộ sản phẩm 12 "
        "'Sản phẩm trà từ thực vật khác' (as transcribed in public OCOP software; section 6 "
        "read as 16 points, see module docstring)"
    ),
    notes=(
        "Options marked ***, ****, ***** in the sheet are minimums for 3, 4, 5 stars. "
        "1489/QĐ-TTg (06/07/2025) wording changes are not reflected."
    ),
)
