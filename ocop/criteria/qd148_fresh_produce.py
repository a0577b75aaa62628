"""Decision 148/QĐ-TTg (24/02/2023), Phụ lục III: product set 1 "Rau, củ, quả, hạt tươi".

Parts: A 40 points, B 25, C 35 (total 100).

Source. The decision's own PDF could not be read from here. The criterion titles, option
wording, points and star markers below follow a public transcription of the 148 sheet for
this product set (GitHub ``augustine-tran/ocop``, ``db/ocop/OCOP - 1. Bộ sản phẩm_ Rau,
củ, quả, hạt tươi.csv``), whose section and part maxima add up exactly to 40/25/35 and to
the 12 sections named in the decision's summary (thuvienphapluat.vn, quochoitv.vn,
25/02 and 09/03/2023). Obvious typing slips were corrected ("bản quản" → "bảo quản").

Star markers. Options marked ``***``/``****``/``*****`` in the sheet must be reached for a
3/4/5-star rating. The sheet marks the whole criterion "e) Sở hữu trí tuệ" with ``****``;
it is read here as "at least the first option" (a registered trademark), which matches
the published guidance that 4 stars need a trademark registration certificate.

Decision 1489/QĐ-TTg (06/07/2025) amended 148 after districts were abolished; its changes
to the wording of the sheets (references to "cấp huyện" below) are not reflected here.
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
    Section(2, "Phát triển sản phẩm", _A, 10),
    Section(3, "Sức mạnh cộng đồng", _A, 12),
    Section(4, "Tiếp thị", _B, 13),
    Section(5, "Câu chuyện về sản phẩm", _B, 12),
    Section(6, "Chỉ tiêu cảm quan", _C, 13),
    Section(7, "Dinh dưỡng", _C, 2),
    Section(8, "Tính độc đáo", _C, 5),
    Section(9, "Công bố chất lượng sản phẩm", _C, 5),
    Section(10, "Đảm bảo chất lượng sản phẩm", _C, 5),
    Section(
        11,
        "Hướng dẫn sử dụng để đảm bảo sản phẩm có chất lượng tốt nhất cho người tiêu dùng",
        _C,
        2,
    ),
    Section(12, "Cơ hội thị trường toàn cầu", _C, 3),
)

_GROWN = "Sản phẩm được trồng trên địa bàn cấp xã"
_ENV = "Có Hồ sơ, thủ tục về môi trường theo quy định của pháp luật"
_WASTE = "hồ sơ minh chứng về công trình thu gom và xử lý chất thải theo quy định"
_TRADEMARK = "Nhãn hiệu sử dụng trên sản phẩm của chủ thể được cấp giấy chứng nhận đăng ký"
_PROMO = "Có nhiều hoạt động quảng bá, có website của cơ sở/quảng bá trên mạng xã hội"
_STORY = "Có câu chuyện được tư liệu hóa"

_CRITERIA = (
    # Part A — 1. Tổ chức sản xuất (18)
    criterion(_A, "1.1", "a", "Nguồn gốc sản phẩm", [
        (1, f"{_GROWN} dưới 50%"),
        (3, f"{_GROWN} từ 50% đến dưới 75%"),
        (5, f"{_GROWN} từ 75% đến 100%"),
    ], note="Yêu cầu: 100% sản phẩm được trồng trên địa bàn cấp tỉnh."),
    criterion(_A, "1.2", "b", "Gia tăng giá trị", [
        (1, "Sơ chế (rửa, làm sạch, phân loại, đóng gói...) thủ công"),
        (2, "Ứng dụng máy móc trong sơ chế, đóng gói sản phẩm"),
        (3, "Ứng dụng công nghệ tiên tiến trong sơ chế, bảo quản (nâng cao chất lượng "
            "sản phẩm/kéo dài thời gian bảo quản và giữ chất lượng ổn định trong quá "
            "trình bảo quản...)", 5),
    ]),
    criterion(_A, "1.3", "c", "Năng lực sản xuất đáp ứng yêu cầu phân phối", [
        (1, "Có năng lực, quy mô sản xuất mức độ nhỏ"),
        (2, "Có năng lực, quy mô sản xuất trung bình", 4),
        (3, "Có năng lực, quy mô sản xuất lớn, có thể đáp ứng thị trường xuất khẩu", 5),
    ], note="Khả năng sản xuất đáp ứng nhu cầu về số lượng/quy mô của thị trường, so "
            "sánh với quy mô trung bình ở cùng đối tượng sản xuất tại địa phương."),
    criterion(_A, "1.4", "d", "Liên kết sản xuất", [
        (0, "Không có liên kết hoặc có nhưng không rõ ràng"),
        (1, "Có hợp đồng liên kết sản xuất từ 50% đến dưới 75% sản lượng tiêu thụ"),
        (2, "Có hợp đồng liên kết trên 75% sản lượng tiêu thụ", 4),
        (3, "Có hợp đồng liên kết trên 75% sản lượng tiêu thụ và tổ chức thực hiện hợp "
            "đồng ổn định từ 12 tháng trở lên", 5),
    ]),
    criterion(_A, "1.5", "đ", "Bảo vệ môi trường trong quá trình sản xuất", [
        (1, f"{_ENV} và các quy định khác về bảo vệ môi trường", 4),
        (2, f"{_ENV} về bảo vệ môi trường và {_WASTE}"),
        (3, f"{_ENV} về bảo vệ môi trường; {_WASTE} và hồ sơ minh chứng về sử dụng bao "
            "gói thân thiện với môi trường"),
    ]),
    criterion(_A, "1.6", "e", "Sử dụng công nghệ theo hướng bền vững trong sản xuất", [
        (0, "Không sử dụng công nghệ theo hướng bền vững trong sản xuất"),
        (1, "Có áp dụng công nghệ theo hướng bền vững môi trường (công nghệ tiết kiệm "
            "nguyên liệu, nhiên liệu; hoạt động xử lý/tái chế chất thải; tận thu tái sử "
            "dụng, tái chế phụ phẩm nông nghiệp,...)"),
    ]),
    # Part A — 2. Phát triển sản phẩm (10)
    criterion(_A, "2.1", "a", "Nguồn gốc ý tưởng sản phẩm", [
        (0, "Sản phẩm được trồng phổ biến ở nhiều tỉnh, thành phố"),
        (1, "Sản phẩm được trồng phổ biến ở nhiều tỉnh, thành phố nhưng có chất lượng "
            "nổi trội, khác biệt do điều kiện đất đai, thời tiết, kỹ thuật bản địa"),
        (3, "Sản phẩm được trồng ở nhiều nơi trên địa bàn, là sản phẩm đặc trưng của "
            "tỉnh, có chất lượng nổi trội"),
        (4, "Sản phẩm là đặc sản, truyền thống, chỉ sản xuất trên địa bàn của huyện, có "
            "chất lượng đặc sắc, thương mại gắn với chỉ dẫn nguồn gốc địa lý", 4),
    ], note="Không đánh giá những sản phẩm có tính phổ biến của nhóm sản phẩm chủ lực "
            "cấp quốc gia, cấp tỉnh mà không có sự nổi trội và đặc sắc."),
    criterion(_A, "2.2", "b", "Đóng gói, bao bì sản phẩm", [
        (0, "Đóng gói theo hình thức thông thường, không có bao bì"),
        (1, "Đóng gói theo hình thức thông thường, bao bì đơn giản"),
        (2, "Đóng gói sáng tạo, bao bì đẹp"),
        (3, "Đóng gói sáng tạo, tiện lợi, bao bì đẹp, sang trọng", 5),
    ]),
    criterion(_A, "2.3", "c", "Phong cách, ghi nhãn hàng hóa", [
        (1, "Có nhãn, ghi nhãn hàng hóa đầy đủ, theo đúng quy định"),
        (2, "Ghi nhãn hàng hóa đầy đủ, đúng quy định, thể hiện được thông điệp/câu "
            "chuyện sản phẩm"),
        (3, "Ghi nhãn hàng hóa đầy đủ, đúng quy định, đẹp, thể hiện được thông điệp/câu "
            "chuyện sản phẩm; có truy xuất nguồn gốc điện tử", 4),
    ]),
    # Part A — 3. Sức mạnh cộng đồng (12)
    criterion(_A, "3.1", "a", "Loại hình tổ chức sản xuất - kinh doanh", [
        (1, "Hộ gia đình có đăng ký kinh doanh, trang trại, tổ hợp tác (có giấy đăng ký "
            "kinh doanh của tổ trưởng), Công ty Trách nhiệm hữu hạn (TNHH) 1 thành viên, "
            "doanh nghiệp tư nhân (DNTN)"),
        (2, "Công ty TNHH hai thành viên trở lên, công ty cổ phần có vốn góp của cộng "
            "đồng địa phương < 51%"),
        (3, "HTX tổ chức, hoạt động theo Luật HTX 2012 hoặc công ty cổ phần có vốn góp "
            "của cộng đồng địa phương ≥ 51%"),
    ]),
    criterion(_A, "3.2", "b",
              "Đại diện pháp luật của chủ thể là nữ/đồng bào dân tộc thiểu số", [
        (0, "Đại diện pháp luật của chủ thể không phải nữ/đồng bào dân tộc thiểu số"),
        (1, "Đại diện pháp luật của chủ thể là nữ/đồng bào dân tộc thiểu số"),
    ]),
    criterion(_A, "3.3", "c", "Sử dụng lao động địa phương", [
        (1, "Có sử dụng từ 50% đến 75% lao động là người trên địa bàn cấp huyện"),
        (3, "Có sử dụng ≥ 75% lao động là người trên địa bàn cấp huyện"),
    ], note="Dưới 50% lao động địa phương: không chọn phương án nào (0 điểm)."),
    criterion(_A, "3.4", "d", "Tăng trưởng sản xuất kinh doanh", [
        (1, "Hợp tác xã xếp loại trung bình, các loại hình khác có lợi nhuận tăng trưởng "
            "dương so với năm trước liền kề"),
        (2, "Hợp tác xã xếp loại khá, các loại hình khác có 2 năm liên tiếp tăng trưởng "
            "dương về lợi nhuận", 4),
    ]),
    criterion(_A, "3.5", "đ", "Kế toán", [
        (0, "Không có hoạt động kế toán theo quy định"),
        (1, "Có tổ chức công tác kế toán theo quy định"),
    ]),
    criterion(_A, "3.6", "e", "Sở hữu trí tuệ", [
        (1, _TRADEMARK),
        (2, f"{_TRADEMARK}; và sản phẩm có sử dụng dấu hiệu chỉ dẫn nguồn gốc địa lý gắn "
            "với cộng đồng địa phương (đối với những sản phẩm đã được bảo hộ chỉ dẫn địa "
            "lý, nhãn hiệu chứng nhận, nhãn hiệu tập thể thì bắt buộc phải sử dụng)"),
    ], requires={4: 1}, note="Tiêu chí bắt buộc đạt đối với sản phẩm 4 sao."),
    # Part B — 4. Tiếp thị (13)
    criterion(_B, "4.1", "a", "Khu vực phân phối chính", [
        (1, "Thị trường trong huyện"),
        (2, "Thị trường ngoài huyện, có dưới 5 đại diện/đại lý phân phối"),
        (3, "Thị trường ngoài huyện, có ≥ 5 đại diện/đại lý phân phối"),
        (5, "Thị trường quốc tế (có hợp đồng); hoặc phân phối tại các kênh thương mại "
            "hiện đại: siêu thị, thương mại điện tử,... (có hợp đồng và vận hành ổn định "
            "ít nhất 6 tháng)", 5),
    ]),
    criterion(_B, "4.2", "b", "Tổ chức phân phối", [
        (0, "Không có người chịu trách nhiệm quản lý phân phối"),
        (1, "Có người chịu trách nhiệm quản lý phân phối"),
        (3, "Có bộ phận/phòng quản lý phân phối"),
        (4, "Có bộ phận/phòng quản lý phân phối, có ứng dụng công nghệ thông tin trong "
            "quản lý"),
    ], note="Gồm: Tổ chức kinh doanh, phân phối sản phẩm."),
    criterion(_B, "4.3", "c", "Quảng bá sản phẩm", [
        (0, "Không có hoạt động quảng bá"),
        (1, "Có một số hoạt động quảng bá"),
        (2, f"{_PROMO}, có tham gia hoạt động xúc tiến thương mại trong tỉnh"),
        (3, f"{_PROMO}, có tham gia hoạt động xúc tiến thương mại ngoài tỉnh"),
        (4, f"{_PROMO} hoạt động thường xuyên, có tham gia hoạt động xúc tiến thương mại "
            "ngoài tỉnh và quốc tế"),
    ]),
    # Part B — 5. Câu chuyện về sản phẩm (12)
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
        (3, "Có câu chuyện riêng, gắn với nguồn gốc xuất xứ", 3),
        (5, "Có câu chuyện sản phẩm đặc sắc, mang sắc thái truyền thống, văn hóa và trí "
            "tuệ/bản sắc địa phương", 4),
    ], note="Chỉ áp dụng khi có câu chuyện, đánh giá nội dung câu chuyện."),
    criterion(_B, "5.3", "c", "Cấu trúc câu chuyện", [
        (0, "Đơn giản"),
        (1, "Có đầy đủ các yếu tố của câu chuyện sản phẩm"),
        (2, "Ngắn gọn, súc tích và có các thông điệp đặc sắc về sản phẩm/văn hóa/trí "
            "tuệ/bản sắc địa phương", 5),
    ], note="Chỉ áp dụng khi có câu chuyện."),
    # Part C — 6. Chỉ tiêu cảm quan (13)
    criterion(_C, "6.1", "a", "Kích thước, hình dạng bề ngoài", [
        (0, "Không đồng đều"),
        (1, "Không đồng đều, chấp nhận được"),
        (2, "Đồng đều", 4),
    ], note="Không xem xét các chỉ tiêu khác nếu sản phẩm có các tạp chất có nguy cơ cao "
            "ảnh hưởng đến vệ sinh ATTP như ruồi bọ, lông, len, cát sỏi..."),
    criterion(_C, "6.2", "b", "Màu sắc, độ chín", [
        (0, "Không phù hợp"),
        (1, "Chấp nhận được"),
        (2, "Tương đối phù hợp"),
        (3, "Phù hợp", 4),
        (5, "Rất phù hợp"),
    ]),
    criterion(_C, "6.3", "c", "Mùi/vị", [
        (0, "Kém"), (1, "Trung bình"), (2, "Tương đối tốt"), (3, "Tốt"),
    ]),
    criterion(_C, "6.4", "d", "Tính đầy đủ về sản phẩm, sạch", [
        (0, "Tương đối chấp nhận được"), (1, "Chấp nhận được"), (2, "Tốt"), (3, "Rất tốt"),
    ]),
    # Part C — 7. Dinh dưỡng (2)
    criterion(_C, "7.1", "a",
              "Chỉ ra hàm lượng của các chỉ tiêu dinh dưỡng như: Protit, Lipid, "
              "Vitamin,...", [
        (0, "Không có"), (1, "Có 1 - 2 chỉ tiêu"), (2, "Có trên 2 chỉ tiêu"),
    ], note="Theo phiếu kiểm nghiệm do cơ quan có thẩm quyền cấp."),
    # Part C — 8. Tính độc đáo (5)
    criterion(_C, "8.1", "a",
              "Chất lượng: Có nét riêng, khác biệt, có dấu hiệu nhận biết rõ ràng so với "
              "sản phẩm khác, tiềm năng thành thương hiệu của địa phương", [
        (0, "Trung bình"),
        (1, "Tương đối độc đáo"),
        (3, "Độc đáo, mang tính đặc trưng", 4),
        (5, "Rất độc đáo và có tính đặc trưng"),
    ]),
    # Part C — 9. Công bố chất lượng sản phẩm (5)
    criterion(_C, "9.1", "a", "Công bố tiêu chuẩn sản phẩm của cơ sở sản xuất", [
        (0, "Không có Bản công bố tiêu chuẩn sản phẩm/chất lượng"),
        (1, "Có tiêu chuẩn chất lượng sản phẩm"),
        (2, "Có công bố tiêu chuẩn/chất lượng sản phẩm theo quy định", 3),
    ], note="Khuyến khích cơ sở xây dựng, công bố Tiêu chuẩn sản phẩm. Bản Tiêu chuẩn "
            "sản phẩm cần có phiếu kiểm nghiệm các chỉ tiêu ATTP."),
    criterion(_C, "9.2", "b", "Kiểm tra định kỳ các chỉ tiêu ATTP theo quy định", [
        (0, "Không có"),
        (1, "Có, nhưng không đạt"),
        (2, "Có, đạt nhưng không đủ"),
        (3, "Có, đạt đầy đủ (vi sinh, kim loại nặng, dư lượng thuốc BVTV, phụ gia, hóa "
            "chất không mong muốn,...) theo quy định"),
    ], note="Phiếu kiểm nghiệm định kỳ các chỉ tiêu ATTP."),
    # Part C — 10. Đảm bảo chất lượng sản phẩm (5)
    criterion(_C, "10.1", "a", "Đảm bảo chất lượng sản phẩm", [
        (0, "Không có hoạt động kiểm soát chất lượng sản phẩm"),
        (1, "Có kế hoạch kiểm soát nội bộ chất lượng sản phẩm"),
        (2, "Có kế hoạch kiểm soát nội bộ gắn với truy xuất nguồn gốc theo quy định", 3),
        (3, "Có chứng nhận quản lý chất lượng tiên tiến của Việt Nam (VietGAP/hữu "
            "cơ/..)", 4),
        (5, "Có chứng nhận quản lý chất lượng theo tiêu chuẩn quốc tế, đủ điều kiện ATTP "
            "cho xuất khẩu và các thủ tục pháp lý khác theo yêu cầu của thị trường đích",
         5),
    ], note="Không đánh giá các bước tiếp theo nếu Chứng nhận đủ điều kiện ATTP (hoặc "
            "tương đương) không phù hợp theo quy định."),
    # Part C — 11. Hướng dẫn sử dụng (2)
    criterion(_C, "11.1", "a",
              "Hướng dẫn sử dụng để đảm bảo sản phẩm có chất lượng tốt nhất cho người "
              "tiêu dùng", [
        (1, "Có hướng dẫn sử dụng sản phẩm đơn giản"),
        (2, "Có hướng dẫn sử dụng chi tiết, cụ thể để đảm bảo chất lượng sản phẩm", 5),
    ]),
    # Part C — 12. Cơ hội thị trường toàn cầu (3)
    criterion(_C, "12.1", "a", "Cơ hội thị trường toàn cầu", [
        (1, "Có thể xuất khẩu đến thị trường khu vực Đông Nam Á"),
        (2, "Có thể xuất khẩu các thị trường ngoài khu vực Đông Nam Á"),
        (3, "Có thể xuất khẩu đến các thị trường có tiêu chuẩn cao (Mỹ, Nhật, EU...)"),
    ]),
)

CRITERIA: CriteriaSet = CriteriaSet.checked(
    key="qd148-2023/fresh-produce",
    decision="148/QĐ-TTg",
    decision_date=datetime.date(2023, 2, 24),
    effective_from=datetime.date(2023, 2, 24),
    effective_to=None,
    subgroup=Subgroup.FRESH_PRODUCE,
    part_max={_A: 40.0, _B: 25.0, _C: 35.0},
    sections=_SECTIONS,
    criteria=_CRITERIA,
    source=(
        "Quyết định 148/QĐ-TTg ngày 24/02/2023, Phụ lục III, bộ sản phẩm 1 "
        "'Rau, củ, quả, hạt tươi' (as transcribed in public OCOP software; see module "
        "docstring)"
    ),
    notes=(
        "Options marked ***, ****, ***** in the sheet are minimums for 3, 4, 5 stars. "
        "1489/QĐ-TTg (06/07/2025) wording changes are not reflected."
    ),
)
