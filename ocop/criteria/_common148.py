"""Items printed identically on several 148/2023 sheets (private), in sheet notation.

Decision 148/QĐ-TTg, Phụ lục III prints parts A and B of the food and beverage sheets
with the same wording apart from a few items (raw material, value added, linkage); the
identical items are written once here and composed by each set's module. Wording follows
the public transcription named in each module; typing slips were corrected where the
other sheets print the same item correctly (e.g. "chủ thế" → "chủ thể").
"""

from __future__ import annotations

__all__ = [
    "CAPACITY", "COMMUNITY", "ENVIRONMENT", "LABEL", "LINK_INPUT", "LINK_SALES",
    "MARKETING", "STORY", "idea", "packaging",
]

_SCALE = "Có năng lực, quy mô sản xuất"
CAPACITY = f"""
C c 3 | Năng lực sản xuất để đáp ứng yêu cầu phân phối
N | Khả năng sản xuất đáp ứng nhu cầu về số lượng/quy mô của thị trường, so sánh với quy mô trung
+ | bình ở cùng đối tượng sản xuất tại địa phương.
O 1 | {_SCALE} mức độ nhỏ
O 2 *4 | {_SCALE} trung bình
O 3 *5 | {_SCALE} lớn, có thể đáp ứng thị trường xuất khẩu
"""

_CONTRACT = "Có hợp đồng liên kết"
_INPUT = "sản lượng nguyên liệu đầu vào cho chế biến"
LINK_INPUT = f"""
C d 3 | Liên kết chuỗi trong sản xuất
O 0 | Không có liên kết hoặc có nhưng không rõ ràng
O 1 | {_CONTRACT} sản xuất từ 50% đến dưới 75% {_INPUT}
O 2 *4 | {_CONTRACT} trên 75% {_INPUT}
O 3 *5 | {_CONTRACT} trên 75% {_INPUT} và tổ chức thực hiện hợp đồng ổn định từ 12 tháng trở lên
"""
LINK_SALES = f"""
C d 3 | Liên kết chuỗi trong sản xuất
O 0 | Không có liên kết hoặc có nhưng không rõ ràng
O 1 | {_CONTRACT} sản xuất từ 50% đến dưới 75% sản lượng tiêu thụ
O 2 *4 | {_CONTRACT} trên 75% sản lượng tiêu thụ
O 3 *5 | {_CONTRACT} trên 75% sản lượng tiêu thụ và tổ chức thực hiện hợp đồng ổn định từ 12 tháng
+ | trở lên
"""

_ENV = "Có Hồ sơ, thủ tục về môi trường theo quy định của pháp luật"
_WASTE = "hồ sơ minh chứng về công trình thu gom và xử lý chất thải theo quy định"
ENVIRONMENT = f"""
C đ 3 | Bảo vệ môi trường trong quá trình sản xuất
O 1 *4 | {_ENV} và các quy định khác về bảo vệ môi trường
O 2 | {_ENV} về bảo vệ môi trường và {_WASTE}
O 3 | {_ENV} về bảo vệ môi trường; {_WASTE} và hồ sơ minh chứng về sử dụng bao gói thân thiện với
+ | môi trường
C e 1 | Sử dụng công nghệ theo hướng bền vững trong sản xuất
O 0 | Không sử dụng công nghệ theo hướng bền vững trong sản xuất
O 1 | Có áp dụng công nghệ theo hướng bền vững môi trường (công nghệ tiết kiệm nguyên liệu, nhiên
+ | liệu; hoạt động xử lý/tái chế chất thải; tận thu tái sử dụng, tái chế phụ phẩm nông
+ | nghiệp,...)
"""


