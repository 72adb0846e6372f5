import type {
  ComparisonRequested,
  FactsPart,
  Finding,
  FindingsReply,
  LedgerSaleFact,
  MatchConfig,
  PregnancyFact,
} from "@liandong/contracts";
import { comparePregnancies, FINDING_ORIGINATOR, prescriberOverdoses } from "@liandong/domain";

type Refusal = NonNullable<ComparisonRequested["refused"]>;

/** The China-time day of an instant (the rules count days as the agencies do). */
export const chinaDay = (ms: number): string =>
  new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * What the comparison service holds between runs: each agency's latest whole set of facts (a
 * holder of registers of people: pseudonyms and what the rules need; drug regulation: its
 * ledger's sales), and the parts of a set still coming in. A set replaces the agency's last one
 * only once its last part is in, so the rules never run over half a register.
 *
 * Nothing here names anybody: a pseudonym is the holders' tag of an OPRF output, which this
 * service cannot compute (it does not have the holders' tag key), and a row is the holder's
 * opaque reference.
 */
export class FactsStore {
  readonly #facts = new Map<string, readonly PregnancyFact[]>();
  readonly #sales = new Map<string, readonly LedgerSaleFact[]>();
  readonly #pending = new Map<
    string,
    { run: string; next: number; facts: PregnancyFact[]; sales: LedgerSaleFact[] }
  >();
  /** The findings already recorded on the log (`comparison.found`), by id. */
  readonly #recorded = new Set<string>();
  readonly #holders: ReadonlySet<string>;
  readonly #ledgers: ReadonlySet<string>;

  constructor(opts: { holders: Iterable<string>; ledgers: Iterable<string> }) {
    this.#holders = new Set(opts.holders);
    this.#ledgers = new Set(opts.ledgers);
  }

  /**
   * Takes one part from `agency`. A holder may give facts of its own rows only (`holder` is the
   * agency that asks), a ledger keeper sales only; parts of a run come in order, from 0.
   */
  accept(
    agency: string,
    part: FactsPart,
  ): { refused: Refusal } | { complete: false } | { complete: true; count: number } {
    const holder = this.#holders.has(agency);
    const ledger = this.#ledgers.has(agency);
    if (!holder && !ledger) return { refused: "not-a-holder" };
    if (part.facts.length > 0 && (!holder || part.facts.some((f) => f.holder !== agency)))
      return { refused: "not-a-holder" };
    if (part.sales.length > 0 && !ledger) return { refused: "not-a-holder" };
    let pending = this.#pending.get(agency);
    if (part.part === 0) {
      pending = { run: part.run, next: 0, facts: [], sales: [] };
      this.#pending.set(agency, pending);
    }
    if (!pending || pending.run !== part.run || pending.next !== part.part)
      return { refused: "malformed" };
    for (const f of part.facts) pending.facts.push(f);
    for (const s of part.sales) pending.sales.push(s);
    pending.next++;
    if (!part.last) return { complete: false };
    this.#pending.delete(agency);
    if (holder) this.#facts.set(agency, pending.facts);
    if (ledger) this.#sales.set(agency, pending.sales);
    return { complete: true, count: pending.facts.length + pending.sales.length };
  }

  /** Whether a finding is on the log already. */
  recorded(finding: string): boolean {
    return this.#recorded.has(finding);
  }

  /** A finding now on the log. */
  markRecorded(finding: string): void {
    this.#recorded.add(finding);
  }

  /** How many facts (or sales) of each agency the rules run over now. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [a, f] of this.#facts) out[a] = (out[a] ?? 0) + f.length;
    for (const [a, s] of this.#sales) out[a] = (out[a] ?? 0) + s.length;
    return out;
  }

  /**
   * Every rule over every agency's latest facts, once the rule has all it reads: the pregnancy
   * rules every holder's set (a termination is "without approval" only if family planning's
   * approvals are in), the prescriber rule every ledger's. Before that a rule finds nothing: a
   * finding over half the county's registers would be a lead that is not one.
   */
  findings(today: string, config: MatchConfig): Finding[] {
    const everyHolder = [...this.#holders].every((h) => this.#facts.has(h));
    const everyLedger = [...this.#ledgers].every((l) => this.#sales.has(l));
    const facts = [...this.#facts.values()].flat();
    const sales = [...this.#sales.values()].flat();
    return [
      ...(everyHolder ? comparePregnancies(facts, today, config) : []),
      ...(everyLedger && this.#ledgers.size > 0 ? prescriberOverdoses(sales, today, config) : []),
    ];
  }

  /** The findings whose lead `agency` originates (its work), and nobody else's. */
  findingsFor(agency: string, today: string, config: MatchConfig): FindingsReply {
    return {
      today,
      findings: this.findings(today, config).filter(
        (f) => FINDING_ORIGINATOR[f.rule].agency === agency,
      ),
      holders: this.counts(),
    };
  }
}
