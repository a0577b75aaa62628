"""Decision 1048/QĐ-TTg (21/08/2019): product subgroup "Rau, củ, quả, hạt tươi" (legacy).

Parts: A 35 points, B 25, C 40 (total 100). Kept only to read and re-score records made
under 1048 (replaced by 148/QĐ-TTg on 24/02/2023); new evaluations use 148.

Source and approximations. The decision's own text could not be read from here. Criteria
and option points follow a public transcription of the 1048 sheet for this subgroup (a
2020 OCOP database dump, GitHub ``tranquangduc24011999/ommani_ocop``). Parts B (25) and
C (40) add up exactly. Part A adds up to 36 in that dump; here criterion 3.2 "Sự tham gia
của cộng đồng trong quản lý, điều hành" is read as ONE choice (its board-composition and
director options are alternatives, max 2 points), which gives the published 35. Obvious
typing slips were corrected ("truyền thông" → "truyền thống", "cao cao cấp" → "cao cấp").

Mandatory criteria. No star markers of the 1048 sheets were found. Criterion 9.1 (a
published product standard / quality declaration, which food must have to be sold) is
flagged mandatory for 3 stars as an approximation of the 148 rule; no other criterion is.
"""

from __future__ import annotations

import datetime

from ocop.criteria._build import criterion
from ocop.groups import Subgroup
from ocop.model import CriteriaSet, Part, Section

__all__ = ["CRITERIA"]

_A, _B, _C = Part.A, Part.B, Part.C

_SECTIONS = (
    Section(1, "Tổ chức sản xuất", _A, 18),
    Section(2, "Phát triển sản phẩm", _A, 8),
    Section(3, "Sức mạnh cộng đồng", _A, 9),
    Section(4, "Tiếp thị", _B, 15),
    Section(5, "Câu chuyện về sản phẩm", _B, 10),
    Section(6, "Chỉ tiêu cảm quan", _C, 18),
    Section(7, "Dinh dưỡng", _C, 2),
    Section(8, "Tính độc đáo", _C, 5),
    Section(9, "Công bố chất lượng sản phẩm", _C, 5),
    Section(10, "Đảm bảo chất lượng sản phẩm", _C, 5),
    Section(11, "Cơ hội thị trường toàn cầu", _C, 5),
)

_EIA = "Có đánh giá tác động môi trường/kế hoạch bảo vệ môi trường (hoặc tương đương)"
_BOARD = "số thành viên quản trị cao cấp (Ban giám đốc, HĐQT, HĐTV)"
_PROMO = "Có nhiều hoạt động quảng bá, có website của cơ sở"
_STORY = "Có câu chuyện được tư liệu hóa"

