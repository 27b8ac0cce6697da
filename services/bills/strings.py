"""The bills module's sentences, Vietnamese first (kept beside its code)."""

from __future__ import annotations

from cabin.i18n import add_strings

__all__ = ["STRINGS", "register"]

STRINGS: dict[str, tuple[str, str]] = {
    "bills.title": ("Hóa đơn và lệ phí", "Bills and fees"),
    # choosing the bill
    "bills.kind.heading": ("Bạn muốn trả hóa đơn nào?", "Which bill do you want to pay?"),
    "bills.kind.say": (
        "Bạn muốn trả hóa đơn nào? Chạm vào một nút.",
        "Which bill do you want to pay? Touch a button.",
    ),
    "bills.kind.electricity": ("Tiền điện", "Electricity"),
    "bills.kind.water": ("Tiền nước", "Water"),
    "bills.kind.internet": ("Internet, điện thoại", "Internet, phone"),
    "bills.kind.tuition": ("Học phí", "Tuition"),
    "bills.kind.apartment": ("Phí quản lý chung cư", "Apartment management fee"),
    # the customer code
    "bills.code.heading": ("Nhập mã khách hàng", "Type the customer code"),
    "bills.code.hint": (
        "Mã in trên hóa đơn {kind}, ví dụ {example}",
        "The code printed on the {kind} bill, e.g. {example}",
    ),
    "bills.code.say": (
        "Hãy nhập mã khách hàng in trên hóa đơn, rồi chạm Tra cứu.",
        "Type the customer code printed on the bill, then touch Look up.",
    ),
    "bills.code.lookup": ("Tra cứu", "Look up"),
    "bills.code.delete": ("Xóa", "Delete"),
    "bills.code.empty": ("Bạn chưa nhập mã khách hàng.", "You have not typed the customer code."),
    "bills.code.evn_chars": (
        "Mã khách hàng tiền điện chỉ gồm chữ và số.",
        "An electricity customer code has only letters and digits.",
    ),
    "bills.code.evn_start": (
        "Mã khách hàng tiền điện bắt đầu bằng chữ P.",
        "An electricity customer code starts with the letter P.",
    ),
    "bills.code.evn_corporation": (
        "Chữ thứ hai phải là A, B, C, D hoặc E (PE là TP. Hồ Chí Minh).",
        "The second letter must be A, B, C, D or E (PE is Ho Chi Minh City).",
    ),
    "bills.code.evn_length": (
        "Mã khách hàng tiền điện có đúng 13 ký tự; bạn đã nhập {count}.",
        "An electricity customer code has exactly 13 characters; you typed {count}.",
    ),
    "bills.code.other_bad": (
        "Mã khách hàng gồm 4 đến 20 chữ, số hoặc dấu gạch ngang.",
        "A customer code has 4 to 20 letters, digits or dashes.",
    ),
    "bills.code.not_found": (
        "Không tìm thấy khách hàng có mã này. Xin kiểm tra lại mã trên hóa đơn.",
        "No customer has this code. Please check the code on the bill.",
    ),
    "bills.code.unavailable": (
        "Chưa liên lạc được với nhà cung cấp. Xin thử lại sau ít phút.",
        "The provider cannot be reached. Please try again in a few minutes.",
    ),
    "bills.code.looking": ("Đang tra cứu…", "Looking up…"),
    # the debt
    "bills.debt.heading": ("Số tiền cần trả", "Amount due"),
    "bills.debt.say": (
        "Đây là số tiền cần trả. Nếu đúng, chạm Thanh toán.",
        "This is the amount due. If it is right, touch Pay.",
    ),
    "bills.debt.customer": ("Khách hàng: {holder}", "Customer: {holder}"),
    "bills.debt.code": ("Mã khách hàng: {code}", "Customer code: {code}"),
    "bills.debt.period": ("Kỳ {period}: {amount}", "Period {period}: {amount}"),
    "bills.debt.total": ("Tổng cộng: {amount}", "Total: {amount}"),
    "bills.debt.none": (
        "Mã này không còn nợ. Bạn không cần trả gì.",
        "Nothing is due on this code. You have nothing to pay.",
    ),
    "bills.debt.pay": ("Thanh toán", "Pay"),
    "bills.debt.opening": ("Đang tạo mã thanh toán…", "Making the payment code…"),
    "bills.debt.bank_down": (
        "Chưa tạo được mã thanh toán; không có khoản tiền nào bị trừ. Xin thử lại.",
        "The payment code could not be made; nothing was charged. Please try again.",
    ),
    # the QR
    "bills.qr.heading": ("Quét mã để thanh toán", "Scan the code to pay"),
    "bills.qr.say": (
        "Mở ứng dụng ngân hàng trên điện thoại, quét mã trên màn hình để trả {amount}.",
        "Open your banking app and scan the code on the screen to pay {amount}.",
    ),
    "bills.qr.how": (
        "Mở ứng dụng ngân hàng trên điện thoại và quét mã bên trái.",
        "Open the banking app on your phone and scan the code on the left.",
    ),
    "bills.qr.amount": ("Số tiền: {amount}", "Amount: {amount}"),
    "bills.qr.words": ("Bằng chữ: {words}", "In words: {words}"),
    "bills.qr.purpose": ("Nội dung: {purpose}", "Purpose: {purpose}"),
    "bills.qr.waiting": ("Đang chờ ngân hàng xác nhận…", "Waiting for the bank to confirm…"),
    "bills.qr.cancel": ("Hủy", "Cancel"),
    # paid
    "bills.paid.heading": ("Đã thanh toán", "Paid"),
    "bills.paid.say": (
        "Đã thanh toán {amount}. Bạn nhận biên lai ở khe máy in.",
        "{amount} paid. Take your receipt from the printer slot.",
    ),
    "bills.paid.clearing": (
        "Ngân hàng đã nhận tiền. Đang gạch nợ với nhà cung cấp…",
        "The bank has the money. Settling with the provider…",
    ),
    "bills.paid.cleared": (
        "Hóa đơn đã được gạch nợ. Mã giao dịch: {reference}",
        "The bill is settled. Transaction: {reference}",
    ),
    "bills.paid.refunded": (
        "Nhà cung cấp chưa nhận được thanh toán, nên tiền đã được hoàn lại vào tài khoản của bạn.",
        "The provider could not take the payment, so the money went back to your account.",
    ),
    "bills.paid.refunded_say": (
        "Nhà cung cấp chưa nhận được thanh toán. Tiền đã được hoàn lại vào tài khoản của bạn.",
        "The provider could not take the payment. The money went back to your account.",
    ),
    "bills.paid.printed": ("Đã in biên lai.", "The receipt is printed."),
    "bills.paid.print_failed": (
        "Không in được biên lai; bạn có thể chụp mã QR biên lai.",
        "The receipt could not be printed; you can photograph its QR code.",
    ),
    "bills.paid.qr_hint": ("Mã QR biên lai", "The receipt's QR code"),
    "bills.paid.done": ("Xong", "Done"),
    # the receipt
    "bills.receipt.title": ("BIÊN LAI THANH TOÁN", "PAYMENT RECEIPT"),
    "bills.receipt.kind": ("Loại", "Kind"),
    "bills.receipt.code": ("Mã khách hàng", "Customer code"),
    "bills.receipt.amount": ("Số tiền", "Amount"),
    "bills.receipt.reference": ("Mã giao dịch", "Transaction"),
    "bills.receipt.biller": ("Mã gạch nợ", "Settlement"),
    "bills.receipt.footer": (
        "Giữ biên lai này đến khi nhận hóa đơn kỳ sau.",
        "Keep this receipt until the next bill arrives.",
    ),
}


def register() -> None:
    """Add the sentences to the catalogue (idempotent)."""
    add_strings(STRINGS)
