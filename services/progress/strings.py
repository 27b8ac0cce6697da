"""The progress look-up's sentences, ``key -> (Vietnamese, English)``."""

from __future__ import annotations

from cabin.i18n import add_strings

# The state names are the national portal's (the dossier status table, 1 to 10).
STRINGS = {
    "progress.title": ("Tra cứu hồ sơ", "Follow a dossier"),
    "progress.say": (
        "Nhập mã hồ sơ rồi bấm Tra cứu, hoặc quét thẻ căn cước để xem mọi hồ sơ của bạn.",
        "Type the dossier code and press Look up, or scan your ID card to see all your dossiers.",
    ),
    "progress.code": ("Mã hồ sơ", "Dossier code"),
    "progress.lookup": ("Tra cứu", "Look up"),
    "progress.mine": ("Hồ sơ của tôi (thẻ CCCD)", "My dossiers (ID card)"),
    "progress.looking": ("Đang tra cứu, xin chờ...", "Looking it up, please wait..."),
    "progress.bad_code": (
        "Mã hồ sơ chưa đúng. Mã có dạng 000.00.00.H00-YYMMDD-0000, in trên phiếu hẹn.",
        "That is not a dossier code. It looks like 000.00.00.H00-YYMMDD-0000, on your slip.",
    ),
    "progress.not_found": (
        "Không tìm thấy hồ sơ nào với mã này. Hãy xem lại từng chữ số.",
        "No dossier has this code. Please check each digit.",
    ),
    "progress.none": ("Bạn chưa có hồ sơ nào.", "You have no dossiers yet."),
    "progress.need_card": (
        "Hãy quét thẻ căn cước vào đầu đọc để xem hồ sơ của bạn.",
        "Scan your ID card on the reader to see your dossiers.",
    ),
    "progress.unavailable": (
        "Cổng dịch vụ công chưa trả lời. Mã bạn nhập vẫn còn, hãy bấm Tra cứu lần nữa.",
        "The portal did not answer. Your code is kept: press Look up again.",
    ),
    "progress.found": ("Tìm thấy {count} hồ sơ.", "{count} dossier(s) found."),
    "progress.now": ("Trạng thái: {state}", "State: {state}"),
    "progress.next_label": ("Việc cần làm: {next}", "What to do: {next}"),
    "progress.history": ("Lịch sử:", "History:"),
    "progress.state.1": ("Mới đăng ký", "Newly registered"),
    "progress.state.2": ("Được tiếp nhận", "Accepted"),
    "progress.state.3": ("Không được tiếp nhận", "Not accepted"),
    "progress.state.4": ("Đang xử lý", "Being processed"),
    "progress.state.5": ("Yêu cầu bổ sung giấy tờ", "More documents needed"),
    "progress.state.6": ("Yêu cầu thực hiện nghĩa vụ tài chính", "Fee due"),
    "progress.state.7": ("Công dân yêu cầu rút hồ sơ", "Withdrawn at your request"),
    "progress.state.8": ("Dừng xử lý", "Processing stopped"),
    "progress.state.9": ("Đã xử lý xong", "Done, result ready"),
    "progress.state.10": ("Đã trả kết quả", "Result handed over"),
    "progress.next.1": (
        "Chờ cơ quan tiếp nhận hồ sơ, thường trong một ngày làm việc.",
        "Wait for the agency to accept it, usually within a working day.",
    ),
    "progress.next.2": ("Hồ sơ đã được nhận. Bạn chưa cần làm gì.", "Accepted. Nothing to do yet."),
    "progress.next.3": (
        "Hồ sơ không được nhận. Xin hỏi cán bộ tại quầy lý do rồi nộp lại.",
        "Not accepted. Ask at the counter why, then file again.",
    ),
    "progress.next.4": (
        "Hồ sơ đang được xử lý. Bạn chưa cần làm gì.",
        "Being processed. Nothing to do yet.",
    ),
    "progress.next.5": (
        "Cơ quan cần thêm giấy tờ. Hãy mang giấy tờ đến trạm để chụp bổ sung, hoặc đến quầy.",
        "More documents are needed. Bring them to the station to photograph, or to the counter.",
    ),
    "progress.next.6": (
        "Cần nộp lệ phí. Bạn có thể trả bằng mã QR ngay tại trạm.",
        "A fee is due. You can pay it by QR code at the station.",
    ),
    "progress.next.7": (
        "Hồ sơ đã được rút, không cần làm gì thêm.",
        "Withdrawn: nothing more to do.",
    ),
    "progress.next.8": (
        "Hồ sơ đã dừng xử lý. Xin hỏi cán bộ tại quầy.",
        "Processing stopped. Please ask at the counter.",
    ),
    "progress.next.9": (
        "Đã có kết quả. Mang thẻ căn cước đến nơi nhận kết quả.",
        "The result is ready. Bring your ID card to collect it.",
    ),
    "progress.next.10": (
        "Đã nhận kết quả, hồ sơ đã xong.",
        "Result collected: the dossier is complete.",
    ),
}

add_strings(STRINGS)