_CRITERIA = (
    # Part A — 1. Tổ chức sản xuất (18)
    criterion(_A, "1.1", "a", "Nguồn nguyên liệu", [
        (1, "Sử dụng nguyên liệu có nguồn gốc trong tỉnh dưới 50%"),
        (2, "Sử dụng nguyên liệu có nguồn gốc trong tỉnh từ 50% đến dưới 75%"),
        (3, "Sử dụng nguyên liệu có nguồn gốc trong tỉnh từ 75% đến 100%"),
    ]),
    criterion(_A, "1.2", "b", "Gia tăng giá trị", [
        (0, "Phân loại"),
        (1, "Sơ chế (rửa, làm sạch)"),
        (2, "Ứng dụng công nghệ cao trong trồng, sơ chế"),
        (3, "Ứng dụng công nghệ cao trong trồng, sơ chế, bảo quản (nâng cao chất lượng "
            "sản phẩm/giữ chất lượng ổn định trong quá trình bảo quản…)"),
    ]),
    criterion(_A, "1.3", "c", "Năng lực sản xuất đáp ứng yêu cầu phân phối", [
        (1, "Có năng lực, quy mô sản xuất mức độ nhỏ"),
        (2, "Có năng lực, quy mô sản xuất trung bình"),
        (3, "Có năng lực, quy mô sản xuất lớn"),
        (4, "Có năng lực, quy mô sản xuất lớn, có thể đáp ứng thị trường xuất khẩu"),
    ]),
    criterion(_A, "1.4", "d", "Liên kết sản xuất", [
        (0, "Không có liên kết hoặc có nhưng không rõ ràng"),
        (1, "Có liên kết, chặt chẽ (phạm vi trong tỉnh)"),
        (2, "Liên kết chuỗi chặt chẽ (phạm vi trong tỉnh), quy mô lớn hoặc có hộ nghèo "
            "(trong tỉnh) tham gia liên kết"),
    ]),
    criterion(_A, "1.5", "đ", "Bảo vệ môi trường trong quá trình sản xuất", [
        (1, "Có quan tâm (bằng hoạt động cụ thể) đến các tác động môi trường trong quá "
            "trình sản xuất"),
        (2, f"{_EIA} nhưng chưa theo quy định hiện hành"),
        (3, f"{_EIA} theo quy định hiện hành"),
        (4, f"{_EIA} theo quy định hiện hành; có minh chứng triển khai/áp dụng"),
        (5, f"{_EIA} theo quy định hiện hành; có minh chứng triển khai/áp dụng; có sử "
            "dụng/tái chế phụ phẩm, chất thải trong quá trình sản xuất"),
    ]),
    criterion(_A, "1.6", "e",
              "Sử dụng năng lượng, công nghệ thân thiện bền vững trong sản xuất", [
        (0, "Không sử dụng năng lượng hiện đại, bền vững, đáng tin cậy (sạch, tái tạo,...)"
            "/công nghệ thân thiện môi trường"),
        (1, "Có sử dụng năng lượng hiện đại, bền vững, đáng tin cậy (sạch, tái tạo,...)"
            "/công nghệ thân thiện môi trường"),
    ]),
    # Part A — 2. Phát triển sản phẩm (8)
    criterion(_A, "2.1", "a", "Nguồn gốc ý tưởng sản phẩm", [
        (0, "Phát triển dựa trên sản phẩm của nhà sản xuất khác, chỉ thay đổi nhãn hiệu"),
        (1, "Phát triển dựa trên sản phẩm của nhà sản xuất khác, có cải tiến về chất "
            "lượng, bao bì"),
        (2, "Phát triển dựa trên ý tưởng của mình, sản phẩm chưa có trên thị trường"),
        (3, "Phát triển ý tưởng của mình gắn với bảo tồn sản phẩm truyền thống/đặc "
            "sản/thế mạnh của địa phương"),
    ]),
    criterion(_A, "2.2", "b", "Tính hoàn thiện của bao bì", [
        (0, "Bao bì đơn giản, thông tin ghi nhãn chưa đầy đủ"),
        (1, "Bao bì đơn giản, thông tin ghi nhãn đầy đủ"),
        (2, "Bao bì phù hợp, thông tin ghi nhãn đầy đủ, có truy xuất nguồn gốc"),
        (3, "Bao bì phù hợp, thông tin ghi nhãn đầy đủ, có truy xuất nguồn gốc, có chứng "
            "nhận bảo hộ nhãn hiệu/kiểu dáng công nghiệp"),
    ]),
    criterion(_A, "2.3", "c", "Phong cách, hình thức của bao bì", [
        (0, "Không thuận tiện, không đẹp"),
        (1, "Thuận tiện hoặc đẹp"),
        (2, "Thuận tiện, đẹp, sang trọng"),
    ]),
    # Part A — 3. Sức mạnh cộng đồng (9)
    criterion(_A, "3.1", "a", "Loại hình tổ chức sản xuất - kinh doanh", [
        (1, "Hộ gia đình có đăng ký kinh doanh, tổ hợp tác (có giấy đăng ký kinh doanh "
            "của tổ trưởng), Công ty Trách nhiệm hữu hạn (TNHH) 1 thành viên, doanh "
            "nghiệp tư nhân (DNTN)"),
        (2, "Công ty TNHH hai thành viên trở lên, công ty cổ phần có vốn góp của cộng "
            "đồng địa phương < 51%"),
        (3, "HTX tổ chức, hoạt động theo Luật HTX 2012 hoặc công ty cổ phần có vốn góp "
            "của cộng đồng địa phương ≥ 51%"),
    ]),
    criterion(_A, "3.2", "b", "Sự tham gia của cộng đồng trong quản lý, điều hành", [
        (1, f"Có < 50% {_BOARD} tham gia quản lý là người trong tỉnh hoặc tổ hợp tác có "
            "số thành viên là người trong tỉnh < 50% số thành viên tổ hợp tác"),
        (2, f"Có ≥ 50% {_BOARD} tham gia quản lý là người trong tỉnh hoặc < 50% số thành "
            "viên quản trị cao cấp là người trong tỉnh nhưng có thành viên là phụ nữ địa "
            "phương"),
        (0, "Giám đốc/Chủ hộ không phải là người trong tỉnh"),
        (1, "Giám đốc/Chủ hộ là người trong tỉnh"),
    ], note="Approximation: read as one choice (max 2) so that Part A totals 35."),
    criterion(_A, "3.3", "c", "Sử dụng lao động địa phương", [
        (0, "Có sử dụng < 50% lao động là người địa phương"),
        (1, "Có sử dụng ≥ 50% lao động là người địa phương hoặc có thu nhập bình quân/lao "
            "động ≥ mức thu nhập bình quân/người đạt chuẩn nông thôn mới của địa phương "
            "tại thời điểm đánh giá"),
    ]),
    criterion(_A, "3.4", "d", "Tăng trưởng sản xuất kinh doanh", [
        (0, "Tăng trưởng < 10% về doanh thu so với năm trước liền kề"),
        (1, "Tăng trưởng ≥ 10% về doanh thu so với năm trước liền kề"),
    ]),
    criterion(_A, "3.5", "đ", "Kế toán", [
        (0, "Không có kế toán hoặc chỉ thuê kế toán khi có yêu cầu, thời vụ"),
        (1, "Có kế toán, công tác kế toán được thực hiện thường xuyên"),
        (2, "Có tổ chức hệ thống kế toán"),
    ]),
    # Part B — 4. Tiếp thị (15)
    criterion(_B, "4.1", "a", "Khu vực phân phối chính", [
        (1, "Thị trường trong huyện"),
        (2, "Thị trường ngoài huyện, có dưới 5 đại diện/đại lý phân phối"),
        (3, "Thị trường ngoài huyện, có ≥ 5 đại diện/đại lý phân phối"),
        (5, "Thị trường quốc tế"),
    ]),
    criterion(_B, "4.2", "b", "Tổ chức phân phối", [
        (0, "Không có người chịu trách nhiệm quản lý phân phối"),
        (1, "Có người chịu trách nhiệm quản lý phân phối"),
        (3, "Có bộ phận/phòng quản lý phân phối"),
        (5, "Có bộ phận/phòng quản lý phân phối, có ứng dụng công nghệ thông tin trong "
            "quản lý"),
    ]),
    criterion(_B, "4.3", "c", "Quảng bá sản phẩm", [
        (0, "Không có hoạt động quảng bá"),
        (1, "Có một số hoạt động quảng bá"),
        (2, f"{_PROMO}, có tham gia hoạt động xúc tiến thương mại trong tỉnh"),
        (3, f"{_PROMO}, có tham gia hoạt động xúc tiến thương mại ngoài tỉnh"),
        (5, f"{_PROMO}, có tham gia hoạt động xúc tiến thương mại ngoài tỉnh và quốc tế"),
    ]),
    # Part B — 5. Câu chuyện về sản phẩm (10)
    criterion(_B, "5.1", "a", "Câu chuyện về sản phẩm", [
        (0, "Không có câu chuyện, hoặc có nhưng không được tư liệu hóa"),
        (1, "Có tài liệu giới thiệu về sản phẩm"),
        (2, f"{_STORY} (có cốt chuyện, nội dung cụ thể)"),
        (3, f"{_STORY}, trình bày trên nhãn/tờ rơi"),
        (4, f"{_STORY}, trình bày trên nhãn/tờ rơi và website"),
        (5, f"{_STORY}, trình bày trên nhãn/tờ rơi, website (dưới dạng hình ảnh, "
            "clip,...)"),
    ]),
    criterion(_B, "5.2", "b", "Trí tuệ/bản sắc địa phương", [
        (0, "Giống với câu chuyện sản phẩm ở nơi khác"),
        (1, "Tương đối giống câu chuyện sản phẩm ở nơi khác, có thay đổi một số yếu tố"),
        (2, "Có câu chuyện riêng"),
        (3, "Có câu chuyện riêng, thể hiện trí tuệ/bản sắc địa phương"),
    ]),
    criterion(_B, "5.3", "c", "Cấu trúc câu chuyện", [
        (1, "Đơn giản"),
        (2, "Có đầy đủ các yếu tố của câu chuyện sản phẩm"),
    ]),
    # Part C — 6. Chỉ tiêu cảm quan (18)
    criterion(_C, "6.1", "a", "Kích thước, hình dạng bề ngoài", [
        (0, "Không đồng đều"), (1, "Không đồng đều, chấp nhận được"), (2, "Đồng đều"),
    ]),
    criterion(_C, "6.2", "b", "Màu sắc, độ chín", [
        (0, "Không phù hợp"), (1, "Chấp nhận được"), (3, "Tương đối phù hợp"),
        (5, "Phù hợp"), (8, "Rất phù hợp"),
    ]),
    criterion(_C, "6.3", "c", "Mùi/vị", [
        (0, "Kém"), (1, "Trung bình"), (2, "Tương đối tốt"), (3, "Tốt"),
    ]),
    criterion(_C, "6.4", "d", "Tính đầy đủ, sạch", [
        (0, "Tương đối chấp nhận được"), (1, "Chấp nhận được"), (2, "Tốt"), (3, "Rất tốt"),
    ]),
    criterion(_C, "6.5", "đ", "Kết cấu/cách sắp đặt", [
        (0, "Nghèo nàn"), (1, "Trung bình"), (2, "Tốt"),
    ]),
    # Part C — 7. Dinh dưỡng (2)
    criterion(_C, "7.1", "a",
              "Chỉ ra hàm lượng của các chỉ tiêu dinh dưỡng như: Protit, Lipid, "
              "Vitamin,...", [
        (0, "Không có"), (1, "Có 1 - 2 chỉ tiêu"), (2, "Có trên 2 chỉ tiêu"),
    ], note="Theo phiếu kiểm nghiệm do cơ quan có thẩm quyền cấp."),
    # Part C — 8. Tính độc đáo (5)
    criterion(_C, "8.1", "a",
              "Chất lượng: Có nét riêng, khác biệt, không lẫn với sản phẩm khác, tiềm "
              "năng thành thương hiệu của địa phương", [
        (0, "Trung bình"), (1, "Tương đối độc đáo"), (3, "Độc đáo"), (5, "Rất độc đáo"),
    ]),
    # Part C — 9. Công bố chất lượng sản phẩm (5)
    criterion(_C, "9.1", "a", "Hồ sơ công bố tiêu chuẩn sản phẩm của cơ sở sản xuất", [
        (0, "Không có Bản công bố tiêu chuẩn sản phẩm/chất lượng"),
        (1, "Có Tiêu chuẩn sản phẩm"),
        (2, "Có Tiêu chuẩn sản phẩm, có Bản công bố tiêu chuẩn/chất lượng", 3),
    ], note="Approximation: flagged mandatory for 3 stars (no 1048 marker found)."),
    criterion(_C, "9.2", "b", "Kiểm tra định kỳ các chỉ tiêu ATTP", [
        (0, "Không có"),
        (1, "Có, nhưng không đạt"),
        (2, "Có, đạt nhưng không đủ"),
        (3, "Có, đạt đầy đủ (vi sinh, kim loại nặng, dư lượng thuốc BVTV, phụ gia, hóa "
            "chất không mong muốn,...) theo quy định"),
    ]),
    # Part C — 10. Đảm bảo chất lượng sản phẩm (5)
    criterion(_C, "10.1", "a", "Đảm bảo chất lượng sản phẩm", [
        (0, "Không có hoạt động kiểm soát chất lượng sản phẩm"),
        (1, "Có kế hoạch kiểm soát chất lượng sản phẩm"),
        (2, "Có ghi hồ sơ lô sản xuất"),
        (3, "Có kế hoạch kiểm soát chất lượng sản phẩm, có ghi hồ sơ lô sản xuất"),
        (4, "Có Chứng nhận quản lý chất lượng tiên tiến (VietGAP/GlobalGAP/hữu cơ/..)"),
        (5, "Có chứng nhận đủ điều kiện ATTP cho xuất khẩu và các thủ tục pháp lý khác "
            "theo yêu cầu của thị trường đích"),
    ]),
    # Part C — 11. Cơ hội thị trường toàn cầu (5)
    criterion(_C, "11.1", "a", "Cơ hội thị trường toàn cầu", [
        (1, "Có thể xuất khẩu đến thị trường khu vực"),
        (3, "Có thể xuất khẩu các thị trường ngoài khu vực"),
        (5, "Có thể xuất khẩu đến các thị trường có tiêu chuẩn cao (Mỹ, Nhật, EU...)"),
    ]),
)

CRITERIA: CriteriaSet = CriteriaSet.checked(
    key="qd1048-2019/fresh-produce",
    decision="1048/QĐ-TTg",
    decision_date=datetime.date(2019, 8, 21),
    effective_from=datetime.date(2019, 8, 21),
    effective_to=datetime.date(2023, 2, 23),
    subgroup=Subgroup.FRESH_PRODUCE,
    part_max={_A: 35.0, _B: 25.0, _C: 40.0},
    sections=_SECTIONS,
    criteria=_CRITERIA,
    source=(
        "Quyết định 1048/QĐ-TTg ngày 21/08/2019, phân nhóm 'Rau, củ, quả, hạt tươi' "
        "(as transcribed in a public 2020 OCOP database; see module docstring)"
    ),
    notes=(
        "Legacy profile for old records. Part A criterion 3.2 and the 3-star flag on "
        "9.1 are approximations."
    ),
)
