// The operator console's sentences, Vietnamese first; English on the toggle
// (the lookups are /console/catalogue.js's).

import { catalogue } from "/console/catalogue.js";

const STRINGS = {
  vi: {
    title: "Trực SOS",
    other_lang: "English",
    logout: "Đăng xuất",
    alerts: "Cuộc gọi khẩn cấp",
    empty: "Không có cuộc gọi khẩn cấp nào.",
    col_station: "Trạm",
    col_time: "Lúc",
    col_waiting: "Đã chờ",
    col_state: "Tình trạng",
    col_actions: "Thao tác",
    state_open: "Chưa ai nhận",
    state_acknowledged: "Đã nhận ({who})",
    escalated: "Quá hạn — báo lại mọi người trực",
    ack: "Đã nhận",
    open_call: "Mở video",
    resolved: "Đã xử lý xong",
    false_alarm: "Báo nhầm",
    hang_up: "Kết thúc video",
    call_title: "Video với trạm {station}",
    call_waiting: "Đang kết nối…",
    call_connected: "Đã kết nối",
    call_ended: "Cuộc gọi đã kết thúc",
    link_open: "● Đã kết nối",
    link_lost: "● Mất kết nối — đang thử lại",
    banner: "SOS: trạm {station} cần trợ giúp!",
    banner_escalated: "Chưa ai nhận cuộc gọi khẩn cấp từ trạm {station}!",
    waited_s: "{s} giây",
    waited: "{m} phút {s} giây",
    call_waiting_badge: "(trạm đang chờ video)",
  },
  en: {
    title: "SOS desk",
    other_lang: "Tiếng Việt",
    logout: "Log out",
    alerts: "Emergency calls",
    empty: "No emergency calls.",
    col_station: "Station",
    col_time: "At",
    col_waiting: "Waiting",
    col_state: "State",
    col_actions: "Actions",
    state_open: "Not yet taken",
    state_acknowledged: "Taken ({who})",
    escalated: "Overdue — every operator alerted again",
    ack: "Acknowledge",
    open_call: "Open video",
    resolved: "Resolved",
    false_alarm: "False alarm",
    hang_up: "End video",
    call_title: "Video with station {station}",
    call_waiting: "Connecting…",
    call_connected: "Connected",
    call_ended: "The call has ended",
    link_open: "● Connected",
    link_lost: "● Connection lost — retrying",
    banner: "SOS: station {station} needs help!",
    banner_escalated: "Nobody has taken the emergency call from station {station}!",
    waited_s: "{s} s",
    waited: "{m} min {s} s",
    call_waiting_badge: "(station waiting for video)",
  },
};

export const { lang, t, waited, setLang, onLangChange, translate } = catalogue(STRINGS, "operator.lang");

export function clock(iso) {
  const date = new Date(iso);
  return date.toLocaleTimeString(lang() === "vi" ? "vi-VN" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZone: "Asia/Ho_Chi_Minh",
  });
}
