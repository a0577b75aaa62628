"""Decision 148/QĐ-TTg (24/02/2023), Phụ lục III: product set 4 "Mật ong, mật khác và nông
sản thực phẩm khác" — lychee-flower honey and other honeys and syrups.

Source. Transcribed from the public transcription of the 148 sheet for this set (GitHub
``augustine-tran/ocop``, ``db/ocop/OCOP - 4. Bộ sản phẩm_ Mật ong, mật khác và nông sản
thực phẩm khác.csv``), checked against its own printed maxima (sections 18/10/12, 13/12,
13/2/5/5/5/2/3; parts 40/25/35). Typing slips corrected: "KHẢ NĂNC" → "KHẢ NĂNG",
"clip,..,)" → "clip,...)".
"""

from __future__ import annotations

from ocop.criteria._common148 import (
    CAPACITY,
    COMMUNITY,
    ENVIRONMENT,
    LABEL,
    LINK_SALES,
    MARKETING,
    STORY,
    idea,
    packaging,
)
from ocop.criteria._sheet import sheet_set
from ocop.groups import Subgroup
from ocop.model import CriteriaSet

__all__ = ["CRITERIA"]

_GROWN = "Sản phẩm được nuôi/trồng trên địa bàn cấp xã"
_PART_A = (f"""
S 1 A 18 | Tổ chức sản xuất
C a 5 | Nguồn gốc sản phẩm
N | Yêu cầu: 100% sản phẩm được nuôi/trồng trên địa bàn cấp tỉnh.
O 1 | {_GROWN} dưới 50%
O 3 | {_GROWN} từ 50% đến dưới 75%
O 5 | {_GROWN} từ 75% đến 100%
C b 3 | Gia tăng giá trị
O 1 | Sơ chế (lọc, loại tạp chất, phân loại, đóng gói...) thủ công
O 2 | Ứng dụng máy móc trong sơ chế, đóng gói sản phẩm
O 3 *5 | Ứng dụng công nghệ tiên tiến trong sơ chế, bảo quản (nâng cao chất lượng sản phẩm/kéo dài
+ | thời gian bảo quản và giữ chất lượng ổn định trong quá trình bảo quản...)
""" + CAPACITY + LINK_SALES + ENVIRONMENT + """
S 2 A 10 | Phát triển sản phẩm
""" + idea("trồng", "", "", "điều kiện đất đai, thời tiết, kỹ thuật bản địa",
           "Không đánh giá những sản phẩm có tính phổ biến của nhóm sản phẩm chủ lực cấp "
           "quốc gia, cấp tỉnh mà không có sự nổi trội và đặc sắc.")
    + packaging() + LABEL + COMMUNITY)

