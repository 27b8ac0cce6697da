"""The city-information screen's sentences (Vietnamese, English)."""

from __future__ import annotations

from cabin.i18n import add_strings

__all__: list[str] = []

add_strings(
    {
        "cityinfo.tile": ("Thông tin thành phố", "City information"),
        "cityinfo.title": ("Tìm nơi cần đến", "Find a place"),
        "cityinfo.say": (
            "Chạm vào loại nơi cần tìm, hoặc chạm nút Gõ tên để tìm theo tên.",
            "Tap the kind of place, or tap Type a name to search by name.",
        ),
        "cityinfo.kind.all": ("Tất cả", "All"),
        "cityinfo.kind.hospital": ("Bệnh viện", "Hospitals"),
        "cityinfo.kind.school": ("Trường học", "Schools"),
        "cityinfo.kind.ward": ("Phường", "Wards"),
        "cityinfo.kind.metro": ("Metro", "Metro"),
        "cityinfo.kind.tourist": ("Du lịch", "Sights"),
        "cityinfo.type": ("Gõ tên", "Type a name"),
        "cityinfo.show": ("Xem kết quả", "See results"),
        "cityinfo.query_hint": ("Gõ tên nơi cần tìm", "Type the name of the place"),
        "cityinfo.count": ("Tìm thấy {count} nơi.", "{count} places found."),
        "cityinfo.count_for": (
            "Tìm thấy {count} nơi cho “{query}”.",
            "{count} places found for “{query}”.",
        ),
        "cityinfo.none": (
            "Không tìm thấy nơi nào. Xin gõ ít chữ hơn hoặc chọn “Tất cả”.",
            "Nothing found. Please type fewer letters or choose “All”.",
        ),
        "cityinfo.phone": ("Điện thoại: {phone}", "Phone: {phone}"),
        "cityinfo.hours": ("Giờ mở cửa: {hours}", "Opening hours: {hours}"),
        "cityinfo.unavailable": (
            "Danh bạ của trạm đang lỗi. Xin báo người quản lý trạm.",
            "The station's directory has a problem. Please tell the station's staff.",
        ),
    }
)
