"""The insurance screen's sentences (Vietnamese, English)."""

from __future__ import annotations

from cabin.i18n import add_strings

__all__: list[str] = []

add_strings(
    {
        "insurance.tile": ("Bảo hiểm y tế, xã hội", "Health and social insurance"),
        "insurance.title.menu": ("Bảo hiểm y tế và bảo hiểm xã hội", "Health and social insurance"),
        "insurance.title.identify": ("Thẻ BHYT hoặc mã số BHXH", "Health card or BHXH number"),
        "insurance.title.enrol": ("Mua, gia hạn BHYT hộ gia đình", "Household health insurance"),
        "insurance.title.enrolled": ("Đã đăng ký BHYT", "Health insurance registered"),
        "insurance.title.history": ("Quá trình đóng BHXH", "Social insurance contributions"),
        "insurance.enrol": ("Mua, gia hạn BHYT hộ gia đình", "Buy or renew household BHYT"),
        "insurance.history": ("Tra cứu quá trình đóng BHXH", "Look up BHXH contributions"),
        "insurance.identify_hint": (
            "Quét mã QR trên thẻ BHYT, hoặc gõ mã số BHXH hay mã thẻ BHYT.",
            "Scan the health card's QR, or type the BHXH number or the card code.",
        ),
        "insurance.member": ("Người được bảo hiểm: {name}", "Insured person: {name}"),
        "insurance.card": (
            "Mã thẻ: {code}, hạn đến {valid_to}",
            "Card: {code}, valid to {valid_to}",
        ),
        "insurance.no_card": ("Chưa có thẻ BHYT: đăng ký mới.", "No health card yet: a new one."),
        "insurance.order": ("Người thứ mấy trong hộ?", "Which member of the household?"),
        "insurance.months": ("Mua mấy tháng?", "How many months?"),
        "insurance.months_n": ("{months} tháng", "{months} months"),
        "insurance.amount": ("Số tiền phải đóng: {amount} đồng", "Amount due: {amount} VND"),
        "insurance.submit": ("Đăng ký", "Register"),
        "insurance.sending": ("Đang gửi...", "Sending..."),
        "insurance.reference": ("Mã hồ sơ: {reference}", "Reference: {reference}"),
        "insurance.valid": (
            "Thẻ có giá trị từ {start} đến {end}.",
            "The card is valid from {start} to {end}.",
        ),
        "insurance.pay_hint": (
            "Xin nộp {amount} đồng ở mục Thanh toán hóa đơn, hoặc tại đại lý thu BHXH.",
            "Please pay {amount} VND in Bills and fees, or at a BHXH collection agent.",
        ),
        "insurance.period": (
            "Tháng {month}: {employer}, {amount} đồng",
            "{month}: {employer}, {amount} VND",
        ),
        "insurance.no_periods": ("Chưa có tháng đóng nào.", "No contributions yet."),
        "insurance.home": ("Về trang chính", "Home"),
        "insurance.error.bhxh": (
            "Mã số BHXH có đúng 10 chữ số. Xin kiểm tra và gõ lại.",
            "A BHXH number has exactly 10 digits. Please check and type it again.",
        ),
        "insurance.error.code_length": (
            "Mã thẻ BHYT có 15 ký tự: 2 chữ cái rồi 13 chữ số. Xin kiểm tra và gõ lại.",
            "A health card code has 15 characters: 2 letters, then 13 digits. Please check.",
        ),
        "insurance.error.code_group": (
            "Hai chữ cái đầu của mã thẻ BHYT chưa đúng (ví dụ GD, HT, HS). Xin kiểm tra lại.",
            "The card code's first two letters are not right (e.g. GD, HT, HS). Please check.",
        ),
        "insurance.error.code_level": (
            "Chữ số thứ ba của mã thẻ BHYT (mức hưởng) phải từ 1 đến 5. Xin kiểm tra lại.",
            "The card code's third character (benefit level) must be 1 to 5. Please check.",
        ),
        "insurance.error.code_province": (
            "Mã tỉnh trong mã thẻ BHYT chưa đúng. Xin kiểm tra lại.",
            "The province in the card code is not right. Please check.",
        ),
        "insurance.error.code_bhxh": (
            "10 số cuối của mã thẻ BHYT chưa đúng. Xin kiểm tra lại.",
            "The card code's last 10 digits are not right. Please check.",
        ),
        "insurance.error.qr_format": (
            "Đây không phải mã QR của thẻ BHYT. Xin quét mã trên thẻ BHYT hoặc gõ mã số.",
            "This is not a health card's QR. Please scan the health card or type the number.",
        ),
        "insurance.error.qr_field": (
            "Mã QR trên thẻ đọc bị lỗi. Xin quét lại hoặc gõ mã số.",
            "The card's QR did not read well. Please scan again or type the number.",
        ),
        "insurance.error.qr_date": (
            "Ngày tháng trên thẻ đọc bị lỗi. Xin quét lại hoặc gõ mã số.",
            "The dates on the card did not read well. Please scan again or type the number.",
        ),
        "insurance.error.qr_sex": (
            "Mã QR trên thẻ đọc bị lỗi. Xin quét lại hoặc gõ mã số.",
            "The card's QR did not read well. Please scan again or type the number.",
        ),
        "insurance.error.not_found": (
            "Không tìm thấy người có mã số này. Xin kiểm tra lại mã số.",
            "Nobody has this number. Please check the number.",
        ),
        "insurance.error.unavailable": (
            "Chưa kết nối được với BHXH (hệ thống bận hoặc mất mạng). Thông tin đã nhập "
            "vẫn được giữ nguyên. Xin thử lại sau ít phút.",
            "Could not reach social security: busy or no network. What you entered is kept. "
            "Please try again in a few minutes.",
        ),
        "insurance.error.rejected": (
            "Cơ quan BHXH chưa nhận đăng ký này. Xin hỏi cán bộ tại trạm.",
            "Social security did not accept this. Please ask the station's staff.",
        ),
    }
)
