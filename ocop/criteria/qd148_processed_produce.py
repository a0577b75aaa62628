"""Decision 148/QĐ-TTg (24/02/2023), Phụ lục III: product set 7 "Chế biến từ rau, củ, quả,
hạt" — dried lychee, dried longan, carrot products (jam, dried, pickled, powder...).

Source. Transcribed from the public transcription of the 148 sheet for this set (GitHub
``augustine-tran/ocop``, ``db/ocop/OCOP - 7. Bộ sản phẩm_ Chế biến từ rau, củ, quả,
hạt.csv``), checked here against its own printed maxima (sections 18/10/12, 13/12,
16/5/4/5/2/3; parts 40/25/35). Typing slips corrected: "KHẢ NĂNC" → "KHẢ NĂNG",
"thị hường" → "thị trường", "xuất khẩn" → "xuất khẩu". Criterion 6 d) is flagged in its
``source_note``: the transcription's best box is 3 points under a 4-point header.
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
from ocop.groups import Subgroup
from ocop.model import CriteriaSet

__all__ = ["CRITERIA", "PROCESSED_PART_A", "PROCESSED_TAIL", "RAW_MATERIAL_IN_PROVINCE"]

_SRC = "Sử dụng nguyên liệu có nguồn gốc trong tỉnh"
#: Criterion 1 a) of the processed food and drink sheets (sets 7, 15, 17).
RAW_MATERIAL_IN_PROVINCE = f"""
S 1 A 18 | Tổ chức sản xuất
C a 5 | Nguồn nguyên liệu
O 1 *3 | {_SRC} dưới 50%
O 3 | {_SRC} từ 50% đến dưới 75%
O 5 | {_SRC} từ 75% đến 100%
"""

_LOCAL = "/sản phẩm mới được chế biến từ nguyên liệu đặc trưng của địa phương"
#: Part A of the processed-food sheets (sets 7 and 8 print it alike).
PROCESSED_PART_A = (RAW_MATERIAL_IN_PROVINCE + """
C b 3 | Gia tăng giá trị
O 1 | Chế biến đơn giản
O 2 | Chế biến
O 3 | Chế biến sâu từ vùng nguyên liệu địa phương (tạo ra sản phẩm chất lượng cao theo nhu cầu của
+ | thị trường)
""" + CAPACITY + LINK_INPUT + ENVIRONMENT + """
S 2 A 10 | Phát triển sản phẩm
""" + idea("sản xuất", _LOCAL, f"{_LOCAL}, được thương mại ổn định ít nhất 36 tháng",
           "điều kiện về nguyên liệu, kỹ thuật truyền thống")
    + packaging() + LABEL + COMMUNITY)

_FIT = "phù hợp với đặc tính sản phẩm"
_NATURAL = "Tự nhiên của thành phần nguyên liệu"
_PART_C = f"""
S 6 C 16 | Chỉ tiêu cảm quan
C a 2 | Tạp chất
O 0 | Có tạp chất
O 1 | Có rất ít tạp chất, chấp nhận được
O 2 *4 | Sạch, không phát hiện tạp chất
C b 2 | Hình dạng, thể chất
O 0 | Kích thước/hình dạng, thể chất không đồng đều
O 1 | Kích thước/hình dạng, thể chất khá đồng đều (> 60%)
O 2 | Kích thước/hình dạng, thể chất đồng đều (> 90%)
C c 3 | Màu sắc
O 0 | Chấp nhận được
O 1 | Tương đối {_FIT}
O 2 *4 | Phù hợp với đặc tính sản phẩm
O 3 *5 | Rất {_FIT}
C d 4 | Mùi
O 1 | Không có mùi đặc trưng, là mùi của thành phần tạo nên (mùi của hương liệu)
O 2 *4 | {_NATURAL}
O 4 *5 | {_NATURAL}, phù hợp, hấp dẫn
F | Chưa đối chiếu được với bản in: bản chép công khai ghi ô này 3 điểm dưới tiêu đề tiêu chí 4 điểm
+ | (mục 6 tổng 16, phần C tổng 35); ở đây đọc là 4 điểm để bảng cộng đúng.
C đ 5 | Vị
O 0 | Vị khác thường
O 1 | Chấp nhận được
O 3 *4 | Phù hợp với đặc trưng của sản phẩm
O 5 *5 | Phù hợp với đặc trưng của sản phẩm, hấp dẫn
"""

#: Sections 7–11 of part C of the processed-food sheets (sets 7 and 8 print them alike).
PROCESSED_TAIL = """
S 7 C 5 | Tính độc đáo
C a 5 |
N | Chất lượng: Có nét riêng, khác biệt, có dấu hiệu nhận biết rõ ràng so với sản phẩm khác, tiềm
+ | năng thành thương hiệu của địa phương.
O 0 | Trung bình
O 1 | Tương đối độc đáo
O 3 *4 | Độc đáo, mang tính đặc trưng
O 5 *5 | Rất độc đáo và có tính đặc trưng
S 8 C 4 | Công bố chất lượng sản phẩm, kiểm tra định kỳ
C a 2 | Công bố chất lượng sản phẩm theo quy định
O 0 | Không có Bản công bố tiêu chuẩn sản phẩm/chất lượng
O 1 | Có tiêu chuẩn chất lượng sản phẩm
O 2 *3 | Có công bố tiêu chuẩn/chất lượng sản phẩm theo quy định
C b 2 | Kiểm tra định kỳ các chỉ tiêu ATTP theo quy định
N | Phiếu kiểm nghiệm định kỳ các chỉ tiêu ATTP.
O 0 | Có, nhưng không đạt
O 1 | Có, đạt nhưng không đủ
O 2 | Có, đạt đầy đủ (vi sinh, kim loại nặng, phụ gia, hóa chất không mong muốn,...) theo quy định
S 9 C 5 | Đảm bảo chất lượng sản phẩm
C a 5 |
O 0 | Không có hoạt động kiểm soát chất lượng sản phẩm
O 1 | Có kế hoạch kiểm soát nội bộ chất lượng sản phẩm
O 2 *3 | Có kế hoạch kiểm soát nội bộ gắn với truy xuất nguồn gốc theo quy định
O 3 *4 | Có chứng nhận quản lý chất lượng tiên tiến (ISO/GMP/HACCP/...)
O 5 *5 | Có chứng nhận quản lý chất lượng theo tiêu chuẩn quốc tế, đủ điều kiện ATTP cho xuất khẩu
+ | và các thủ tục pháp lý khác theo yêu cầu của thị trường đích
S 10 C 2 | Hướng dẫn sử dụng để đảm bảo sản phẩm có chất lượng tốt nhất cho người tiêu dùng
C a 2 |
O 1 | Có hướng dẫn sử dụng sản phẩm đơn giản
O 2 *5 | Có hướng dẫn sử dụng chi tiết, cụ thể để đảm bảo chất lượng sản phẩm
S 11 C 3 | Cơ hội thị trường toàn cầu
C a 3 |
O 1 | Có thể xuất khẩu đến thị trường khu vực Đông Nam Á
O 2 | Có thể xuất khẩu các thị trường ngoài khu vực Đông Nam Á
O 3 | Có thể xuất khẩu đến các thị trường có tiêu chuẩn cao (Mỹ, Nhật, EU...)
"""

CRITERIA: CriteriaSet = sheet_set(
    key="qd148-2023/processed-produce",
    subgroup=Subgroup.PROCESSED_PRODUCE,
    text=PROCESSED_PART_A + MARKETING + STORY + _PART_C + PROCESSED_TAIL,
    source=(
        "Quyết định 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, bộ sản phẩm 7 "
        "'Chế biến từ rau, củ, quả, hạt' (as transcribed in public OCOP software; see "
        "module docstring)"
    ),
    notes=(
        "Options marked ***, ****, ***** in the sheet are minimums for 3, 4, 5 stars. "
        "Criterion 6.4 read as 4 points (see its source_note). 1489/QĐ-TTg (06/07/2025) "
        "wording changes are not reflected."
    ),
)
