import type { AgencyCode, BusEvent } from "@liandong/contracts";
import {
  addFact,
  type FigureFact,
  type FiguresBook,
  figureFact,
  initialFigures,
  type ReportEvent,
  type ReportState,
  reportDecider,
} from "@liandong/domain";
import type { Bucket } from "@liandong/runtime";
import { storedUnder } from "./desk-store.ts";

/**
 * The agency's monthly report as it folds it from the events it sees (its own, and its inbox):
 * its figures by the domain's `figureFact`/`addFact`, the fold the office makes of the whole
 * bus, and its reports by the report aggregate's `evolve`. Each fact it counts is kept in its
 * bucket under the fact's key (`figure.<month>.<key>`), created once: a redelivered event, or
 * one delivered again after a failure, finds its fact there and counts nothing twice.
 */
export class ReportDesk {
  readonly #kv: Bucket;
  readonly #agency: AgencyCode;
  #book: FiguresBook;
  /** The keys of the facts counted (in the bucket and in `#book`). */
  readonly #counted = new Set<string>();
  readonly #reports = new Map<string, ReportState>();

  constructor(kv: Bucket, agency: AgencyCode, county: string) {
    this.#kv = kv;
    this.#agency = agency;
    this.#book = initialFigures(county);
  }

  get book(): FiguresBook {
    return this.#book;
  }

  report(month: string): ReportState {
    return this.#reports.get(month) ?? reportDecider.initialState();
  }

  async load(): Promise<void> {
    for await (const [key, fact] of storedUnder<FigureFact>(this.#kv, "figure"))
      this.#count(key, fact);
    type Kept = ReportState | { month: string; submittedAt: string };
    for await (const [, r] of storedUnder<Kept>(this.#kv, "report")) {
      // Kept before the report was an aggregate (no status, no officer): not read here; the
      // office still folds it from the bus, and a submission again counts as a correction.
      if ("status" in r && r.status === "submitted") this.#reports.set(r.month, r);
    }
  }

  /** Folds one event this agency has seen and handled (own events or inbox), at least once. */
  async record(e: BusEvent): Promise<void> {
    const fact = figureFact(e, this.#book.county);
    if (fact && fact.agency === this.#agency) {
      const key = `figure.${fact.month}.${fact.key}`;
      if (!this.#counted.has(key)) {
        try {
          await this.#kv.create(key, JSON.stringify(fact));
        } catch (err) {
          // Already in the bucket (counted before a failure): count it here too, once.
          if ((await this.#kv.get(key))?.operation !== "PUT") throw err;
        }
        this.#count(key, fact);
      }
    }
    if (e.type === "report.submitted" && e.agency === this.#agency) await this.fold(e);
  }

  /** Folds a report event: the one just appended, or one read off the bus. */
  async fold(e: ReportEvent): Promise<ReportState> {
    const before = this.report(e.data.month);
    const after = reportDecider.evolve(before, e);
    if (after !== before) {
      await this.#kv.put(`report.${e.data.month}`, JSON.stringify(after));
      this.#reports.set(e.data.month, after);
    }
    return after;
  }

  #count(key: string, fact: FigureFact) {
    if (this.#counted.has(key)) return;
    this.#counted.add(key);
    this.#book = addFact(this.#book, fact);
  }
}
