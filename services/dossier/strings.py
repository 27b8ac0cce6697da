"""The dossier module's sentences, ``key -> (Vietnamese, English)``."""

from __future__ import annotations

from cabin.i18n import add_strings

STRINGS = {
    "dossier.title": ("Nộp hồ sơ hành chính", "File an administrative dossier"),
    "dossier.choose": ("Bạn muốn làm thủ tục nào?", "Which procedure do you need?"),
    "dossier.proc.temporary_residence": ("Đăng ký tạm trú", "Temporary residence registration"),
    "dossier.proc.criminal_record": ("Phiếu lý lịch tư pháp", "Criminal record certificate"),
    "dossier.proc.birth_bundle": (
        "Khai sinh, thường trú và thẻ BHYT cho con",
        "Birth, residence and health card for a baby",
    ),
    "dossier.need_card": (
        "Hãy quét thẻ căn cước (CCCD) trước: thông tin trên thẻ sẽ được điền sẵn.",
        "Please scan your citizen ID card first: its details will be filled in.",
    ),
    "dossier.scan_card": ("Quét thẻ CCCD", "Scan my ID card"),
    "dossier.form_title": ("Kiểm tra thông tin", "Check your details"),
    "dossier.form_say": (
        "Thông tin trên thẻ đã được điền sẵn. Hãy kiểm tra, sửa chỗ đã thay đổi, rồi bấm Tiếp tục.",
        "Your card's details are filled in. Check them, correct what changed, then press Next.",
    ),
    "dossier.next": ("Tiếp tục", "Next"),
    "dossier.keyboard_done": ("Xong", "Done"),
    "dossier.fix": (
        "Có chỗ cần sửa, hãy xem dòng chữ đỏ.",
        "Something needs fixing: see the red line.",
    ),
    "dossier.field.full_name": ("Họ và tên", "Full name"),
    "dossier.field.birth_date": ("Ngày sinh (ngày/tháng/năm)", "Date of birth (dd/mm/yyyy)"),
    "dossier.field.cccd": ("Số CCCD", "ID card number"),
    "dossier.field.phone": ("Số điện thoại", "Phone number"),
    "dossier.field.current_address": ("Nơi thường trú", "Permanent address"),
    "dossier.field.new_address": ("Địa chỉ đăng ký tạm trú", "Temporary residence address"),
    "dossier.field.host_name": ("Chủ hộ hoặc chủ nhà", "Householder or owner"),
    "dossier.field.months": ("Thời hạn tạm trú (tháng)", "Length of stay (months)"),
    "dossier.field.purpose": ("Mục đích xin phiếu", "Purpose of the certificate"),
    "dossier.field.copies": ("Số bản cần cấp", "Number of copies"),
    "dossier.field.child_name": ("Họ và tên của con", "Child's full name"),
    "dossier.field.child_birth_date": ("Ngày sinh của con", "Child's date of birth"),
    "dossier.field.birth_place": ("Nơi sinh của con", "Child's place of birth"),
    "dossier.err.required": ("Xin hãy điền mục này.", "Please fill this in."),
    "dossier.err.name": (
        "Họ tên phải có ít nhất hai chữ và không có chữ số.",
        "A name needs at least two words and no digits.",
    ),
    "dossier.err.date": (
        "Ngày chưa đúng. Hãy viết ngày/tháng/năm, ví dụ 05/03/1950.",
        "Not a date. Write day/month/year, e.g. 05/03/1950.",
    ),
    "dossier.err.date_future": ("Ngày này chưa tới.", "That day has not come yet."),
    "dossier.err.date_old": ("Năm này quá xa, hãy xem lại.", "That year is too long ago."),
    "dossier.err.phone": (
        "Số điện thoại di động gồm 10 chữ số, bắt đầu bằng 03, 05, 07, 08 hoặc 09.",
        "A mobile number has 10 digits and starts with 03, 05, 07, 08 or 09.",
    ),
    "dossier.err.cccd": ("Số CCCD phải đủ 12 chữ số.", "An ID number has exactly 12 digits."),
    "dossier.err.cccd_province": (
        "Số CCCD này không đúng: ba số đầu không phải mã tỉnh nào.",
        "This ID number is wrong: its first three digits are no province.",
    ),
    "dossier.err.number": (
        "Hãy nhập một số từ {low} đến {high}.",
        "Enter a number from {low} to {high}.",
    ),
    "dossier.err.short": (
        "Mục này quá ngắn, hãy viết đầy đủ.",
        "Too short: please write it in full.",
    ),
    "dossier.doc.accommodation": (
        "Giấy tờ chứng minh chỗ ở hợp pháp (hợp đồng thuê nhà, sổ đỏ...)",
        "Proof of lawful accommodation (lease, title deed...)",
    ),
    "dossier.doc.birth_certificate": ("Giấy chứng sinh của con", "The baby's birth certificate"),
    "dossier.scan_title": ("Chụp giấy tờ", "Photograph the documents"),
    "dossier.scan_say": (
        "Đặt giấy tờ lên kệ dưới camera, rồi bấm Chụp. {document}",
        "Put the document on the shelf under the camera, then press Capture. {document}",
    ),
    "dossier.shoot": ("Chụp", "Capture"),
    "dossier.retake": ("Chụp lại", "Retake"),
    "dossier.no_page": (
        "Không thấy trang giấy. Hãy đặt cả tờ giấy nằm gọn trong khung rồi chụp lại.",
        "No page found. Lay the whole sheet inside the frame and capture again.",
    ),
    "dossier.page_ok": (
        "Đã chụp {count} trang. Chữ đã rõ chưa?",
        "{count} page(s) captured. Is it readable?",
    ),
    "dossier.confirm_title": ("Xác nhận và ký", "Confirm and sign"),
    "dossier.confirm_say": (
        "Hãy ký tên vào ô dưới đây, rồi bấm Tôi xác nhận để gửi hồ sơ.",
        "Sign in the box below, then press I confirm to send the dossier.",
    ),
    "dossier.confirm_text": (
        "Tôi cam đoan những thông tin trên là đúng sự thật.",
        "I declare that the information above is true.",
    ),
    "dossier.clear_signature": ("Ký lại", "Sign again"),
    "dossier.confirm": ("Tôi xác nhận", "I confirm"),
    "dossier.sign_first": ("Xin hãy ký tên vào ô trước.", "Please sign in the box first."),
    "dossier.sending": (
        "Đang gửi hồ sơ, xin chờ một chút...",
        "Sending your dossier, please wait...",
    ),
    "dossier.unavailable": (
        "Cổng dịch vụ công chưa trả lời. Thông tin của bạn vẫn được giữ nguyên, hãy bấm gửi lại.",
        "The public-service portal did not answer. Your details are kept: press send again.",
    ),
    "dossier.rejected": (
        "Cổng dịch vụ công không nhận hồ sơ này. Xin hỏi cán bộ tại quầy.",
        "The portal refused this dossier. Please ask at the counter.",
    ),
    "dossier.fee_title": ("Lệ phí", "Fee"),
    "dossier.fee_say": (
        "Lệ phí là {amount} đồng. Hãy dùng ứng dụng ngân hàng quét mã QR để trả.",
        "The fee is {amount} dong. Scan the QR code with your banking app to pay.",
    ),
    "dossier.fee_later": (
        "Lệ phí là {amount} đồng. Bạn sẽ trả khi cơ quan yêu cầu"
        " (trạng thái Yêu cầu thực hiện nghĩa vụ tài chính).",
        "The fee is {amount} dong, to pay when the agency asks for it.",
    ),
    "dossier.fee_waiting": ("Đang chờ ngân hàng xác nhận...", "Waiting for the bank..."),
    "dossier.fee_failed": (
        "Chưa trả được lệ phí. Hồ sơ vẫn được giữ, bạn có thể trả sau.",
        "The fee was not paid. The dossier is kept: you can pay later.",
    ),
    "dossier.fee.birth_free": (
        "Miễn phí: đăng ký khai sinh đúng hạn.",
        "Free: birth registered on time.",
    ),
    "dossier.fee.exempt_age": (
        "Miễn phí: trẻ em hoặc người cao tuổi.",
        "Free: a child or an elderly person.",
    ),
    "dossier.fee.exempt": ("Miễn phí theo đối tượng chính sách.", "Free for your category."),
    "dossier.fee.residence": (
        "Lệ phí đăng ký cư trú nộp trực tuyến.",
        "Online residence registration fee.",
    ),
    "dossier.fee.reduced": (
        "Giảm 50%: sinh viên, người có công, thân nhân liệt sĩ.",
        "Half price: student or meritorious.",
    ),
    "dossier.fee.record": ("Phí cấp phiếu lý lịch tư pháp.", "Criminal record certificate fee."),
    "dossier.done_title": ("Đã nộp hồ sơ", "Dossier filed"),
    "dossier.done_say": (
        "Hồ sơ đã được gửi. Mã hồ sơ của bạn là {code}. Hãy in hoặc ghi lại mã này để tra cứu.",
        "Your dossier is filed. Its code is {code}. Print or note it to follow it.",
    ),
    "dossier.print": ("In mã hồ sơ", "Print the code"),
    "dossier.printed": ("Đã in, xin mời lấy phiếu.", "Printed: please take the slip."),
    "dossier.no_printer": (
        "Máy in chưa sẵn sàng, xin ghi lại mã.",
        "No printer: please note the code.",
    ),
    "dossier.finish": ("Xong", "Done"),
    "dossier.category": ("Bạn thuộc đối tượng nào? (nếu có)", "Do any of these apply? (optional)"),
    "dossier.cat.student": ("Sinh viên", "Student"),
    "dossier.cat.meritorious": ("Người có công", "Meritorious service"),
    "dossier.cat.martyr_relative": ("Thân nhân liệt sĩ", "Martyr's relative"),
    "dossier.cat.disabled": ("Người khuyết tật", "Disabled"),
    "dossier.cat.poor_household": ("Hộ nghèo", "Poor household"),
    "dossier.cat.difficult_commune": ("Xã đặc biệt khó khăn", "Especially difficult commune"),
}

add_strings(STRINGS)