def idea(verb: str, third: str, fourth: str, reason: str, note: str = "") -> str:
    """Criterion 2 a) "Nguồn gốc ý tưởng sản phẩm"; ``verb`` is "trồng" or "sản xuất"."""
    return f"""
C a 4 | Nguồn gốc ý tưởng sản phẩm
N | {note}
O 0 | Sản phẩm được {verb} phổ biến ở nhiều tỉnh, thành phố
O 1 | Sản phẩm được {verb} phổ biến ở nhiều tỉnh, thành phố nhưng có chất lượng nổi trội, khác biệt
+ | do {reason}
O 3 | Sản phẩm được {verb} ở nhiều nơi trên địa bàn, là sản phẩm đặc trưng của tỉnh, có chất lượng
+ | nổi trội{third}
O 4 *4 | Sản phẩm là đặc sản, truyền thống, chỉ sản xuất trên địa bàn của huyện, có chất lượng đặc
+ | sắc, thương mại gắn với chỉ dẫn nguồn gốc địa lý{fourth}
"""


def packaging(best: str = "sang trọng") -> str:
    """Criterion 2 b) "Đóng gói, bao bì sản phẩm"; the best box ends with ``best``."""
    return f"""
C b 3 | Đóng gói, bao bì sản phẩm
O 0 | Đóng gói theo hình thức thông thường, không có bao bì
O 1 | Đóng gói theo hình thức thông thường, bao bì đơn giản
O 2 | Đóng gói sáng tạo, bao bì đẹp
O 3 *5 | Đóng gói sáng tạo, tiện lợi, bao bì đẹp, {best}
"""


_LABEL = "Ghi nhãn hàng hóa đầy đủ, đúng quy định"
LABEL = f"""
C c 3 | Phong cách, ghi nhãn hàng hóa
N | Gồm: Hình ảnh, màu sắc, ghi nhãn sản phẩm...
O 1 | Có nhãn, ghi nhãn hàng hóa đầy đủ, theo đúng quy định
O 2 | {_LABEL}, thể hiện được thông điệp/câu chuyện sản phẩm
O 3 *4 | {_LABEL}, đẹp, thể hiện được thông điệp/câu chuyện sản phẩm; có truy xuất nguồn gốc điện tử
"""

_MARK = "Nhãn hiệu sử dụng trên sản phẩm của chủ thể được cấp giấy chứng nhận đăng ký"
_REP = "Đại diện pháp luật của chủ thể"
COMMUNITY = f"""
S 3 A 12 | Sức mạnh cộng đồng
C a 3 | Loại hình tổ chức sản xuất - kinh doanh
O 1 | Hộ gia đình có đăng ký kinh doanh, trang trại, tổ hợp tác (có giấy đăng ký kinh doanh của tổ
+ | trưởng), Công ty Trách nhiệm hữu hạn (TNHH) 1 thành viên, doanh nghiệp tư nhân (DNTN)
O 2 | Công ty TNHH hai thành viên trở lên, công ty cổ phần có vốn góp của cộng đồng địa phương < 51%
O 3 | HTX tổ chức, hoạt động theo Luật HTX 2012 hoặc công ty cổ phần có vốn góp của cộng đồng địa
+ | phương ≥ 51%
C b 1 | {_REP} là nữ/đồng bào dân tộc thiểu số
O 0 | {_REP} không phải nữ/đồng bào dân tộc thiểu số
O 1 | {_REP} là nữ/đồng bào dân tộc thiểu số
C c 3 | Sử dụng lao động địa phương
N | Dưới 50% lao động địa phương: không chọn phương án nào (0 điểm).
O 1 | Có sử dụng từ 50% đến 75% lao động là người trên địa bàn cấp huyện
O 3 | Có sử dụng ≥ 75% lao động là người trên địa bàn cấp huyện
C d 2 | Tăng trưởng sản xuất kinh doanh
O 1 | Hợp tác xã xếp loại trung bình, các loại hình khác có lợi nhuận tăng trưởng dương so với năm
+ | trước liền kề
O 2 *4 | Hợp tác xã xếp loại khá, các loại hình khác có 2 năm liên tiếp tăng trưởng dương về lợi
+ | nhuận
C đ 1 | Kế toán
O 0 | Không có hoạt động kế toán theo quy định
O 1 | Có tổ chức công tác kế toán theo quy định
C e 2 *4 | Sở hữu trí tuệ
N | Tiêu chí bắt buộc đạt đối với sản phẩm 4 sao (dấu bốn sao in ở tên tiêu chí).
O 1 | {_MARK}
O 2 | {_MARK}; và sản phẩm có sử dụng dấu hiệu chỉ dẫn nguồn gốc địa lý gắn với cộng đồng địa phương
+ | (đối với những sản phẩm đã được bảo hộ chỉ dẫn địa lý, nhãn hiệu chứng nhận, nhãn hiệu tập thể
+ | thì bắt buộc phải sử dụng)
"""

