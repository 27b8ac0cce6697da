"""The kiosk's translation catalogue: every sentence the resident reads or hears.

One dict, key -> ``{"vi": ..., "en": ...}``, Vietnamese first (the default).
The resident is addressed as "ông/bà", as in :mod:`vitals.interpret_text`,
whose interpretation sentences arrive with each result in both languages and
are not repeated here. Sentences are short, concrete and free of jargon: many
readers are over 75. Text is NFC-normalised at import, so a string typed with
combining marks renders (and compares) like the rest.

``tr(key, lang, **params)`` fills ``{name}`` placeholders with ``str.format``.
No Qt here: receipts and the voice use the same catalogue.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "CATALOGUE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "add_strings",
    "failure_key",
    "format_number",
    "local_date",
    "measurement_text",
    "tr",
]

LANGUAGES: Final = ("vi", "en")
DEFAULT_LANGUAGE: Final = "vi"


def _e(vi: str, en: str) -> dict[str, str]:
    return {"vi": unicodedata.normalize("NFC", vi), "en": unicodedata.normalize("NFC", en)}


_RAW: dict[str, dict[str, str]] = {
    # --- shared -------------------------------------------------------------------------
    "common.back": _e("Quay lại", "Back"),
    "common.hear_again": _e("Nghe lại", "Hear again"),
    "common.continue": _e("Tiếp tục", "Continue"),
    "common.home": _e("Về màn hình chính", "Back to start"),
    "lang.vi": _e("Tiếng Việt", "Tiếng Việt"),
    "lang.en": _e("English", "English"),
    "idle.warning": _e(
        "Ông/bà còn ở đây không? Xin chạm vào màn hình để tiếp tục.",
        "Are you still there? Please touch the screen to continue.",
    ),
    "hospital.default": _e("Bệnh viện của trạm (mô phỏng)", "the station's hospital (simulated)"),
    # --- home ---------------------------------------------------------------------------
    "home.title": _e("Xin chào! Ông/bà cần gì?", "Hello! What do you need?"),
    "home.health": _e("Kiểm tra\nsức khỏe", "Health\ncheck"),
    "home.services": _e("Dịch vụ\ncông", "Public\nservices"),
    "home.sos": _e("SOS\nGọi trợ giúp", "SOS\nCall for help"),
    "home.hint": _e(
        "Chạm vào một ô lớn. Không cần vội.", "Touch one of the large boxes. Take your time."
    ),
    # --- identify -----------------------------------------------------------------------
    "identify.title": _e("Cho biết ông/bà là ai", "Tell us who you are"),
    "identify.say": _e(
        "Xin đưa mã QR trên thẻ căn cước vào máy quét, hoặc gõ mười hai số trên thẻ.",
        "Please scan the QR code on your ID card, or type the twelve digits of the card.",
    ),
    "identify.scan": _e("Quét thẻ căn cước", "Scan your ID card"),
    "identify.scan_hint_camera": _e(
        "Đưa mã QR (góc trên bên phải của thẻ) lại gần camera, vào giữa khung hình.",
        "Hold the QR code (top right of the card) up to the camera, in the picture.",
    ),
    "identify.scan_hint": _e(
        "Đưa mã QR ở góc trên bên phải mặt trước thẻ vào máy quét dưới màn hình.",
        "Hold the QR code (top right of the card's front) under the scanner below the screen.",
    ),
    "identify.type": _e("Hoặc gõ 12 số trên thẻ:", "Or type the 12 digits:"),
    "identify.count": _e("Đã gõ {count} trên 12 số", "{count} of 12 digits typed"),
    "identify.delete": _e("Xóa", "Delete"),
    "identify.ok": _e("Xong", "Done"),
    "identify.anonymous": _e("Tiếp tục\nkhông cần thẻ", "Continue\nwithout ID"),
    "identify.welcome": _e("Xin chào {name}", "Hello, {name}"),
    "identify.first_visit": _e(
        "Đây là lần đầu ông/bà đến trạm. Chúng tôi đã ghi tên ông/bà.",
        "This is your first visit to the station. We have noted your name.",
    ),
    "trend.higher": _e(
        "Lần trước ({date}): {value}. Lần này cao hơn.", "Last time ({date}): {value}. Higher now."
    ),
    "trend.lower": _e(
        "Lần trước ({date}): {value}. Lần này thấp hơn.", "Last time ({date}): {value}. Lower now."
    ),
    "trend.same": _e(
        "Lần trước ({date}): {value}. Gần như lần trước.",
        "Last time ({date}): {value}. About the same.",
    ),
    "identify.last_visit": _e("Lần đo trước, ngày {date}:", "Last time, on {date}:"),
    "identify.no_values": _e(
        "Lần trước ông/bà chưa đo gì.", "You did not measure anything last time."
    ),
    "identify.not_found": _e(
        "Chưa có hồ sơ với số thẻ này. Xin quét mã QR trên thẻ, hoặc tiếp tục không cần thẻ.",
        "No record has this card number. Please scan the card's QR code, or continue without ID.",
    ),
    "identify.not_me": _e("Không phải tôi", "This is not me"),
    # Why a card or number did not read (cabin.errors.CardError.reason).
    "card.empty": _e(
        "Máy chưa đọc được mã. Xin đưa thẻ lại gần hơn.",
        "The code could not be read. Please hold the card closer.",
    ),
    "card.not_cccd": _e(
        "Đây không phải mã QR của thẻ căn cước. Xin quét mã trên thẻ căn cước.",
        "This is not the QR code of an ID card. Please scan the code on your ID card.",
    ),
    "card.bad_id": _e(
        "Số thẻ chưa đúng. Số thẻ căn cước có 12 chữ số. Xin kiểm tra và gõ lại.",
        "The card number is not right. An ID card has 12 digits. Please check and type again.",
    ),
    "card.bad_old_id": _e(
        "Thẻ này đọc bị lỗi. Xin quét lại hoặc gõ số thẻ.",
        "This card did not read well. Please scan again or type the number.",
    ),
    "card.bad_name": _e(
        "Thẻ này đọc bị lỗi. Xin quét lại hoặc gõ số thẻ.",
        "This card did not read well. Please scan again or type the number.",
    ),
    "card.bad_date": _e(
        "Ngày tháng trên thẻ đọc bị lỗi. Xin quét lại hoặc gõ số thẻ.",
        "The dates on the card did not read well. Please scan again or type the number.",
    ),
    "card.bad_sex": _e(
        "Thẻ này đọc bị lỗi. Xin quét lại hoặc gõ số thẻ.",
        "This card did not read well. Please scan again or type the number.",
    ),
    "card.mismatch_sex": _e(
        "Số thẻ không khớp với thông tin trên thẻ. Xin quét lại.",
        "The card number does not match the card. Please scan again.",
    ),
    "card.mismatch_birth_year": _e(
        "Số thẻ không khớp với năm sinh trên thẻ. Xin quét lại.",
        "The card number does not match the birth year on the card. Please scan again.",
    ),
    # --- consent ------------------------------------------------------------------------
    "consent.title": _e("Ông/bà có đồng ý gửi kết quả không?", "May we send your results?"),
    "consent.what": _e(
        "Trạm sẽ đo huyết áp, lượng oxy trong máu và nhịp tim của ông/bà.",
        "The station measures your blood pressure, blood oxygen and heart rate.",
    ),
    "consent.who": _e(
        "Nếu ông/bà đồng ý, kết quả được gửi tới {hospital} để bác sĩ xem.",
        "If you agree, the results go to {hospital} for a doctor to see.",
    ),
    "consent.how_long": _e(
        "Trạm chỉ giữ kết quả trong {days} ngày.",
        "The station keeps the results for {days} days only.",
    ),
    "consent.no_effect": _e(
        "Nếu không đồng ý, ông/bà vẫn được đo và xem kết quả. Không có gì được gửi đi.",
        "If you say no, you can still measure and see your results. Nothing is sent.",
    ),
    "consent.yes": _e("Đồng ý", "Yes, I agree"),
    "consent.no": _e("Không đồng ý", "No"),
    # --- measure ------------------------------------------------------------------------
    "measure.title": _e("Đo sức khỏe", "Measurements"),
    "measure.pick": _e(
        "Chạm vào phép đo ông/bà muốn làm. Đo xong, chạm «Xem kết quả».",
        "Touch the measurement you want. When you are done, touch «See results».",
    ),
    "measure.not_done": _e("Chưa đo", "Not measured yet"),
    "measure.stopped": _e("Đã dừng", "Stopped"),
    "measure.failed": _e("Chưa đo được", "Not measured"),
    "measure.skipped": _e("Đã bỏ qua", "Skipped"),
    "measure.start": _e("Bắt đầu đo", "Start"),
    "measure.stop": _e("Dừng đo", "Stop"),
    "measure.skip": _e("Bỏ qua", "Skip"),
    "measure.results": _e("Xem kết quả", "See results"),
    "measure.ready": _e("Khi sẵn sàng, chạm «Bắt đầu đo».", "When you are ready, touch «Start»."),
    "measure.running": _e("Đang đo. Xin ngồi yên.", "Measuring. Please keep still."),
    "measure.remaining": _e("Còn khoảng {seconds} giây", "About {seconds} seconds left"),
    "measure.almost": _e("Sắp xong...", "Almost done..."),
    "measure.pulse_live": _e("Mạch: {value} lần/phút", "Pulse: {value} per minute"),
    "measure.pressure_live": _e("Áp lực vòng bít: {value} mmHg", "Cuff pressure: {value} mmHg"),
    "measure.done_say": _e("Đã đo xong. {text}", "Done. {text}"),
    "vital.spo2": _e("Oxy trong máu và mạch", "Blood oxygen and pulse"),
    "vital.blood_pressure": _e("Huyết áp", "Blood pressure"),
    "vital.ecg": _e("Điện tim", "Heart rhythm (ECG)"),
    "instruction.spo2": _e(
        "Kẹp máy đo vào đầu ngón tay trỏ. Đặt tay lên bàn và giữ yên.",
        "Clip the sensor on your index fingertip. Rest your hand on the table and keep still.",
    ),
    "instruction.blood_pressure": _e(
        "Ngồi thẳng, hai chân chạm đất. Quấn vòng bít quanh cánh tay trái, ngang ngực. "
        "Giữ yên và không nói chuyện khi máy bơm.",
        "Sit up straight, feet on the floor. Wrap the cuff round your left upper arm, "
        "at chest height. Keep still and do not talk while it inflates.",
    ),
    "instruction.ecg": _e(
        "Đặt hai bàn tay lên hai tấm điện cực. Ngồi yên và thở đều trong nửa phút.",
        "Rest both hands on the two metal pads. Sit still and breathe evenly for half a minute.",
    ),
    # Problems the resident can fix (cabin.measure.Problem), shown and spoken.
    "problem.finger_out": _e(
        "Chưa thấy ngón tay. Xin đặt ngón tay vào sâu trong kẹp.",
        "No finger found. Please push your finger fully into the clip.",
    ),
    "problem.lead_off": _e(
        "Điện cực chưa chạm da. Xin đặt hai bàn tay áp sát vào tấm điện cực.",
        "The pads are not touching your skin. Please press both hands flat on the pads.",
    ),
    "problem.cuff_loose": _e(
        "Vòng bít bị lỏng. Xin quấn lại chặt hơn, vừa một ngón tay luồn vào.",
        "The cuff is loose. Please wrap it tighter, leaving room for one finger.",
    ),
    "problem.movement": _e(
        "Ông/bà đang cử động. Xin ngồi yên, tay thả lỏng.",
        "You are moving. Please sit still and relax your arm.",
    ),
    "problem.no_signal": _e(
        "Máy chưa nhận được tín hiệu. Xin kiểm tra máy đo đã đeo đúng chưa.",
        "No signal yet. Please check that the sensor is on correctly.",
    ),
    "failure.cancelled": _e("Đã dừng đo.", "Measurement stopped."),
    "failure.other": _e(
        "Chưa đo được. Xin ngồi yên và đo lại.", "Could not measure. Please sit still and retry."
    ),
    "failure.device": _e(
        "Máy đo chưa sẵn sàng. Xin thử lại sau ít phút.",
        "The device is not ready. Please try again in a few minutes.",
    ),
    # --- results ------------------------------------------------------------------------
    "results.title": _e("Kết quả của ông/bà", "Your results"),
    "results.none": _e(
        "Chưa có kết quả nào. Ông/bà có thể quay lại để đo.",
        "No results yet. You can go back and measure.",
    ),
    "results.doctor": _e("Nói chuyện với bác sĩ", "Talk to a doctor"),
    "results.print": _e("In kết quả", "Print"),
    "results.printed": _e("Đã in. Xin lấy giấy ở khe máy in.", "Printed. Please take the paper."),
    "results.print_failed": _e(
        "Máy in đang hỏng. Ông/bà có thể quét mã QR.",
        "The printer is not working. You can scan the QR code.",
    ),
    "results.qr": _e("Quét mã để lưu kết quả vào điện thoại", "Scan to keep the results"),
    "results.send": _e("Gửi cho bác sĩ", "Send to doctor"),
    "results.finish": _e("Kết thúc", "Finish"),
    "results.say": _e("Đây là kết quả của ông/bà.", "Here are your results."),
    "results.emergency": _e(
        "Có kết quả nguy hiểm. Hãy gọi cấp cứu 115 ngay, hoặc bấm SOS.",
        "A result is dangerous. Call 115 now, or press SOS.",
    ),
    "results.call_doctor": _e(
        "Ông/bà nên nói chuyện với bác sĩ ngay.", "You should talk to a doctor now."
    ),
    "severity.0": _e("Bình thường", "Normal"),
    "severity.1": _e("Cần chú ý", "Take care"),
    "severity.2": _e("Nên gặp bác sĩ", "See a doctor"),
    "severity.3": _e("Nguy hiểm", "Danger"),
    "kind.spo2": _e("Oxy trong máu", "Blood oxygen"),
    "kind.pulse_rate": _e("Mạch", "Pulse"),
    "kind.heart_rate": _e("Nhịp tim", "Heart rate"),
    "kind.blood_pressure": _e("Huyết áp", "Blood pressure"),
    "unit.mm[Hg]": _e("mmHg", "mmHg"),
    "unit./min": _e("lần/phút", "/min"),
    "unit.%": _e("%", "%"),
    "receipt.title": _e("KẾT QUẢ ĐO SỨC KHỎE", "HEALTH CHECK RESULTS"),
    "receipt.footer": _e(
        "Kết quả để tham khảo, không thay cho khám bệnh. Cấp cứu: 115.",
        "For information only; not a medical examination. Emergency: 115.",
    ),
    # --- consult, goodbye, services, SOS -------------------------------------------------
    "consult.title": _e("Nói chuyện với bác sĩ", "Talk to a doctor"),
    "consult.soon": _e(
        "Gọi video với bác sĩ sắp có. Nếu cần gấp, hãy gọi 115.",
        "Video calls with a doctor are coming soon. If it is urgent, call 115.",
    ),
    "consult.back": _e("Về kết quả", "Back to results"),
    "consult.unavailable": _e(
        "Trạm này chưa gọi được bác sĩ. Nếu cần gấp, hãy gọi 115.",
        "This station cannot call a doctor yet. If it is urgent, call 115.",
    ),
    "consult.connecting": _e("Đang gọi bác sĩ...", "Calling a doctor..."),
    "consult.connecting_hint": _e(
        "Xin ngồi yên trước màn hình. Bác sĩ sẽ nhìn thấy và nghe thấy ông/bà.",
        "Please sit in front of the screen. The doctor will see and hear you.",
    ),
    "consult.waiting": _e("Đang chờ bác sĩ", "Waiting for a doctor"),
    "consult.position": _e(
        "Ông/bà là người thứ {position} đang chờ.", "You are number {position} in line."
    ),
    "consult.wait_minutes": _e(
        "Khoảng {minutes} phút nữa bác sĩ sẽ nói chuyện với ông/bà.",
        "A doctor will talk to you in about {minutes} minutes.",
    ),
    "consult.wait_soon": _e(
        "Bác sĩ sẽ nói chuyện với ông/bà ngay.", "A doctor will talk to you very soon."
    ),
    "consult.doctor": _e("Đang nói chuyện với {name}", "Talking with {name}"),
    "consult.doctor_joined": _e(
        "{name} đã vào. Ông/bà cứ nói chuyện bình thường.",
        "{name} is here. You can talk normally.",
    ),
    "consult.measuring": _e(
        "Đang đo lại theo yêu cầu của bác sĩ: {what}",
        "Measuring again, as the doctor asked: {what}",
    ),
    "consult.measure_say": _e(
        "Bác sĩ muốn đo lại: {what}. Xin làm theo hướng dẫn.",
        "The doctor wants to measure again: {what}. Please follow the guidance.",
    ),
    "consult.you": _e("Ông/bà", "You"),
    "consult.end": _e("Kết thúc cuộc gọi", "End call"),
    "consult.cancel": _e("Thôi, không chờ nữa", "Stop waiting"),
    "consult.ended": _e(
        "Cuộc gọi đã kết thúc. Lời dặn của bác sĩ được lưu cùng kết quả.",
        "The call has ended. The doctor's note is kept with your results.",
    ),
    "consult.failed_title": _e("Chưa gọi được bác sĩ", "The doctor could not be reached"),
    "consult.fail.unreachable": _e(
        "Trạm không kết nối được tới bệnh viện. Kết quả của ông/bà vẫn được giữ.",
        "The station cannot reach the hospital. Your results are kept.",
    ),
    "consult.fail.refused": _e(
        "Bệnh viện chưa nhận cuộc gọi từ trạm này. Xin báo cán bộ phường. Kết quả vẫn được giữ.",
        "The hospital does not accept calls from this station yet. Please tell the ward staff. "
        "Your results are kept.",
    ),
    "consult.fail.no_doctor": _e(
        "Hiện chưa có bác sĩ rảnh. Xin thử lại sau. Kết quả vẫn được giữ.",
        "No doctor is free right now. Please try again later. Your results are kept.",
    ),
    "consult.fail.video": _e(
        "Không nối được hình và tiếng với bác sĩ. Xin thử lại sau. Kết quả vẫn được giữ.",
        "The picture and sound to the doctor did not connect. Please try again later. "
        "Your results are kept.",
    ),
    "consult.fail.lost": _e(
        "Cuộc gọi bị ngắt. Kết quả và lời dặn của bác sĩ vẫn được giữ.",
        "The call was cut off. Your results and the doctor's note are kept.",
    ),
    "advice.sit_still": _e("Xin ông/bà ngồi yên.", "Please sit still."),
    "advice.finger_in": _e("Xin đặt ngón tay vào kẹp đo.", "Please put your finger in the clip."),
    "advice.breathe_normally": _e("Xin thở đều, bình thường.", "Please breathe normally."),
    "advice.relax_arm": _e("Xin thả lỏng cánh tay.", "Please relax your arm."),
    "advice.cuff_on": _e(
        "Xin quấn vòng bít vào cánh tay trái.", "Please wrap the cuff around your left arm."
    ),
    "advice.look_at_camera": _e(
        "Xin nhìn vào máy quay phía trên màn hình.", "Please look at the camera above the screen."
    ),
    "advice.speak_louder": _e("Xin nói to hơn một chút.", "Please speak a little louder."),
    "advice.stay_calm": _e(
        "Ông/bà cứ bình tĩnh, bác sĩ đang xem kết quả.",
        "Stay calm: the doctor is looking at your results.",
    ),
    "advice.call_115": _e(
        "Bác sĩ khuyên gọi cấp cứu 115 ngay.", "The doctor advises calling 115 now."
    ),
    "goodbye.title": _e("Cảm ơn ông/bà!", "Thank you!"),
    "goodbye.sent": _e(
        "Kết quả đã được gửi tới {hospital}.", "Your results have been sent to {hospital}."
    ),
    "goodbye.not_sent": _e(
        "Kết quả không được gửi đi.", "Your results have not been sent anywhere."
    ),
    "goodbye.wish": _e("Chúc ông/bà nhiều sức khỏe!", "Stay well!"),
    "services.title": _e("Dịch vụ công", "Public services"),
    "services.soon": _e(
        "Trạm này chưa có dịch vụ công nào.",
        "This station offers no public services yet.",
    ),
}

#: Every kiosk string, key -> {"vi": ..., "en": ...}, NFC.
CATALOGUE: Mapping[str, Mapping[str, str]] = _RAW

# Failure reasons (cabin.measure.Failure.reason) that have their own sentence.
_PROBLEM_FAILURES = {
    "finger_out": "problem.finger_out",
    "lead_off": "problem.lead_off",
    "cuff_loose": "problem.cuff_loose",
    "leak": "problem.cuff_loose",
    "movement": "problem.movement",
    "body_movement": "problem.movement",
    "motion": "problem.movement",
    "no_signal": "problem.no_signal",
    "cancelled": "failure.cancelled",
}


def add_strings(entries: Mapping[str, tuple[str, str]]) -> None:
    """Add a module's sentences, ``key -> (vi, en)``, to the catalogue.

    Public-service modules keep their sentences beside their code and add them at
    import. Adding the same key twice with other text is a mistake and raises.

    Raises:
        ValueError: a key already in the catalogue with different text.
    """
    for key, (vi, en) in entries.items():
        entry = _e(vi, en)
        if key in _RAW and _RAW[key] != entry:
            raise ValueError(f"catalogue key {key!r} is already used")
        _RAW[key] = entry


def tr(key: str, lang: str = DEFAULT_LANGUAGE, **params: object) -> str:
    """The catalogue's text for ``key`` in ``lang``, with ``{name}`` placeholders filled.

    Raises:
        KeyError: an unknown key or language (a bug: every string must be catalogued).
    """
    text = CATALOGUE[key][lang]
    if params:
        text = unicodedata.normalize("NFC", text.format(**params))
    return text


def failure_key(reason: str) -> str:
    """The catalogue key that tells the resident why a measurement did not work."""
    return _PROBLEM_FAILURES.get(reason, "failure.other")


def format_number(value: float, lang: str = DEFAULT_LANGUAGE) -> str:
    """A value as the screen shows it: whole numbers plain, else one decimal (comma in vi)."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def measurement_text(
    kind: str, values: Mapping[str, float], unit: str, lang: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """``(label, value with unit)`` for a measurement, e.g. ``("Huyết áp", "150/95 mmHg")``."""
    label = tr(f"kind.{kind}", lang) if f"kind.{kind}" in CATALOGUE else kind
    shown_unit = tr(f"unit.{unit}", lang) if f"unit.{unit}" in CATALOGUE else unit
    if kind == "blood_pressure":
        number = "/".join(
            format_number(values[name], lang)
            for name in ("systolic", "diastolic")
            if name in values
        )
    elif kind in values:
        number = format_number(values[kind], lang)
    else:
        number = " ".join(format_number(v, lang) for v in values.values())
    spacer = "" if shown_unit == "%" else " "
    return label, f"{number}{spacer}{shown_unit}"


def local_date(at: datetime, timezone: str = "Asia/Ho_Chi_Minh") -> str:
    """A UTC time as the station's local date, day first (``15/03/2025``)."""
    return at.astimezone(ZoneInfo(timezone)).strftime("%d/%m/%Y")
