import type { BusEvent, MonthlyFigures, Violation } from "@liandong/contracts";
import {
  addOwnFact,
  closureRate,
  type FiguresBook,
  figureFact,
  figuresOf,
  initialFigures,
  internedList,
  NO_FIGURES,
} from "@liandong/domain";

/** `ALL` stands for every violation together (a case with two violations counts once there). */
export const ALL = "all";

/**
 * The office's statistics (统计): the domain's monthly figures folded from the whole bus (the
 * same fold every agency makes of what it sees), and the same facts broken down by violation.
 * What counts is the domain's `figureFact`; here only which violations a fact is about, found
 * from the lead, case or referral it names.
 */
export class Statistics {
  #book: FiguresBook;
  /** Month → agency → violation → figures: the breakdown the agencies do not report. */
  readonly #byViolation = new Map<string, Map<string, Map<string, MonthlyFigures>>>();
  #cases = new Map<string, readonly Violation[]>();
  #leads = new Map<string, readonly Violation[]>();
  #referrals = new Map<string, readonly Violation[]>();

  /** This county: a lead sent across the line is counted as received where it arrives. */
  constructor(county: string) {
    this.#book = initialFigures(county);
  }

  /** The fold of the monthly figures so far: read at once, not kept (it changes in place). */
  get book(): FiguresBook {
    return this.#book;
  }

  /** Applies one event, in stream order. */
  apply(e: BusEvent): void {
    // Kept for a year of leads and cases: one copy of each list of violations (`internedList`).
    if (e.type === "lead.reported" && e.to === undefined)
      this.#leads.set(e.data.leadId, internedList(e.data.violations));
    else if (e.type === "case.opened")
      this.#cases.set(e.data.caseId, internedList(e.data.violations));
    else if (e.type === "referral.offered")
      this.#referrals.set(
        e.data.referralId,
        e.data.about.kind === "lead"
          ? (this.#leads.get(e.data.about.id) ?? internedList(e.data.lead?.violations ?? []))
          : (this.#cases.get(e.data.about.id) ?? []),
      );
    const fact = figureFact(e, this.#book.county);
    // The book is this object's alone (read synchronously, copied out by `figuresOf`): a fact
    // is written into it, not into a copy of it, on a rebuild of a year of events.
    // Not counted (an agency's findings on an inspection, once): not in the breakdown either.
    if (!fact || !addOwnFact(this.#book, fact)) return;
    const about = fact.about;
    const violations =
      "case" in about
        ? (this.#cases.get(about.case) ?? [])
        : "referral" in about
          ? (this.#referrals.get(about.referral) ?? [])
          : about;
    const cells = cell(
      cell(this.#byViolation, fact.month, newMap<string, Map<string, MonthlyFigures>>),
      fact.agency,
      newMap<string, MonthlyFigures>,
    );
    // Each violation once, however often the event names it.
    for (let i = 0; i < violations.length; i++) {
      const v = violations[i]!;
      if (violations.indexOf(v) !== i) continue;
      const figures = cell(cells, v, noFigures);
      for (const k in fact.add)
        figures[k as keyof MonthlyFigures] += fact.add[k as keyof MonthlyFigures]!;
    }
  }

  /**
   * One month: a row per agency with anything (violation `ALL`, the agency's monthly figures),
   * and a row per agency and violation named.
   */
  month(
    month: string,
  ): { agency: string; violation: string; figures: MonthlyFigures; closureRate: number | null }[] {
    const rows: {
      agency: string;
      violation: string;
      figures: MonthlyFigures;
      closureRate: number | null;
    }[] = [];
    for (const agency of Object.keys(this.#book.months[month]?.agencies ?? {})) {
      const figures = figuresOf(this.#book, month, agency);
      rows.push({ agency, violation: ALL, figures, closureRate: closureRate(figures) });
      for (const [violation, f] of this.#byViolation.get(month)?.get(agency) ?? [])
        rows.push({ agency, violation, figures: { ...f }, closureRate: closureRate(f) });
    }
    return rows.sort(
      (a, b) => a.agency.localeCompare(b.agency) || a.violation.localeCompare(b.violation),
    );
  }

  /**
   * Everything folded so far (the office's snapshot). Its three long lists are the maps held, not
   * copies (a year of leads and referrals): read before anything more is folded.
   */
  state(): StatisticsState {
    return {
      book: this.#book,
      byViolation: [...this.#byViolation].map(([month, agencies]) => [
        month,
        [...agencies].map(([agency, cells]) => [agency, [...cells]]),
      ]),
      cases: this.#cases,
      leads: this.#leads,
      referrals: this.#referrals,
    };
  }

  /** Folded again from what `state` gave (the office's snapshot): what it held before is gone. */
  restore(s: StatisticsState): void {
    this.#book = s.book;
    this.#byViolation.clear();
    for (const [month, agencies] of s.byViolation)
      this.#byViolation.set(month, new Map(agencies.map(([a, cells]) => [a, new Map(cells)])));
    // A Map given is kept as it is, not copied (a snapshot's: a quarter of a million entries
    // each); the caller gives it up.
    const own = <V>(m: ReadonlyMap<string, V>) => (m instanceof Map ? m : new Map(m));
    this.#cases = own(s.cases);
    this.#leads = own(s.leads);
    this.#referrals = own(s.referrals);
  }

  /** One agency's figures for a month, every violation together. */
  figures(month: string, agency: string): MonthlyFigures {
    return figuresOf(this.#book, month, agency);
  }
}

/** What `Statistics.state` gives: its maps as lists of entries. */
export type StatisticsState = {
  book: FiguresBook;
  byViolation: [string, [string, [string, MonthlyFigures][]][]][];
  cases: ReadonlyMap<string, readonly Violation[]>;
  leads: ReadonlyMap<string, readonly Violation[]>;
  referrals: ReadonlyMap<string, readonly Violation[]>;
};

const newMap = <K, V>() => new Map<K, V>();
const noFigures = (): MonthlyFigures => ({ ...NO_FIGURES });

/** The value of `key` in `map`, made and put there first when there is none. */
function cell<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
