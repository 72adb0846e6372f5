import {
  type AgencyCode,
  type BusEvent,
  type FigureName,
  MonthlyFigures,
  monthOf,
  OFFICE,
  type Violation,
} from "@liandong/contracts";
import { sanctionFigures } from "../case/sanctions.ts";

/** The monthly figures in the schema's order: the report's columns. */
export const FIGURE_NAMES = Object.keys(MonthlyFigures.shape) as FigureName[];

export const NO_FIGURES: Readonly<MonthlyFigures> = Object.freeze(
  Object.fromEntries(FIGURE_NAMES.map((k) => [k, 0])) as MonthlyFigures,
);

/**
 * What one event adds to one agency's figures for one month (S7): one fact. Every reader counts
 * what this says and nothing else, so that an agency's pre-filled report and the office's
 * compiled figures cannot disagree.
 */
export type FigureFact = {
  /**
   * Names the fact, so that a reader that may see it twice (a redelivery, a copy published
   * again) counts it once: dot-separated tokens, usable as a key in a NATS bucket.
   */
  key: string;
  /** The county whose figures it belongs to. */
  county: string;
  month: string;
  agency: AgencyCode;
  add: Partial<MonthlyFigures>;
  /** Findings of a joint inspection: the inspection, counted once in a county's total. */
  inspectionId?: string;
  /**
   * The violations it is about, where the event names them; otherwise where they are found (the
   * case opened, the referral offered), for a reader that breaks the figures down by violation.
   */
  about: readonly Violation[] | { case: string } | { referral: string };
};

/**
 * Pure: the fact an event adds to the monthly figures of `county`, if any. Each fact is in an
 * event that the agency whose figure it is either published itself or received in its inbox,
 * so the agency's fold of the events it sees gives the office's fold of the whole bus:
 *
 * - 登记线索 `leadsRegistered`: a lead the agency registered (`lead.reported`, not a copy).
 * - 接收线索 `leadsReceived`: a lead shared with it (`lead.shared` addressed to it; across a
 *   county line, counted in the county it arrives in).
 * - 立案 `casesOpened`: a case it opened.
 * - 结案 `casesClosed`, 罚没款 `finesYuan`, 吊销证照 `revocations`, 移送司法机关
 *   `judiciaryTransfers`: a case it closed, with the sanctions of the closure.
 * - 逾期移交 `referralsOverdue`: a deadline of a referral it held passed (`supervision.overdue`
 *   from the office, addressed to the holder), once per referral and deadline.
 * - 联合检查 `inspections`, 检查机构, 封存B超机, 查扣药品: findings it recorded on a joint
 *   inspection; in a county's total an inspection counts once however many agencies took part.
 *
 * An event is counted in the month (China's time) of its `time`. An event whose envelope
 * contradicts its data (a share addressed to another than it names) counts for no one: the
 * addressee rejects it, and the office must not count what the agency cannot.
 */
export function figureFact(e: BusEvent, county: string): FigureFact | undefined {
  // `fact` is a function of the module, not a closure made per event: the office folds a year
  // of events through here at start.
  switch (e.type) {
    case "lead.reported":
      if (e.to !== undefined || e.county !== county) return undefined;
      return fact(
        e,
        county,
        `lead.${e.data.leadId}.registered`,
        e.agency,
        { leadsRegistered: 1 },
        e.data.violations,
      );
    case "lead.shared": {
      const to = e.data.to;
      if (e.to !== to || e.data.originator !== e.agency || (e.toCounty ?? e.county) !== county)
        return undefined;
      return fact(
        e,
        county,
        `lead.${e.data.leadId}.received.${county}.${to}`,
        to,
        { leadsReceived: 1 },
        e.data.lead.violations,
      );
    }
    case "case.opened":
      if (e.data.agency !== e.agency || e.county !== county) return undefined;
      return fact(
        e,
        county,
        `case.${e.data.caseId}.opened`,
        e.agency,
        { casesOpened: 1 },
        e.data.violations,
      );
    case "case.closed":
      if (e.county !== county) return undefined;
      return fact(
        e,
        county,
        `case.${e.data.caseId}.closed`,
        e.agency,
        { casesClosed: 1, ...sanctionFigures(e.data.sanctions) },
        { case: e.data.caseId },
      );
    case "supervision.overdue":
      // Counted against the party whose step was due (待办方); older events name it `holder`.
      if (e.agency !== OFFICE || e.to !== (e.data.awaiting ?? e.data.holder) || e.county !== county)
        return undefined;
      return fact(
        e,
        county,
        `referral.${e.data.referralId}.overdue.${e.data.deadline}`,
        e.data.awaiting ?? e.data.holder,
        { referralsOverdue: 1 },
        { referral: e.data.referralId },
      );
    case "inspection.findings-recorded":
      if (e.data.by !== e.agency || e.county !== county) return undefined;
      return {
        ...fact(
          e,
          county,
          `inspection.${e.data.inspectionId}.findings.${e.agency}`,
          e.agency,
          {
            inspections: 1,
            institutionsChecked: e.data.institutionsChecked,
            devicesSealed: e.data.devicesSealed,
            drugsConfiscated: e.data.drugsConfiscated,
          },
          [],
        ),
        inspectionId: e.data.inspectionId,
      };
    default:
      return undefined;
  }
}

function fact(
  e: BusEvent,
  county: string,
  key: string,
  agency: AgencyCode,
  add: Partial<MonthlyFigures>,
  about: FigureFact["about"],
): FigureFact {
  return { key, county, month: monthOf(e.time), agency, add, about };
}

