// Every string the doctor sees, in Vietnamese (the default) and English.
//
// t(key, params) looks a string up in the current language ("{name}" placeholders
// are filled from params); translate(root) fills every element marked
// data-i18n="key" (its text) or data-i18n-label="key" (its aria-label and title).

const STRINGS = {
  vi: {
    title: "Bảng điều khiển bác sĩ",
    other_lang: "English",
    other_lang_label: "Switch to English",
    logout: "Đăng xuất",
    link_ok: "Đã kết nối với cổng",
    link_lost: "Mất kết nối với cổng, đang thử lại…",
    on_duty: "Đang trực: người dân đang chờ",
    queue_empty: "Chưa có ai chờ.",
    col_station: "Trạm",
    col_waiting: "Đã chờ",
    col_resident: "Người dân",
    col_values: "Chỉ số chính",
    col_flags: "Cảnh báo",
    accept: "Nhận cuộc gọi",
    age: "{age} tuổi",
    age_unknown: "Không rõ tuổi",
    waited: "{m} phút {s} giây",
    waited_s: "{s} giây",
    sex_male: "Nam",
    sex_female: "Nữ",
    sex_other: "Khác",
    sex_unknown: "Không rõ giới",
    no_flags: "Không",
    taken: "Ca này đã có bác sĩ khác nhận.",
    busy: "Bạn đang trong một cuộc gọi khác.",
    ended_station: "Trạm đã kết thúc cuộc gọi.",
    ended_doctor: "Bạn đã kết thúc cuộc gọi.",
    ended_other: "Cuộc gọi đã kết thúc.",
    media_failed: "Không mở được camera hoặc micro của bạn; bạn vẫn thấy và nghe người dân.",
    call_with: "Cuộc gọi với trạm {station}",
    state_waiting: "Đang chờ trạm gọi…",
    state_connecting: "Đang kết nối…",
    state_connected: "Đã kết nối",
    state_reconnecting: "Mất kết nối, đang chờ trạm kết nối lại…",
    remote_video: "Hình người dân",
    self_video: "Hình của bạn",
    mute: "Tắt micro",
    unmute: "Bật micro",
    camera_off: "Tắt camera",
    camera_on: "Bật camera",
    end_call: "Kết thúc cuộc gọi",
    quality: "Đường truyền",
    quality_good: "Tốt",
    quality_fair: "Trung bình",
    quality_poor: "Kém",
    quality_unknown: "Đang đo…",
    quality_detail: "Trễ {rtt} ms · mất gói {loss}% · {fps} hình/giây · {res}",
    resident: "Người dân",
    current_values: "Chỉ số hiện tại",
    no_values: "Chưa có số đo trực tiếp.",
    wave_ecg: "Điện tim (ECG)",
    wave_pleth: "Sóng mạch (SpO2)",
    wave_none: "Chưa có tín hiệu",
    wave_gap: "mất tín hiệu",
    record: "Kết quả đo",
    record_kind: "Chỉ số",
    record_now: "Lần khám này",
    record_empty: "Chưa có kết quả đo.",
    remeasure: "Yêu cầu đo lại",
    remeasure_blood_pressure: "Đo lại huyết áp",
    remeasure_spo2: "Đo lại SpO2",
    remeasure_ecg: "Đo lại điện tim",
    status_sent: "Đã gửi",
    status_acked: "Trạm đã nhận",
    status_measuring: "Đang đo…",
    status_result: "Kết quả: {value}",
    status_unable: "Không đo được: {reason}",
    unable_busy: "trạm đang đo chỉ số khác",
    unable_no_device: "trạm không có thiết bị này",
    unable_device_error: "thiết bị gặp lỗi",
    unable_no_reading: "không có kết quả tin cậy",
    unable_finger_out: "ngón tay không ở trong kẹp",
    unable_lead_off: "điện cực bị tuột",
    unable_cuff_loose: "vòng bít bị lỏng hoặc xì hơi",
    unable_movement: "người dân cử động nhiều",
    unable_no_signal: "không có tín hiệu",
    unable_noise: "tín hiệu nhiễu",
    unable_cancelled: "phép đo bị hủy",
    status_failed: "Chưa gửi được (kênh chưa mở)",
    instructions: "Hướng dẫn người dân",
    instr_sit_still: "Xin ngồi yên",
    instr_finger_in: "Đặt ngón tay vào kẹp đo",
    instr_breathe_normally: "Thở đều, bình thường",
    instr_relax_arm: "Thả lỏng cánh tay",
    note: "Ghi chú của bác sĩ",
    note_placeholder: "Lời dặn, chẩn đoán sơ bộ…",
    note_send: "Gửi ghi chú",
    note_update: "Gửi lại ghi chú đã sửa",
    note_sent: "Đã gửi lúc {time}",
    note_acked: "Trạm đã nhận lúc {time}",
    note_count: "{n}/{max} ký tự",
    kind_blood_pressure: "Huyết áp",
    kind_spo2: "SpO2",
    kind_ecg: "Điện tim",
    kind_temperature: "Nhiệt độ",
    kind_weight: "Cân nặng",
    kind_height: "Chiều cao",
    kind_glucose: "Đường huyết",
    v_bp_sys: "HA tâm thu",
    v_bp_dia: "HA tâm trương",
    v_systolic: "Tâm thu",
    v_diastolic: "Tâm trương",
    v_mean: "Trung bình",
    v_hr: "Nhịp tim",
    v_heart_rate: "Nhịp tim",
    v_pulse: "Mạch",
    v_pulse_rate: "Mạch",
    v_spo2: "SpO2",
    v_pi: "Chỉ số tưới máu",
    v_perfusion_index: "Chỉ số tưới máu",
    v_temp: "Nhiệt độ",
    v_temperature: "Nhiệt độ",
    v_glucose: "Đường huyết",
    v_weight: "Cân nặng",
    v_resp_rate: "Nhịp thở",
    v_rr: "Nhịp thở",
    v_qtc: "QTc",
    flag_bp_high: "Huyết áp cao",
    flag_bp_low: "Huyết áp thấp",
    flag_spo2_low: "SpO2 thấp",
    flag_hr_high: "Nhịp tim nhanh",
    flag_hr_low: "Nhịp tim chậm",
    flag_irregular_pulse: "Mạch không đều",
    flag_af_suspected: "Nghi rung nhĩ",
    flag_fever: "Sốt",
    flag_temperature_low: "Thân nhiệt thấp",
    flag_glucose_high: "Đường huyết cao",
    flag_glucose_low: "Đường huyết thấp",
    unit_mm_hg: "mmHg",
    unit_per_min: "lần/phút",
    unit_cel: "°C",
  },
  en: {
    title: "Doctor's console",
    other_lang: "Tiếng Việt",
    other_lang_label: "Chuyển sang tiếng Việt",
    logout: "Log out",
    link_ok: "Connected to the portal",
    link_lost: "Portal connection lost, retrying…",
    on_duty: "On duty: residents waiting",
    queue_empty: "Nobody is waiting.",
    col_station: "Station",
    col_waiting: "Waiting",
    col_resident: "Resident",
    col_values: "Key values",
    col_flags: "Flags",
    accept: "Accept",
    age: "{age} years",
    age_unknown: "Age unknown",
    waited: "{m} min {s} s",
    waited_s: "{s} s",
    sex_male: "Male",
    sex_female: "Female",
    sex_other: "Other",
    sex_unknown: "Sex unknown",
    no_flags: "None",
    taken: "Another doctor took this consult.",
    busy: "You are already in a call.",
    ended_station: "The station ended the call.",
    ended_doctor: "You ended the call.",
    ended_other: "The call has ended.",
    media_failed: "Your camera or microphone could not be opened; you still see and hear the resident.",
    call_with: "Call with station {station}",
    state_waiting: "Waiting for the station to call…",
    state_connecting: "Connecting…",
    state_connected: "Connected",
    state_reconnecting: "Connection lost, waiting for the station to reconnect…",
    remote_video: "The resident",
    self_video: "You",
    mute: "Mute",
    unmute: "Unmute",
    camera_off: "Camera off",
    camera_on: "Camera on",
    end_call: "End call",
    quality: "Connection",
    quality_good: "Good",
    quality_fair: "Fair",
    quality_poor: "Poor",
    quality_unknown: "Measuring…",
    quality_detail: "Delay {rtt} ms · loss {loss}% · {fps} fps · {res}",
    resident: "Resident",
    current_values: "Current values",
    no_values: "No live values yet.",
    wave_ecg: "ECG",
    wave_pleth: "Pleth (SpO2)",
    wave_none: "No signal yet",
    wave_gap: "signal lost",
    record: "Measurements",
    record_kind: "Measurement",
    record_now: "This visit",
    record_empty: "No measurements yet.",
    remeasure: "Ask to measure again",
    remeasure_blood_pressure: "Re-measure blood pressure",
    remeasure_spo2: "Re-measure SpO2",
    remeasure_ecg: "Re-measure ECG",
    status_sent: "Sent",
    status_acked: "Received by the station",
    status_measuring: "Measuring…",
    status_result: "Result: {value}",
    status_unable: "Could not measure: {reason}",
    unable_busy: "the station is measuring something else",
    unable_no_device: "the station has no such device",
    unable_device_error: "the device failed",
    unable_no_reading: "no reliable reading",
    unable_finger_out: "the finger is out of the clip",
    unable_lead_off: "an electrode came off",
    unable_cuff_loose: "the cuff is loose or leaking",
    unable_movement: "the resident moved too much",
    unable_no_signal: "no signal",
    unable_noise: "the signal is noisy",
    unable_cancelled: "the measurement was cancelled",
    status_failed: "Not sent (channel not open)",
    instructions: "Instructions to the resident",
    instr_sit_still: "Please sit still",
    instr_finger_in: "Put your finger in the clip",
    instr_breathe_normally: "Breathe normally",
    instr_relax_arm: "Relax your arm",
    note: "Doctor's note",
    note_placeholder: "Advice, first impression…",
    note_send: "Send note",
    note_update: "Send the edited note",
    note_sent: "Sent at {time}",
    note_acked: "Received by the station at {time}",
    note_count: "{n}/{max} characters",
    kind_blood_pressure: "Blood pressure",
    kind_spo2: "SpO2",
    kind_ecg: "ECG",
    kind_temperature: "Temperature",
    kind_weight: "Weight",
    kind_height: "Height",
    kind_glucose: "Blood glucose",
    v_bp_sys: "Systolic BP",
    v_bp_dia: "Diastolic BP",
    v_systolic: "Systolic",
    v_diastolic: "Diastolic",
    v_mean: "Mean",
    v_hr: "Heart rate",
    v_heart_rate: "Heart rate",
    v_pulse: "Pulse",
    v_pulse_rate: "Pulse",
    v_spo2: "SpO2",
    v_pi: "Perfusion index",
    v_perfusion_index: "Perfusion index",
    v_temp: "Temperature",
    v_temperature: "Temperature",
    v_glucose: "Glucose",
    v_weight: "Weight",
    v_resp_rate: "Breathing rate",
    v_rr: "Breathing rate",
    v_qtc: "QTc",
    flag_bp_high: "High blood pressure",
    flag_bp_low: "Low blood pressure",
    flag_spo2_low: "Low SpO2",
    flag_hr_high: "Fast heart rate",
    flag_hr_low: "Slow heart rate",
    flag_irregular_pulse: "Irregular pulse",
    flag_af_suspected: "Possible atrial fibrillation",
    flag_fever: "Fever",
    flag_temperature_low: "Low body temperature",
    flag_glucose_high: "High blood glucose",
    flag_glucose_low: "Low blood glucose",
    unit_mm_hg: "mmHg",
    unit_per_min: "/min",
    unit_cel: "°C",
  },
};

