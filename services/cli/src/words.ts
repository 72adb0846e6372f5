// Labels as a person at a terminal reads them: Chinese, the page's (contracts' labels.ts), and
// China time. One place for every command of the CLI.
import {
  agencyLabel,
  EVENT_TYPE_LABELS,
  type Label,
  type Lang,
  type OfficerName,
  officerLabel,
  shortNameOf,
  TRAIL_LABELS,
} from "@liandong/contracts";

export const agencyName = (code: string, lang: Lang = "zh") => agencyLabel(code)[lang];
export const shortName = (code: string) => shortNameOf(code);
export const stepName = (type: string, lang: Lang = "zh") =>
  (EVENT_TYPE_LABELS as Record<string, Label | undefined>)[type]?.[lang] ?? type;
export const word = (w: keyof typeof TRAIL_LABELS, lang: Lang = "zh") => TRAIL_LABELS[w][lang];

/** The language a person asked for (`--lang en`), Chinese unless English was asked for. */
export const langOf = (values: { lang?: unknown }): Lang => (values.lang === "en" ? "en" : "zh");

/** `张三（卫健联络员）`, as every step on the record names an officer (contracts' `officerLabel`). */
export const officerName = (actor: string, officer: OfficerName | undefined, agency: string) =>
  officerLabel(actor, officer, shortName(agency));

/** China time (Asia/Shanghai), as the page shows it: 2026-12-06 09:30:00. */
export function chinaTime(iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Shanghai",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}
