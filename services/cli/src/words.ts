// Labels as a person at a terminal reads them: Chinese, the page's (contracts' labels.ts), and
// China time. One place for every command of the CLI.
import {
  AGGREGATE_KIND_LABELS,
  agencyLabel,
  countyLabel,
  EVENT_TYPE_LABELS,
  type Label,
  type Lang,
  neighbourLabel,
  type OfficerName,
  officerLabel,
  shortNameOf,
  TRAIL_LABELS,
} from "@liandong/contracts";

export const agencyName = (code: string, lang: Lang = "zh") => agencyLabel(code)[lang];
/** A county in a sentence: 甘州区（620702）, or 县 620702 where no name is known. */
export const countyIn = (code: string, lang: Lang = "zh") => countyLabel(code)[lang];
/** A neighbouring county in a sentence: 邻县凉州区（620602）, or 邻县 620602. */
export const neighbourIn = (code: string, lang: Lang = "zh") => neighbourLabel(code)[lang];
/** What kind of record: 线索, 移交, 案件… (the page's labels). */
export const kindName = (kind: string, lang: Lang = "zh") =>
  (AGGREGATE_KIND_LABELS as Record<string, Label | undefined>)[kind]?.[lang] ?? kind;
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
