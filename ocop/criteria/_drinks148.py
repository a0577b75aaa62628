"""Parts of the 148/2023 beverage sheets (sets 15 and 17) printed alike (private).

Decision 148/QĐ-TTg, Phụ lục III, "Rượu trắng" (set 14), "Đồ uống có cồn khác" (set 15)
and "Đồ uống không cồn khác" (set 17) print part A identically except the packaging box for 5 stars, and
share the quality-assurance and export sections of part C; see the set modules for the
source.
"""

from __future__ import annotations

from ocop.criteria._common148 import (
    CAPACITY,
    COMMUNITY,
    ENVIRONMENT,
    LABEL,
    LINK_INPUT,
    idea,
    packaging,
)
from ocop.criteria.qd148_processed_produce import RAW_MATERIAL_IN_PROVINCE

__all__ = ["ALCOHOL_SMELL_TASTE", "UNIQUE", "assurance_and_export", "part_a"]


def part_a(best_packaging: str) -> str:
    """Part A (sections 1–3) of the beverage sheets."""
    return (RAW_MATERIAL_IN_PROVINCE + """
C b 3 | Gia tăng giá trị
O 1 | Chế biến thông thường
O 2 | Sử dụng kỹ thuật thủ công để nâng cao chất lượng sản phẩm
O 3 | Áp dụng công nghệ để nâng cao chất lượng sản phẩm
""" + CAPACITY + LINK_INPUT + ENVIRONMENT + """
S 2 A 10 | Phát triển sản phẩm
""" + idea("sản xuất", "", "", "điều kiện về nguyên liệu, kỹ thuật truyền thống")
        + packaging(best_packaging) + LABEL + COMMUNITY)


#: Criteria 6 c) and d) of the alcoholic sheets (sets 14 and 15 print them alike).
ALCOHOL_SMELL_TASTE = """
C c 5 | Mùi
O 0 | Khác thường hoặc không rõ mùi
O 1 | Mùi nhẹ, phù hợp (với đặc trưng nguyên liệu sử dụng, loại sản phẩm)
O 2 | Mùi mạnh, phù hợp
O 3 | Mùi mạnh, phù hợp, hấp dẫn
O 5 | Mùi mạnh, phù hợp, rất hấp dẫn
C d 5 | Vị
O 0 | Vị khác thường hoặc không rõ vị
O 1 | Tương đối rõ, chấp nhận được
O 2 | Vị đậm, phù hợp (với đặc trưng nguyên liệu sử dụng, loại sản phẩm)
O 3 | Vị đậm, dịu, phù hợp
O 5 | Vị đậm, dịu, phù hợp, hấp dẫn
"""

UNIQUE = """
S 7 C 5 | Tính độc đáo
C a 5 |
N | Chất lượng: Có nét riêng, khác biệt, có dấu hiệu nhận biết rõ ràng so với sản phẩm khác, tiềm
+ | năng thành thương hiệu của địa phương.
O 0 | Trung bình
O 1 | Tương đối độc đáo
O 3 *4 | Độc đáo, mang tính đặc trưng
O 5 *5 | Rất độc đáo và có tính đặc trưng
"""


def assurance_and_export(declared: int, tests: int) -> str:
    """Sections 8 (declared quality ``declared`` and tests ``tests`` points), 9 and 10."""
    return f"""
S 8 C {declared + tests} | Công bố chất lượng sản phẩm, kiểm tra định kỳ
C a {declared} | Công bố chất lượng sản phẩm theo quy định
O 0 | Không có Bản công bố tiêu chuẩn sản phẩm/chất lượng
O 1 | Có tiêu chuẩn chất lượng sản phẩm
O {declared} *3 | Có công bố tiêu chuẩn/chất lượng sản phẩm theo quy định
C b {tests} | Kiểm tra định kỳ các chỉ tiêu ATTP theo quy định
N | Phiếu kiểm nghiệm định kỳ các chỉ tiêu ATTP.
O 0 | Có, nhưng không đạt
O 1 | Có, đạt nhưng không đủ
O {tests} | Có, đạt đầy đủ (vi sinh, kim loại nặng, phụ gia, hóa chất không mong muốn,...) theo quy
+ | định
S 9 C 5 | Đảm bảo chất lượng sản phẩm
C a 5 |
O 0 | Không có hoạt động kiểm soát chất lượng sản phẩm
O 1 | Có kế hoạch kiểm soát nội bộ chất lượng sản phẩm
O 2 *3 | Có kế hoạch kiểm soát nội bộ gắn với truy xuất nguồn gốc theo quy định
O 3 *4 | Có chứng nhận quản lý chất lượng tiên tiến (ISO/GMP/HACCP/...)
O 5 *5 | Có chứng nhận quản lý chất lượng theo tiêu chuẩn quốc tế, đủ điều kiện ATTP cho xuất khẩu
+ | và các thủ tục pháp lý khác theo yêu cầu của thị trường đích
S 10 C 5 | Cơ hội thị trường toàn cầu
C a 5 |
O 1 | Có thể xuất khẩu đến thị trường khu vực Đông Nam Á
O 3 | Có thể xuất khẩu các thị trường ngoài khu vực Đông Nam Á
O 5 | Có thể xuất khẩu đến các thị trường có tiêu chuẩn cao (Mỹ, Nhật, EU...)
"""