_FIT = "phù hợp với đặc tính sản phẩm"
_PART_C = f"""
S 6 C 13 | Chỉ tiêu cảm quan
C a 2 | Tạp chất
N | Nếu có các tạp chất không chấp nhận được (có nguy cơ gây mất ATTP) sẽ không đánh giá các bước
+ | tiếp theo.
O 0 | Có tạp chất
O 1 | Có rất ít tạp chất, chấp nhận được
O 2 *5 | Sạch, không phát hiện tạp chất
C b 2 | Độ đồng đều của sản phẩm
O 0 | Không đồng đều
O 1 | Tương đối đồng đều
O 2 *4 | Đồng đều
C c 4 | Màu sắc, thể chất
O 0 | Chấp nhận được
O 1 | Tương đối {_FIT}
O 2 *4 | Tốt, {_FIT}
O 4 *5 | Rất tốt, {_FIT}
C d 5 | Mùi, vị
O 0 | Có mùi/vị lạ
O 1 | Có mùi/vị lạ, nhưng chấp nhận được
O 2 | Có mùi/vị tương đối {_FIT}
O 3 *4 | Có mùi/vị tự nhiên, {_FIT}
O 5 *5 | Có mùi/vị tự nhiên, rất {_FIT}
S 7 C 2 | Dinh dưỡng
C a 2 |
N | Chỉ ra hàm lượng của các chỉ tiêu dinh dưỡng như: Vitamin B2, B3, B5, B6, B9; đường khử tự
+ | do;... theo phiếu kiểm nghiệm.
O 0 | Không có
O 1 | Có 1 - 2 chỉ tiêu
O 2 | Có trên 2 chỉ tiêu
S 8 C 5 | Tính độc đáo
C a 5 |
N | Chất lượng: Có nét riêng, khác biệt, có dấu hiệu nhận biết rõ ràng so với sản phẩm khác, tiềm
+ | năng thành thương hiệu của địa phương.
O 0 | Trung bình
O 1 | Tương đối độc đáo
O 3 *4 | Độc đáo, mang tính đặc trưng
O 5 *5 | Rất độc đáo và có tính đặc trưng
S 9 C 5 | Công bố chất lượng sản phẩm, kiểm tra định kỳ
C a 2 | Công bố chất lượng sản phẩm theo quy định
N | Khuyến khích cơ sở xây dựng, công bố tiêu chuẩn sản phẩm. Bản tiêu chuẩn sản phẩm cần có phiếu
+ | kiểm nghiệm các chỉ tiêu ATTP.
O 0 | Không có Bản công bố tiêu chuẩn sản phẩm/chất lượng
O 1 | Có tiêu chuẩn chất lượng sản phẩm
O 2 *3 | Có công bố tiêu chuẩn/chất lượng sản phẩm theo quy định
C b 3 | Kiểm tra định kỳ các chỉ tiêu ATTP theo quy định
N | Phiếu kiểm nghiệm định kỳ các chỉ tiêu ATTP.
O 0 | Không có
O 1 | Có, nhưng không đạt
O 2 | Có, đạt nhưng không đủ
O 3 | Có, đạt đầy đủ (vi sinh, kim loại nặng, dư lượng thuốc BVTV, phụ gia, hóa chất không mong
+ | muốn,...) theo quy định
S 10 C 5 | Đảm bảo chất lượng sản phẩm
C a 5 |
N | Không đánh giá các bước tiếp theo nếu Giấy chứng nhận đủ điều kiện ATTP (hoặc tương đương) không
+ | phù hợp theo quy định.
O 0 | Không có hoạt động kiểm soát chất lượng sản phẩm
O 1 | Có kế hoạch kiểm soát nội bộ chất lượng sản phẩm
O 2 *3 | Có kế hoạch kiểm soát nội bộ gắn với truy xuất nguồn gốc theo quy định
O 3 *4 | Có Chứng nhận quản lý chất lượng tiên tiến của Việt Nam (VietGAP/hữu cơ/..)
O 5 *5 | Có chứng nhận quản lý chất lượng theo tiêu chuẩn quốc tế, đủ điều kiện ATTP cho xuất khẩu
+ | và các thủ tục pháp lý khác theo yêu cầu của thị trường đích
S 11 C 2 | Hướng dẫn sử dụng để đảm bảo sản phẩm có chất lượng tốt nhất cho người tiêu dùng
C a 2 |
O 1 | Có hướng dẫn sử dụng sản phẩm đơn giản
O 2 *5 | Có hướng dẫn sử dụng chi tiết, cụ thể để đảm bảo chất lượng sản phẩm
S 12 C 3 | Cơ hội thị trường toàn cầu
C a 3 |
O 1 | Có thể xuất khẩu đến thị trường khu vực Đông Nam Á
O 2 | Có thể xuất khẩu các thị trường ngoài khu vực Đông Nam Á
O 3 | Có thể xuất khẩu đến các thị trường có tiêu chuẩn cao (Mỹ, Nhật, EU...)
"""

CRITERIA: CriteriaSet = sheet_set(
    key="qd148-2023/honey-other-raw",
    subgroup=Subgroup.HONEY_OTHER_RAW,
    text=_PART_A + MARKETING + STORY + _PART_C,
    source=(
        "Quyết định 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, bộ sản phẩm 4 "
        "'Mật ong, mật khác và nông sản thực phẩm khác' (as transcribed in public OCOP "
        "software; see module docstring)"
    ),
    notes=(
        "Options marked ***, ****, ***** in the sheet are minimums for 3, 4, 5 stars. "
        "1489/QĐ-TTg (06/07/2025) wording changes are not reflected."
    ),
)
