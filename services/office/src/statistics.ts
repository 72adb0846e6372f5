import { type BusEvent, MonthlyFigures, monthOf, type Violation } from "@liandong/contracts";

/** The figures of one agency (or the whole county) for one month, from what happened on the bus. */
export type Figures = MonthlyFigures;

export const FIGURES = Object.keys(MonthlyFigures.shape) as (keyof Figures)[];

const empty = (): Figures => Object.fromEntries(FIGURES.map((k) => [k, 0])) as unknown as Figures;

const CST_OFFSET_MS = 8 * 3_600_000;
const Z = "Z".charCodeAt(0);

/** `ALL` stands for every violation (a case with two violations counts once here). */
export const ALL = "all";

/** One month's cells: agency, then violation (or `ALL`). */
type MonthCells = Map<string, Map<string, Figures>>;

/** Counted figures by month, agency and violation (and `ALL`). */
export class Statistics {
  readonly #cells = new Map<string, MonthCells>();
  /** What a later event needs to know: a case's agency and violations, a referral's. */
  readonly #cases = new Map<string, { agency: string; violations: Violation[] }>();
  readonly #leads = new Map<string, Violation[]>();
  readonly #referrals = new Map<string, Violation[]>();

  /** This county: a lead sent across the line is counted as received where it arrives. */
  constructor(readonly county?: string) {}

  /**
   * The month last seen, as the instants [from, to) it spans, also as UTC ISO strings, and its
   * cells: stream order keeps it warm.
   */
  #month = { from: 0, to: 0, fromIso: "", toIso: "", cells: new Map() as MonthCells };

  /** Counts `f` in the month of `at` (only events that count find their month). */
  #add(at: string, agency: string, violations: readonly string[], f: Partial<Figures>) {
    const cells = this.#cellsOf(at);
    let byViolation = cells.get(agency);
    if (!byViolation) {
      byViolation = new Map();
      cells.set(agency, byViolation);
    }
    addTo(byViolation, ALL, f);
    for (let i = 0; i < violations.length; i++) {
      const v = violations[i]!;
      // Each violation once, however often the event names it.
      if (violations.indexOf(v) === i) addTo(byViolation, v, f);
    }
  }

  /** The cells of the month (`monthOf`) an instant falls in, without a date per event of a month already seen. */
  #cellsOf(iso: string): MonthCells {
    const m = this.#month;
    // A UTC instant to the millisecond (what `toISOString` writes) compares as a string.
    if (iso.length === 24 && iso.charCodeAt(23) === Z) {
      if (iso >= m.fromIso && iso < m.toIso) return m.cells;
    } else {
      const t = Date.parse(iso);
      if (t >= m.from && t < m.to) return m.cells;
    }
    const month = monthOf(iso);
    const [y, mm] = month.split("-").map(Number) as [number, number];
    // Midnight China Standard Time on the first of the month, and of the next.
    m.from = Date.UTC(y, mm - 1, 1) - CST_OFFSET_MS;
    m.to = Date.UTC(y, mm, 1) - CST_OFFSET_MS;
    m.fromIso = new Date(m.from).toISOString();
    m.toIso = new Date(m.to).toISOString();
    let cells = this.#cells.get(month);
    if (!cells) {
      cells = new Map();
      this.#cells.set(month, cells);
    }
    m.cells = cells;
    return cells;
  }

  /** Applies one event, in stream order. */
  apply(e: BusEvent): void {
    switch (e.type) {
      case "lead.reported":
        if (e.to !== undefined) return;
        this.#leads.set(e.data.leadId, e.data.violations);
        this.#add(e.time, e.agency, e.data.violations, { leadsRegistered: 1 });
        return;
      case "lead.shared":
        if (e.toCounty !== undefined && e.county === this.county) return;
        this.#add(e.time, e.data.to, e.data.lead.violations, { leadsReceived: 1 });
        return;
      case "case.opened":
        if (this.#cases.has(e.data.caseId)) return;
        this.#cases.set(e.data.caseId, { agency: e.agency, violations: e.data.violations });
        this.#add(e.time, e.agency, e.data.violations, { casesOpened: 1 });
        return;
      case "case.closed": {
        const c = this.#cases.get(e.data.caseId);
        if (!c) return;
        const f: Partial<Figures> = {
          casesClosed: 1,
          finesYuan: 0,
          revocations: 0,
          judiciaryTransfers: 0,
        };
        for (const s of e.data.sanctions) {
          if (s.kind === "fine") f.finesYuan! += s.amountYuan;
          if (s.kind === "revoke-practising-certificate" || s.kind === "revoke-institution-licence")
            f.revocations! += 1;
          if (s.kind === "transfer-to-judiciary") f.judiciaryTransfers! += 1;
        }
        this.#add(e.time, c.agency, c.violations, f);
        return;
      }
      case "referral.offered":
        this.#referrals.set(
          e.data.referralId,
          e.data.about.kind === "lead"
            ? (this.#leads.get(e.data.about.id) ?? [])
            : (this.#cases.get(e.data.about.id)?.violations ?? []),
        );
        return;
      case "inspection.findings-recorded":
        if (e.data.by !== e.agency) return;
        this.#add(e.time, e.agency, [], {
          inspections: 1,
          institutionsChecked: e.data.institutionsChecked,
          devicesSealed: e.data.devicesSealed,
          drugsConfiscated: e.data.drugsConfiscated,
        });
        return;
      case "supervision.overdue":
        this.#add(e.time, e.data.holder, this.#referrals.get(e.data.referralId) ?? [], {
          referralsOverdue: 1,
        });
        return;
      default:
        return;
    }
  }

  /** One month: a row per agency and violation that has anything, plus `ALL` rows. */
  month(month: string): { agency: string; violation: string; figures: Figures }[] {
    const rows: { agency: string; violation: string; figures: Figures }[] = [];
    for (const [agency, byViolation] of this.#cells.get(month) ?? [])
      for (const [violation, figures] of byViolation)
        rows.push({ agency, violation, figures: { ...figures } });
    return rows.sort(
      (a, b) => a.agency.localeCompare(b.agency) || a.violation.localeCompare(b.violation),
    );
  }

  /** One agency's figures for a month, every violation together. */
  figures(month: string, agency: string): Figures {
    return { ...(this.#cells.get(month)?.get(agency)?.get(ALL) ?? empty()) };
  }
}

function addTo(byViolation: Map<string, Figures>, violation: string, f: Partial<Figures>) {
  let cell = byViolation.get(violation);
  if (!cell) {
    cell = empty();
    byViolation.set(violation, cell);
  }
  for (const k in f) cell[k as keyof Figures] += f[k as keyof Figures]!;
}

/** 查处率: cases closed over cases opened, as a share (0 when nothing was opened). */
export const closureRate = (f: Figures): number =>
  f.casesOpened === 0 ? 0 : Math.round((f.casesClosed / f.casesOpened) * 1000) / 1000;
