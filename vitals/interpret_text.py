"""What the kiosk says about each result category: one sentence per category and language.

This is the only place the interpretation sentences live, keyed by the category
codes of :mod:`vitals.interpret`, so that the station's translation catalogue can
take them over whole. The resident is addressed as "ông/bà" throughout: respectful
towards an older person and neutral as to sex. Sentences are short and concrete,
without medical jargon, and stored NFC-normalised. Vietnam's emergency number is
115.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["LANGUAGES", "MESSAGES", "message"]

LANGUAGES: Final = ("vi", "en")

_CALL_115_VI = "hãy gọi 115 ngay."
_CALL_115_EN = "call 115 now."

_VI: dict[str, str] = {
    # Blood pressure
    "bp.low": "Huyết áp của ông/bà thấp. Ông/bà hãy ngồi nghỉ rồi đo lại. "
    "Nếu thấy chóng mặt hoặc mệt lả, ông/bà nên nói chuyện với bác sĩ.",
    "bp.low_symptoms": "Huyết áp của ông/bà thấp và ông/bà đang thấy chóng mặt hoặc mệt. "
    "Ông/bà hãy nằm nghỉ và nói chuyện với bác sĩ ngay.",
    "bp.optimal": "Huyết áp của ông/bà rất tốt.",
    "bp.normal": "Huyết áp của ông/bà bình thường.",
    "bp.high_normal": "Huyết áp của ông/bà ở mức bình thường cao. "
    "Ông/bà nên ăn nhạt, vận động đều và đo lại vào lần sau.",
    "bp.grade_1": "Huyết áp của ông/bà hơi cao. Ông/bà nên nghỉ ngơi và đo lại sau 5 phút. "
    "Nếu vẫn cao, ông/bà nên đi khám trong vài tuần tới.",
    "bp.isolated_systolic_1": "Số huyết áp trên của ông/bà hơi cao. "
    "Ông/bà nên nghỉ ngơi và đo lại sau 5 phút. "
    "Nếu vẫn cao, ông/bà nên đi khám trong vài tuần tới.",
    "bp.grade_2": "Huyết áp của ông/bà cao. "
    "Ông/bà nên nghỉ ngơi, đo lại sau 5 phút và hỏi ý kiến bác sĩ.",
    "bp.isolated_systolic_2": "Số huyết áp trên của ông/bà cao. "
    "Ông/bà nên nghỉ ngơi, đo lại sau 5 phút và hỏi ý kiến bác sĩ.",
    "bp.grade_3": "Huyết áp của ông/bà rất cao. Ông/bà hãy ngồi yên, đo lại sau 5 phút "
    "và nói chuyện với bác sĩ ngay. Nếu đau ngực, khó thở, yếu hoặc tê tay chân, "
    f"nói khó hay nhìn mờ, {_CALL_115_VI}",
    "bp.emergency": "Huyết áp của ông/bà rất cao và có dấu hiệu nguy hiểm. "
    "Hãy gọi cấp cứu 115 ngay.",
    # SpO2
    "spo2.normal": "Lượng oxy trong máu của ông/bà bình thường.",
    "spo2.slightly_low": "Lượng oxy trong máu của ông/bà hơi thấp. "
    "Ông/bà hãy ngồi thẳng, thở chậm và đều, rồi đo lại.",
    "spo2.low": "Lượng oxy trong máu của ông/bà thấp. Ông/bà nên nói chuyện với bác sĩ ngay.",
    "spo2.very_low": "Lượng oxy trong máu của ông/bà rất thấp. Hãy gọi cấp cứu 115 ngay.",
    # Body temperature
    "temp.severe_hypothermia": "Nhiệt độ cơ thể của ông/bà rất thấp. "
    "Hãy gọi cấp cứu 115 ngay và giữ ấm cơ thể.",
    "temp.hypothermia": "Nhiệt độ cơ thể của ông/bà thấp. "
    "Ông/bà hãy mặc thêm áo ấm, đo lại và nói chuyện với bác sĩ.",
    "temp.low": "Nhiệt độ cơ thể của ông/bà hơi thấp. Ông/bà hãy giữ ấm và đo lại sau vài phút.",
    "temp.normal": "Nhiệt độ cơ thể của ông/bà bình thường.",
    "temp.raised": "Nhiệt độ cơ thể của ông/bà hơi cao. "
    "Ông/bà hãy nghỉ ngơi, uống đủ nước và đo lại sau 1 giờ.",
    "temp.fever": "Ông/bà đang bị sốt. Ông/bà hãy nghỉ ngơi, uống nhiều nước và hỏi ý kiến bác sĩ.",
    "temp.high_fever": "Ông/bà đang sốt cao. Ông/bà hãy nói chuyện với bác sĩ ngay. "
    f"Nếu lơ mơ, khó thở hoặc co giật, {_CALL_115_VI}",
    "temp.hyperpyrexia": "Ông/bà đang sốt rất cao. Hãy gọi cấp cứu 115 ngay.",
    # Heart rate at rest
    "hr.marked_bradycardia": "Nhịp tim của ông/bà rất chậm. "
    "Ông/bà hãy ngồi nghỉ và nói chuyện với bác sĩ ngay. "
    f"Nếu chóng mặt, ngất, đau ngực hoặc khó thở, {_CALL_115_VI}",
    "hr.bradycardia": "Nhịp tim của ông/bà hơi chậm. "
    "Nếu ông/bà thấy chóng mặt hoặc mệt, hãy nói với bác sĩ.",
    "hr.normal": "Nhịp tim của ông/bà bình thường.",
    "hr.tachycardia": "Nhịp tim của ông/bà hơi nhanh. Ông/bà hãy ngồi nghỉ 5 phút rồi đo lại.",
    "hr.marked_tachycardia": "Nhịp tim của ông/bà rất nhanh. "
    "Ông/bà hãy ngồi nghỉ và nói chuyện với bác sĩ ngay. "
    f"Nếu đau ngực, khó thở, chóng mặt hoặc ngất, {_CALL_115_VI}",
    "hr.emergency": "Nhịp tim của ông/bà bất thường và có dấu hiệu nguy hiểm. "
    "Hãy gọi cấp cứu 115 ngay.",
    # Body-mass index
    "bmi.severe_thinness": "Ông/bà đang quá gầy so với chiều cao. "
    "Ông/bà nên đi khám để bác sĩ tư vấn về ăn uống.",
    "bmi.underweight": "Ông/bà hơi gầy so với chiều cao. "
    "Ông/bà nên ăn uống đủ chất và theo dõi cân nặng.",
    "bmi.normal": "Cân nặng của ông/bà phù hợp với chiều cao.",
    "bmi.overweight": "Ông/bà hơi thừa cân. Ông/bà nên bớt đồ ngọt, đồ béo và vận động đều đặn.",
    "bmi.obese_1": "Ông/bà bị béo phì độ 1. Ông/bà nên hỏi bác sĩ cách giảm cân an toàn.",
    "bmi.obese_2": "Ông/bà bị béo phì độ 2. Ông/bà nên đi khám để bác sĩ giúp giảm cân.",
    # Blood glucose
    "glucose.severe_hypo": "Lượng đường trong máu của ông/bà thấp nguy hiểm. "
    "Hãy ăn hoặc uống ngay thứ gì ngọt như nước đường, nước hoa quả, "
    "và gọi cấp cứu 115.",
    "glucose.hypo": "Lượng đường trong máu của ông/bà thấp. "
    "Ông/bà hãy ăn hoặc uống thứ gì ngọt ngay, đo lại sau 15 phút và nói với bác sĩ.",
    "glucose.normal": "Lượng đường trong máu của ông/bà bình thường.",
    "glucose.impaired_fasting": "Lượng đường trong máu lúc đói của ông/bà hơi cao. "
    "Ông/bà nên bớt đồ ngọt, vận động đều và xét nghiệm lại trong vài tháng tới.",
    "glucose.diabetes_fasting": "Lượng đường trong máu lúc đói của ông/bà cao, "
    "có thể là bệnh tiểu đường. Ông/bà nên đi khám để làm xét nghiệm.",
    "glucose.raised_random": "Lượng đường trong máu của ông/bà hơi cao. "
    "Ông/bà nên đo lại vào buổi sáng trước khi ăn.",
    "glucose.diabetes_random": "Lượng đường trong máu của ông/bà cao, "
    "có thể là bệnh tiểu đường. Ông/bà nên đi khám để làm xét nghiệm.",
    "glucose.very_high": "Lượng đường trong máu của ông/bà rất cao. "
    "Ông/bà hãy uống nước lọc và nói chuyện với bác sĩ ngay. "
    f"Nếu nôn, thở nhanh, lơ mơ hoặc rất mệt, {_CALL_115_VI}",
    "glucose.crisis": "Lượng đường trong máu của ông/bà cao nguy hiểm. Hãy gọi cấp cứu 115 ngay.",
}

_EN: dict[str, str] = {
    "bp.low": "Your blood pressure is low. Please sit and rest, then measure again. "
    "If you feel dizzy or faint, talk to a doctor.",
    "bp.low_symptoms": "Your blood pressure is low and you feel dizzy or unwell. "
    "Please lie down and talk to a doctor now.",
    "bp.optimal": "Your blood pressure is very good.",
    "bp.normal": "Your blood pressure is normal.",
    "bp.high_normal": "Your blood pressure is at the high end of normal. "
    "Eat less salt, stay active and measure again next time.",
    "bp.grade_1": "Your blood pressure is a little high. Please rest and measure again "
    "in 5 minutes. If it is still high, see a doctor in the next few weeks.",
    "bp.isolated_systolic_1": "The top number of your blood pressure is a little high. "
    "Please rest and measure again in 5 minutes. "
    "If it is still high, see a doctor in the next few weeks.",
    "bp.grade_2": "Your blood pressure is high. "
    "Please rest, measure again in 5 minutes and ask a doctor for advice.",
    "bp.isolated_systolic_2": "The top number of your blood pressure is high. "
    "Please rest, measure again in 5 minutes and ask a doctor for advice.",
    "bp.grade_3": "Your blood pressure is very high. Sit still, measure again in 5 minutes "
    "and talk to a doctor now. If you have chest pain, trouble breathing, weak or numb "
    f"arms or legs, trouble speaking or blurred vision, {_CALL_115_EN}",
    "bp.emergency": "Your blood pressure is very high and you have warning signs. "
    "Call 115 for an ambulance now.",
    "spo2.normal": "The oxygen level in your blood is normal.",
    "spo2.slightly_low": "The oxygen level in your blood is a little low. "
    "Sit up straight, breathe slowly and evenly, then measure again.",
    "spo2.low": "The oxygen level in your blood is low. Talk to a doctor now.",
    "spo2.very_low": "The oxygen level in your blood is very low. Call 115 for an ambulance now.",
    "temp.severe_hypothermia": "Your body temperature is very low. "
    "Call 115 for an ambulance now and keep warm.",
    "temp.hypothermia": "Your body temperature is low. "
    "Put on warm clothes, measure again and talk to a doctor.",
    "temp.low": "Your body temperature is a little low. "
    "Keep warm and measure again in a few minutes.",
    "temp.normal": "Your body temperature is normal.",
    "temp.raised": "Your temperature is slightly raised. "
    "Rest, drink enough water and measure again in an hour.",
    "temp.fever": "You have a fever. Rest, drink plenty of water and ask a doctor for advice.",
    "temp.high_fever": "You have a high fever. Talk to a doctor now. "
    f"If you feel confused, have trouble breathing or have a fit, {_CALL_115_EN}",
    "temp.hyperpyrexia": "You have a very high fever. Call 115 for an ambulance now.",
    "hr.marked_bradycardia": "Your heart rate is very slow. "
    "Sit and rest and talk to a doctor now. "
    f"If you feel dizzy or faint, or have chest pain or trouble breathing, {_CALL_115_EN}",
    "hr.bradycardia": "Your heart rate is a little slow. "
    "If you feel dizzy or tired, tell a doctor.",
    "hr.normal": "Your heart rate is normal.",
    "hr.tachycardia": "Your heart rate is a little fast. "
    "Sit and rest for 5 minutes, then measure again.",
    "hr.marked_tachycardia": "Your heart rate is very fast. "
    "Sit and rest and talk to a doctor now. "
    f"If you have chest pain or trouble breathing, or feel dizzy or faint, {_CALL_115_EN}",
    "hr.emergency": "Your heart rate is abnormal and you have warning signs. "
    "Call 115 for an ambulance now.",
    "bmi.severe_thinness": "You are far too thin for your height. "
    "Please see a doctor for advice on eating.",
    "bmi.underweight": "You are a little thin for your height. "
    "Eat nourishing meals and keep an eye on your weight.",
    "bmi.normal": "Your weight is right for your height.",
    "bmi.overweight": "You are a little overweight. Eat less sugar and fat and stay active.",
    "bmi.obese_1": "You are obese (class 1). Ask a doctor how to lose weight safely.",
    "bmi.obese_2": "You are obese (class 2). Please see a doctor for help with losing weight.",
    "glucose.severe_hypo": "Your blood sugar is dangerously low. Eat or drink something "
    "sweet right now, such as sugar water or fruit juice, and call 115 for an ambulance.",
    "glucose.hypo": "Your blood sugar is low. Eat or drink something sweet now, "
    "measure again in 15 minutes and tell a doctor.",
    "glucose.normal": "Your blood sugar is normal.",
    "glucose.impaired_fasting": "Your fasting blood sugar is a little high. "
    "Eat fewer sweets, stay active and have it tested again in the next few months.",
    "glucose.diabetes_fasting": "Your fasting blood sugar is high and may be a sign of "
    "diabetes. Please see a doctor for a test.",
    "glucose.raised_random": "Your blood sugar is a little high. "
    "Measure it again in the morning before eating.",
    "glucose.diabetes_random": "Your blood sugar is high and may be a sign of diabetes. "
    "Please see a doctor for a test.",
    "glucose.very_high": "Your blood sugar is very high. Drink some water and talk to a "
    f"doctor now. If you are vomiting, breathing fast, drowsy or very weak, {_CALL_115_EN}",
    "glucose.crisis": "Your blood sugar is dangerously high. Call 115 for an ambulance now.",
}

MESSAGES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "vi": MappingProxyType({k: unicodedata.normalize("NFC", v) for k, v in _VI.items()}),
        "en": MappingProxyType(dict(_EN)),
    }
)
"""Sentence per language (``"vi"``, ``"en"``) and category code."""


def message(code: str, language: str = "vi") -> str:
    """The sentence for category ``code`` in ``language`` (``"vi"`` or ``"en"``).

    Raises:
        KeyError: an unknown language or code.
    """
    return MESSAGES[language][code]