_PROMO = "Có nhiều hoạt động quảng bá, có website của cơ sở/quảng bá trên mạng xã hội"
MARKETING = f"""
S 4 B 13 | Tiếp thị
C a 5 | Khu vực phân phối chính
O 1 | Thị trường trong huyện
O 2 | Thị trường ngoài huyện, có dưới 5 đại diện/đại lý phân phối
O 3 | Thị trường ngoài huyện, có ≥ 5 đại diện/đại lý phân phối
O 5 | Thị trường quốc tế (có hợp đồng); hoặc phân phối tại các kênh thương mại hiện đại: siêu thị,
+ | thương mại điện tử,... (có hợp đồng và vận hành ổn định ít nhất 6 tháng)
C b 4 | Tổ chức phân phối
N | Gồm: Tổ chức kinh doanh, phân phối sản phẩm.
O 0 | Không có người chịu trách nhiệm quản lý phân phối
O 1 | Có người chịu trách nhiệm quản lý phân phối
O 3 | Có bộ phận/phòng quản lý phân phối
O 4 | Có bộ phận/phòng quản lý phân phối, có ứng dụng công nghệ thông tin trong quản lý
C c 4 | Quảng bá sản phẩm
O 0 | Không có hoạt động quảng bá
O 1 | Có một số hoạt động quảng bá
O 2 | {_PROMO}, có tham gia hoạt động xúc tiến thương mại trong tỉnh
O 3 | {_PROMO}, có tham gia hoạt động xúc tiến thương mại ngoài tỉnh
O 4 | {_PROMO} hoạt động thường xuyên, có tham gia hoạt động xúc tiến thương mại ngoài tỉnh và quốc
+ | tế
"""

_STORY = "Có câu chuyện được tư liệu hóa"
STORY = f"""
S 5 B 12 | Câu chuyện về sản phẩm
C a 5 | Câu chuyện về sản phẩm
O 0 | Không có câu chuyện, hoặc có nhưng không được tư liệu hóa
O 1 | Có tài liệu giới thiệu về sản phẩm
O 2 | {_STORY} (có cốt chuyện, nội dung cụ thể)
O 3 | {_STORY}, trình bày trên nhãn/tờ rơi
O 4 | {_STORY}, trình bày trên nhãn/tờ rơi và website
O 5 | {_STORY}, trình bày trên nhãn/tờ rơi, website (dưới dạng hình ảnh, clip,...)
C b 5 | Trí tuệ/bản sắc địa phương
N | Chỉ áp dụng khi có câu chuyện, đánh giá nội dung câu chuyện.
O 0 | Giống với câu chuyện sản phẩm ở nơi khác
O 1 | Tương đối giống câu chuyện sản phẩm ở nơi khác, có thay đổi một số yếu tố
O 3 *3 | Có câu chuyện riêng, gắn với nguồn gốc xuất xứ
O 5 *4 | Có câu chuyện sản phẩm đặc sắc, mang sắc thái truyền thống, văn hóa và trí tuệ/bản sắc địa
+ | phương
C c 2 | Cấu trúc câu chuyện
N | Chỉ áp dụng khi có câu chuyện.
O 0 | Đơn giản
O 1 | Có đầy đủ các yếu tố của câu chuyện sản phẩm
O 2 *5 | Ngắn gọn, súc tích và có các thông điệp đặc sắc về sản phẩm/văn hóa/trí tuệ/bản sắc địa
+ | phương
"""
