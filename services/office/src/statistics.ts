import type { BusEvent, MonthlyFigures, Violation } from "@liandong/contracts";
import {
  addOwnFact,
  closureRate,
  type FiguresBook,
  figureFact,
  figuresOf,
  initialFigures,
  NO_FIGURES,
} from "@liandong/domain";

/** `ALL` stands for every violation together (a case with two violations counts once there). */
export const ALL = "all";

/** Something the office holds by id that names its violations: a case, a tracked referral. */
type WithViolations = ReadonlyMap<string, { readonly violations: readonly Violation[] }>;

/**
 * Where the statistics read which violations a fact is about, after the event is folded there:
 * the office's cases (the domain's records) and its referral tracker (a referral's violations,
 * found once when it was offered). Nothing of it is kept here a second time.
 */
export type FactSources = { cases: WithViolations; referrals: WithViolations };

/**
 * The office's statistics (统计): the domain's monthly figures folded from the whole bus (the
 * same fold every agency makes of what it sees), and the same facts broken down by violation.
 * What counts is the domain's `figureFact`; here only which violations a fact is about: its
 * lead's, named in the fact, or its case's or referral's, as the office holds them.
 */
export class Statistics {
  #book: FiguresBook;
  /** Month → agency → violation → figures: the breakdown the agencies do not report. */
  readonly #byViolation = new Map<string, Map<string, Map<string, MonthlyFigures>>>();
  readonly #about: FactSources;

  /**
   * This county (a lead sent across the line is counted as received where it arrives), and where
   * a fact's violations are read: `apply` each event after the cases and the tracker folded it.
   */
  constructor(county: string, about: FactSources) {
    this.#book = initialFigures(county);
    this.#about = about;
  }

  /** The fold of the monthly figures so far: read at once, not kept (it changes in place). */
  get book(): FiguresBook {
    return this.#book;
  }

  /** Applies one event, in stream order, once the cases and the tracker have folded it. */
  apply(e: BusEvent): void {
    const fact = figureFact(e, this.#book.county);
    // The book is this object's alone (read synchronously, copied out by `figuresOf`): a fact
    // is written into it, not into a copy of it, on a rebuild of a year of events.
    // Not counted (an agency's findings on an inspection, once): not in the breakdown either.
    if (!fact || !addOwnFact(this.#book, fact)) return;
    const about = fact.about;
    const violations =
      "case" in about
        ? (this.#about.cases.get(about.case)?.violations ?? [])
        : "referral" in about
          ? (this.#about.referrals.get(about.referral)?.violations ?? [])
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

  /** Everything folded so far (the office's snapshot): the book, read before more is folded. */
  state(): StatisticsState {
    return {
      book: this.#book,
      byViolation: [...this.#byViolation].map(([month, agencies]) => [
        month,
        [...agencies].map(([agency, cells]) => [agency, [...cells]]),
      ]),
    };
  }

  /** Folded again from what `state` gave (the office's snapshot): what it held before is gone. */
  restore(s: StatisticsState): void {
    this.#book = s.book;
    this.#byViolation.clear();
    for (const [month, agencies] of s.byViolation)
      this.#byViolation.set(month, new Map(agencies.map(([a, cells]) => [a, new Map(cells)])));
  }

  /** One agency's figures for a month, every violation together. */
  figures(month: string, agency: string): MonthlyFigures {
    return figuresOf(this.#book, month, agency);
  }
}

/** What `Statistics.state` gives: its breakdown as lists of entries. */
export type StatisticsState = {
  book: FiguresBook;
  byViolation: [string, [string, [string, MonthlyFigures][]][]][];
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