export const LANGUAGES = Object.freeze(Object.keys(STRINGS));
const STORAGE_KEY = "console.lang";
let current = "vi";
try {
  const saved = window.localStorage.getItem(STORAGE_KEY);
  if (saved && saved in STRINGS) current = saved;
} catch {
  // storage may be disabled; Vietnamese then
}
const listeners = new Set();

export function lang() {
  return current;
}

/** The string for key in the current language, "{name}" filled from params. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** A translation if the catalogue has one, else null (for codes from the cabin). */
export function maybe(key, params = {}) {
  return key in STRINGS[current] ? t(key, params) : null;
}

/** Switch language, re-translate the document and tell the listeners. */
export function setLang(next) {
  if (!(next in STRINGS)) return;
  current = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // not remembered; fine
  }
  translate(document);
  for (const listener of listeners) listener(next);
}

export function onLangChange(listener) {
  listeners.add(listener);
}

/** Fill the data-i18n* elements under root and set <html lang>. */
export function translate(root) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    const text = t(el.dataset.i18nLabel);
    el.setAttribute("aria-label", text);
    el.title = text;
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
}

/** A UCUM unit as shown on screen. */
export function unitText(unit) {
  switch (unit) {
    case "mm[Hg]":
      return t("unit_mm_hg");
    case "/min":
      return t("unit_per_min");
    case "Cel":
      return t("unit_cel");
    case "1":
      return "";
    default:
      return unit;
  }
}

/** A value code ("spo2", "bp_sys") in words, or the code itself. */
export function valueName(code) {
  return maybe(`v_${code}`) ?? code;
}

export function flagName(code) {
  return maybe(`flag_${code}`) ?? code;
}

export function kindName(code) {
  return maybe(`kind_${code}`) ?? code;
}

/** A number in the current language's style (decimal comma in Vietnamese). */
export function num(value, digits = 1) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "–";
  const rounded = Number.isInteger(value) ? value : Number(value.toFixed(digits));
  return rounded.toLocaleString(current === "vi" ? "vi-VN" : "en-GB", { maximumFractionDigits: digits });
}

/** Clock time HH:MM in Asia/Ho_Chi_Minh. */
export function clock(date) {
  return date.toLocaleTimeString(current === "vi" ? "vi-VN" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Asia/Ho_Chi_Minh",
  });
}

/** A YYYY-MM-DD day as the language writes it. */
export function day(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return iso;
  return current === "vi" ? `${match[3]}/${match[2]}/${match[1]}` : iso;
}
