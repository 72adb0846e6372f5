import { type BusEvent, MonthlyFigures, monthOf, type Violation } from "@liandong/contracts";

/** The figures of one agency (or the whole county) for one month, from what happened on the bus. */
export type Figures = MonthlyFigures;

export const FIGURES = Object.keys(MonthlyFigures.shape) as (keyof Figures)[];

const empty = (): Figures => Object.fromEntries(FIGURES.map((k) => [k, 0])) as unknown as Figures;

const CST_OFFSET_MS = 8 * 3_600_000;

/** `ALL` stands for every violation (a case with two violations counts once here). */
export const ALL = "all";

/** Counted figures by month, agency and violation (and `ALL`). */
export class Statistics {
  readonly #cells = new Map<string, Figures>();
  /** What a later event needs to know: a case's agency and violations, a referral's. */
  readonly #cases = new Map<string, { agency: string; violations: Violation[] }>();
  readonly #leads = new Map<string, Violation[]>();
  readonly #referrals = new Map<string, Violation[]>();

  /** This county: a lead sent across the line is counted as received where it arrives. */
  constructor(readonly county?: string) {}

  /** The month last seen, as the instants [from, to) it spans: stream order keeps it warm. */
  #month = { month: "", from: 0, to: 0 };

  #add(month: string, agency: string, violations: readonly string[], f: Partial<Figures>) {
    const counts = Object.entries(f) as [keyof Figures, number][];
    const prefix = `${month}|${agency}|`;
    this.#addTo(`${prefix}${ALL}`, counts);
    for (let i = 0; i < violations.length; i++) {
      const v = violations[i]!;
      // Each violation once, however often the event names it.
      if (violations.indexOf(v) === i) this.#addTo(prefix + v, counts);
    }
  }

  #addTo(key: string, counts: readonly [keyof Figures, number][]) {
    let cell = this.#cells.get(key);
    if (!cell) {
      cell = empty();
      this.#cells.set(key, cell);
    }
    for (const [k, n] of counts) cell[k] += n;
  }

  /** `monthOf`, without formatting a date for every event of a month already seen. */
  #monthOf(iso: string): string {
    const t = Date.parse(iso);
    const m = this.#month;
    if (t >= m.from && t < m.to) return m.month;
    const month = monthOf(iso);
    const [y, mm] = month.split("-").map(Number) as [number, number];
    // Midnight China Standard Time on the first of the month, and of the next.
    m.from = Date.UTC(y, mm - 1, 1) - CST_OFFSET_MS;
    m.to = Date.UTC(y, mm, 1) - CST_OFFSET_MS;
    m.month = month;
    return month;
  }

  /** Applies one event, in stream order. */
  apply(e: BusEvent): void {
    const month = this.#monthOf(e.time);
    switch (e.type) {
      case "lead.reported":
        if (e.to !== undefined) return;
        this.#leads.set(e.data.leadId, e.data.violations);
        this.#add(month, e.agency, e.data.violations, { leadsRegistered: 1 });
        return;
      case "lead.shared":
        if (e.toCounty !== undefined && e.county === this.county) return;
        this.#add(month, e.data.to, e.data.lead.violations, { leadsReceived: 1 });
        return;
      case "case.opened":
        if (this.#cases.has(e.data.caseId)) return;
        this.#cases.set(e.data.caseId, { agency: e.agency, violations: e.data.violations });
        this.#add(month, e.agency, e.data.violations, { casesOpened: 1 });
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
        this.#add(month, c.agency, c.violations, f);
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
        this.#add(month, e.agency, [], {
          inspections: 1,
          institutionsChecked: e.data.institutionsChecked,
          devicesSealed: e.data.devicesSealed,
          drugsConfiscated: e.data.drugsConfiscated,
        });
        return;
      case "supervision.overdue":
        this.#add(month, e.data.holder, this.#referrals.get(e.data.referralId) ?? [], {
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
    for (const [key, figures] of this.#cells) {
      const [m, agency, violation] = key.split("|") as [string, string, string];
      if (m === month) rows.push({ agency, violation, figures: { ...figures } });
    }
    return rows.sort(
      (a, b) => a.agency.localeCompare(b.agency) || a.violation.localeCompare(b.violation),
    );
  }

  /** One agency's figures for a month, every violation together. */
  figures(month: string, agency: string): Figures {
    return { ...(this.#cells.get(`${month}|${agency}|${ALL}`) ?? empty()) };
  }
}

/** 查处率: cases closed over cases opened, as a share (0 when nothing was opened). */
export const closureRate = (f: Figures): number =>
  f.casesOpened === 0 ? 0 : Math.round((f.casesClosed / f.casesOpened) * 1000) / 1000;
