// Values and readings in words, and the record table (this visit beside earlier ones).
//
// A reading is {"k": kind, "v": {name: number}, "u": UCUM unit, "f": [flag, ...]}
// (video/control.py, Record). Everything is put in the page with textContent:
// nothing from the cabin is ever parsed as HTML.

import { day, flagName, kindName, num, t, unitText, valueName } from "./i18n.js";
import { element } from "./page.js";

/** "158 mmHg" for a number and a UCUM unit. */
export function quantity(value, unit) {
  const shown = unitText(unit ?? "");
  return shown ? `${num(value)} ${shown}` : num(value);
}

/** A summary entry (a number, or {value, unit}) as "158 mmHg". */
export function summaryValue(entry) {
  if (typeof entry === "number") return num(entry);
  if (entry && typeof entry === "object") return quantity(entry.value, entry.unit);
  return "–";
}

/** One reading's values in a line: "158/95 mmHg", "97 %", "Mạch 72 lần/phút". */
export function readingText(reading) {
  const values = reading.v ?? {};
  const unit = reading.u;
  const names = Object.keys(values);
  if ("systolic" in values && "diastolic" in values) {
    const main = `${num(values.systolic, 0)}/${num(values.diastolic, 0)} ${unitText(unit)}`.trim();
    const rest = names.filter((name) => name !== "systolic" && name !== "diastolic");
    return [main, ...rest.map((name) => `${valueName(name)} ${num(values[name])}`)].join(" · ");
  }
  if (names.length === 1) return quantity(values[names[0]], unit);
  return names.map((name) => `${valueName(name)} ${quantity(values[name], unit)}`).join(" · ");
}

/** Flag badges: an icon and the words, never colour alone. */
export function flagBadges(flags) {
  const box = element("span", "flags");
  for (const flag of flags ?? []) {
    box.append(element("span", "flag", `⚠ ${flagName(flag)}`));
  }
  return box;
}

/**
 * Fill table with the record: one row per kind of reading, one column for this
 * visit then one per earlier visit (newest first).
 */
export function renderRecord(table, record) {
  table.replaceChildren();
  const visits = [{ label: t("record_now"), readings: record.now ?? [] }];
  for (const visit of record.earlier ?? []) visits.push({ label: day(visit.date), readings: visit.r ?? [] });
  const kinds = [];
  for (const visit of visits) {
    for (const reading of visit.readings) if (!kinds.includes(reading.k)) kinds.push(reading.k);
  }
  const caption = element("caption", "", kinds.length ? "" : t("record_empty"));
  table.append(caption);
  if (!kinds.length) return;
  const head = element("thead");
  const headRow = element("tr");
  headRow.append(element("th", "", t("record_kind")));
  visits.forEach((visit, index) => {
    const th = element("th", index === 0 ? "now" : "", visit.label);
    th.scope = "col";
    headRow.append(th);
  });
  head.append(headRow);
  const body = element("tbody");
  for (const kind of kinds) {
    const row = element("tr");
    const th = element("th", "", kindName(kind));
    th.scope = "row";
    row.append(th);
    visits.forEach((visit, index) => {
      const cell = element("td", index === 0 ? "now" : "");
      const readings = visit.readings.filter((reading) => reading.k === kind);
      for (const reading of readings) {
        const line = element("div", "reading", readingText(reading));
        if (reading.f && reading.f.length) line.append(" ", flagBadges(reading.f));
        cell.append(line);
      }
      if (!readings.length) cell.textContent = "–";
      row.append(cell);
    });
    body.append(row);
  }
  table.append(head, body);
}

/** The tiles of current values from a live "values" message. */
export function renderValues(box, values, units) {
  box.replaceChildren();
  for (const [name, value] of Object.entries(values)) {
    const tile = element("div", "tile");
    tile.dataset.value = name;
    tile.append(element("span", "tile-name", valueName(name)));
    const figure = element("span", "tile-value", num(value));
    const unit = unitText(units[name] ?? "");
    tile.append(figure);
    if (unit) tile.append(element("span", "tile-unit", unit));
    box.append(tile);
  }
}

