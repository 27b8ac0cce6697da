"""The guide's sentences (``guide.*``), added to the kiosk's catalogue at import."""

from __future__ import annotations

from cabin.i18n import add_strings

__all__ = ["COMMON_QUESTIONS", "STRINGS"]

STRINGS: dict[str, tuple[str, str]] = {
    "guide.tile": ("Hỏi đáp, hướng dẫn", "Questions and help"),
    "guide.title": ("Bạn cần hỏi gì?", "What would you like to ask?"),
    "guide.say": (
        "Gõ câu hỏi vào ô, hoặc chạm vào một câu hỏi thường gặp bên dưới.",
        "Type your question in the box, or touch one of the common questions below.",
    ),
    "guide.placeholder": ("Ví dụ: làm tạm trú cần giấy tờ gì?", "E.g. how do I pay electricity?"),
    "guide.ask": ("Hỏi", "Ask"),
    "guide.common": ("Câu hỏi thường gặp:", "Common questions:"),
    "guide.answers": ("Câu trả lời phù hợp nhất:", "The best answers:"),
    "guide.open": ("Mở màn hình này", "Open this screen"),
    "guide.again": ("Hỏi câu khác", "Ask again"),
    "guide.hear": ("Nghe lại", "Hear again"),
    "guide.q.temporary_residence": ("Làm tạm trú", "Temporary residence"),
    "guide.q.electricity_bill": ("Trả tiền điện", "Pay electricity"),
    "guide.q.health_insurance_renewal": ("Gia hạn BHYT", "Renew health card"),
    "guide.q.blood_pressure": ("Đo huyết áp", "Blood pressure"),
    "guide.q.report_noise": ("Báo tiếng ồn", "Report noise"),
    "guide.q.sos": ("Cần giúp khẩn cấp", "Urgent help"),
}

#: The common-question buttons: (catalogue entry id, catalogue key of its button).
COMMON_QUESTIONS: tuple[tuple[str, str], ...] = tuple(
    (key.removeprefix("guide.q."), key) for key in STRINGS if key.startswith("guide.q.")
)

add_strings(STRINGS)
