"""The report screen's sentences (Vietnamese, English)."""

from __future__ import annotations

from cabin.i18n import add_strings

__all__: list[str] = []

add_strings(
    {
        "report.tile": ("Phản ánh an ninh trật tự", "Report a public-order problem"),
        "report.title.category": (
            "Ông/bà muốn phản ánh việc gì?",
            "What would you like to report?",
        ),
        "report.title.describe": (
            "Xin kể ngắn gọn chuyện gì đang xảy ra, ở đâu:",
            "Please say briefly what is happening, and where:",
        ),
        "report.title.photos": (
            "Chụp ảnh nếu cần (tối đa 3 ảnh)",
            "Take photos if useful (3 at most)",
        ),
        "report.title.who": ("Ông/bà có muốn ghi tên không?", "Would you like to give your name?"),
        "report.title.card": ("Xin quét mã QR trên thẻ căn cước", "Please scan your ID card's QR"),
        "report.title.phone": (
            "Số điện thoại để công an gọi lại (nếu muốn)",
            "A phone number for the police to call back (optional)",
        ),
        "report.title.review": ("Xin xem lại trước khi gửi", "Please check before sending"),
        "report.title.done": ("Đã gửi phản ánh", "Your report was sent"),
        "report.title.lookup": ("Tra cứu trả lời phản ánh", "Look up the answer to a report"),
        "report.category.noise": ("Tiếng ồn", "Noise"),
        "report.category.fighting": ("Đánh nhau, gây rối", "Fighting, disturbance"),
        "report.category.theft": ("Trộm cắp", "Theft"),
        "report.category.parking": ("Đỗ xe sai chỗ", "Illegal parking"),
        "report.category.fire_risk": ("Nguy cơ cháy nổ", "Fire risk"),
        "report.category.other": ("Việc khác", "Something else"),
        "report.lookup": ("Tra cứu trả lời", "Look up an answer"),
        "report.take_photo": ("Chụp ảnh", "Take a photo"),
        "report.remove_photo": ("Xóa ảnh cuối", "Remove last photo"),
        "report.no_camera": (
            "Trạm này không có camera. Xin bấm Tiếp tục.",
            "This station has no camera. Please tap Continue.",
        ),
        "report.photo_count": ("Đã chụp {count}/3 ảnh.", "{count} of 3 photos taken."),
        "report.anonymous": ("Gửi ẩn danh", "Send anonymously"),
        "report.named": ("Gửi kèm tên tôi", "Send with my name"),
        "report.who_hint": (
            "Nếu gửi kèm tên, trạm đọc họ tên và số căn cước từ thẻ của ông/bà, "
            "không cần gõ. Gửi ẩn danh thì công an không biết ai gửi.",
            "With your name, the station reads your name and ID number from your card: "
            "nothing to type. Anonymously, the police do not know who sent it.",
        ),
        "report.card_hint": (
            "Đưa mã QR trên thẻ căn cước vào máy quét dưới màn hình.",
            "Hold the QR code of your ID card to the reader under the screen.",
        ),
        "report.card_read": (
            "Họ tên: {name}\nSố căn cước: {number}\nÔng/bà đồng ý gửi họ tên và số căn cước "
            "này cho công an phường?",
            "Name: {name}\nID number: {number}\nDo you agree to send this name and ID number "
            "to the ward police?",
        ),
        "report.agree": ("Đồng ý", "I agree"),
        "report.skip": ("Bỏ qua", "Skip"),
        "report.send": ("Gửi phản ánh", "Send the report"),
        "report.sending": ("Đang gửi...", "Sending..."),
        "report.review.category": ("Việc phản ánh: {category}", "Report: {category}"),
        "report.review.text": ("Nội dung: {text}", "What happened: {text}"),
        "report.review.photos": ("Số ảnh: {count}", "Photos: {count}"),
        "report.review.where": ("Nơi phản ánh: {station}", "Location: {station}"),
        "report.review.anonymous": ("Người gửi: ẩn danh", "Sender: anonymous"),
        "report.review.named": ("Người gửi: {name}", "Sender: {name}"),
        "report.review.phone": ("Số điện thoại: {phone}", "Phone: {phone}"),
        "report.code": ("Mã theo dõi: {code}", "Tracking code: {code}"),
        "report.code_hint": (
            "Xin ghi lại mã này. Ông/bà dùng mã để xem câu trả lời của công an phường.",
            "Please write this code down. Use it to read the ward police's answer.",
        ),
        "report.code_say": (
            "Mã theo dõi của ông/bà là {digits}.",
            "Your tracking code is {digits}.",
        ),
        "report.lookup_hint": (
            "Gõ 8 chữ số của mã theo dõi, rồi bấm Tra cứu.",
            "Type the 8 digits of the tracking code, then tap Look up.",
        ),
        "report.search": ("Tra cứu", "Look up"),
        "report.status.received": (
            "Công an phường đã nhận phản ánh, chưa có trả lời.",
            "The ward police received the report; no answer yet.",
        ),
        "report.status.in_progress": ("Công an phường đang xử lý.", "The ward police are on it."),
        "report.status.resolved": (
            "Công an phường đã xử lý xong.",
            "The ward police have dealt with it.",
        ),
        "report.answer": ("Trả lời: {answer}", "Answer: {answer}"),
        "report.home": ("Về trang chính", "Home"),
        "report.error.description_short": (
            "Xin viết rõ hơn một chút: ít nhất 10 chữ cái.",
            "Please write a little more: at least 10 letters.",
        ),
        "report.error.description_long": (
            "Nội dung dài quá. Xin viết ngắn hơn (tối đa 1000 chữ).",
            "That is too long. Please keep it under 1000 letters.",
        ),
        "report.error.phone": (
            "Số điện thoại chưa đúng. Số di động có 10 chữ số, bắt đầu bằng 03, 05, 07, 08 "
            "hoặc 09. Xin gõ lại.",
            "The phone number is not right. A mobile has 10 digits starting 03, 05, 07, 08 "
            "or 09. Please type it again.",
        ),
        "report.error.code": (
            "Mã theo dõi có 8 chữ số. Xin kiểm tra và gõ lại.",
            "A tracking code has 8 digits. Please check and type it again.",
        ),
        "report.error.not_found": (
            "Không tìm thấy phản ánh có mã này. Xin kiểm tra lại mã.",
            "No report has this code. Please check the code.",
        ),
        "report.error.unavailable": (
            "Chưa gửi được: hệ thống của công an phường đang bận hoặc mất mạng. Nội dung của "
            "ông/bà vẫn được giữ nguyên. Xin bấm thử lại sau ít phút.",
            "Not sent: the ward police's system is busy or the network is down. Your report "
            "is kept as it is. Please try again in a few minutes.",
        ),
        "report.error.lookup_unavailable": (
            "Chưa tra cứu được: hệ thống của công an phường đang bận. Xin thử lại sau ít phút.",
            "Could not look it up: the ward police's system is busy. Please try again soon.",
        ),
        "report.error.rejected": (
            "Phản ánh bị từ chối vì nội dung chưa hợp lệ. Xin sửa lại hoặc hỏi cán bộ.",
            "The report was refused as not valid. Please correct it or ask the staff.",
        ),
        "report.error.card": (
            "Thẻ chưa đọc được. Xin quét lại mã QR trên thẻ căn cước.",
            "The card did not read. Please scan the QR code on the ID card again.",
        ),
    }
)