/** One month of a county's figures. */
export type MonthBook = {
  readonly agencies: Readonly<Record<AgencyCode, Readonly<MonthlyFigures>>>;
  /** The joint inspections with findings recorded in the month, and who recorded them. */
  readonly inspections: Readonly<Record<string, readonly AgencyCode[]>>;
};

/** The fold's state: every agency's figures of a county, month by month. */
export type FiguresBook = {
  readonly county: string;
  readonly months: Readonly<Record<string, MonthBook>>;
};

const EMPTY_MONTH: MonthBook = Object.freeze({ agencies: {}, inspections: {} });

export function initialFigures(county: string): FiguresBook {
  return { county, months: {} };
}

/**
 * Pure: the book with one fact more. An agency's findings on an inspection count once; any other
 * fact counts each time it is added, so a reader that may see one twice adds it once (by its
 * `key`).
 */
export function addFact(book: FiguresBook, fact: FigureFact): FiguresBook {
  if (!counts(book, fact)) return book;
  const month = book.months[fact.month] ?? EMPTY_MONTH;
  const figures = { ...(month.agencies[fact.agency] ?? NO_FIGURES) };
  addTo(figures, fact);
  return {
    county: book.county,
    months: {
      ...book.months,
      [fact.month]: {
        agencies: { ...month.agencies, [fact.agency]: figures },
        inspections: withInspection(month.inspections, fact),
      },
    },
  };
}

type Owned<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `addFact` on a book its caller owns (the office's one book, folded from a year of events at
 * start, never handed out whole for keeps): the same rule, the fact written into the book given
 * rather than into a copy of every level of it. Whether the fact counted.
 */
export function addOwnFact(book: FiguresBook, fact: FigureFact): boolean {
  if (!counts(book, fact)) return false;
  const months = book.months as Record<string, Owned<MonthBook>>;
  let month = months[fact.month];
  if (!month) {
    month = { agencies: {}, inspections: {} };
    months[fact.month] = month;
  }
  const agencies = month.agencies as Record<AgencyCode, MonthlyFigures>;
  let figures = agencies[fact.agency];
  if (!figures) {
    figures = { ...NO_FIGURES };
    agencies[fact.agency] = figures;
  }
  addTo(figures, fact);
  month.inspections = withInspection(month.inspections, fact);
  return true;
}

/** Whether a fact counts in the book: an agency's findings on an inspection count once. */
function counts(book: FiguresBook, fact: FigureFact): boolean {
  if (fact.county !== book.county) return false;
  if (fact.inspectionId !== undefined)
    // An agency's findings on an inspection are one fact, whichever month they came in.
    for (const m of Object.values(book.months))
      if (m.inspections[fact.inspectionId]?.includes(fact.agency)) return false;
  return true;
}

function addTo(figures: MonthlyFigures, fact: FigureFact): void {
  for (const k in fact.add) figures[k as FigureName] += fact.add[k as FigureName]!;
}

/** A month's inspections with the fact's agency among those who recorded findings on its one. */
function withInspection(
  inspections: MonthBook["inspections"],
  fact: FigureFact,
): MonthBook["inspections"] {
  if (fact.inspectionId === undefined) return inspections;
  const by = inspections[fact.inspectionId] ?? [];
  return { ...inspections, [fact.inspectionId]: [...by, fact.agency] };
}

/** Pure: the fold of the monthly figures, one event at a time, in any order. */
export function evolveFigures(book: FiguresBook, e: BusEvent): FiguresBook {
  const fact = figureFact(e, book.county);
  return fact ? addFact(book, fact) : book;
}

/** One agency's figures for a month. */
export function figuresOf(book: FiguresBook, month: string, agency: AgencyCode): MonthlyFigures {
  return { ...(book.months[month]?.agencies[agency] ?? NO_FIGURES) };
}

/**
 * The county's total of `rows` (one per agency, the agencies' figures as the report states
 * them): each figure the sum of the rows, except joint inspections, which are the distinct
 * inspections of the month with findings recorded by any of `agencies`.
 */
export function countyTotal(
  book: FiguresBook,
  month: string,
  agencies: readonly AgencyCode[],
  rows: readonly MonthlyFigures[] = agencies.map((a) => figuresOf(book, month, a)),
): MonthlyFigures {
  const total = { ...NO_FIGURES };
  for (const f of rows) for (const k of FIGURE_NAMES) total[k] += f[k];
  const counted = new Set(agencies);
  total.inspections = Object.values(book.months[month]?.inspections ?? {}).filter((by) =>
    by.some((a) => counted.has(a)),
  ).length;
  return total;
}

/**
 * 查处率: cases closed over cases opened in the month, to three places; null when none was
 * opened (a share of nothing is shown as "—", never as 0% or NaN).
 */
export function closureRate(f: MonthlyFigures): number | null {
  return f.casesOpened === 0 ? null : Math.round((f.casesClosed / f.casesOpened) * 1000) / 1000;
}

/** Every figure that `reported` states otherwise than `compiled`. */
export function figureDifferences(
  reported: MonthlyFigures,
  compiled: MonthlyFigures,
): { figure: FigureName; reported: number; compiled: number }[] {
  return FIGURE_NAMES.filter((k) => reported[k] !== compiled[k]).map((figure) => ({
    figure,
    reported: reported[figure],
    compiled: compiled[figure],
  }));
}
