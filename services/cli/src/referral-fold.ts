import type { ReferralView } from "@liandong/contracts";
import { parseEvent } from "@liandong/contracts";
import { isReferralEvent, type ReferralBusEvent, recordReferral } from "@liandong/domain";
import { type LogEntry, sha256Hex } from "@liandong/runtime";

/** A referral that crosses a county line, as two counties' logs hold it, folded differently. */
export type Divergence = {
  referralId: string;
  counties: Record<string, { status: string; holder: string; holderCounty?: string } | null>;
  detail: string;
};

/**
 * Folds the referrals that cross a county line in each county's log with the domain's record,
 * the same fold every agency and office uses, then compares: both counties must come to the same
 * status, holder and counted steps, whatever order their logs hold the steps in.
 */
export class CrossBorderReferrals {
  readonly #byCounty = new Map<string, Map<string, ReferralView>>();
  readonly #waiting = new Map<string, { e: ReferralBusEvent; seq: number; hash: string }[]>();

  add(county: string, entry: LogEntry): void {
    // Only what crosses the line: the subject has one token more, the addressed county.
    if (entry.subject.split(".").length < 8 || entry.subject.split(".")[4] !== "referral") return;
    const parsed = parseEvent(JSON.parse(Buffer.from(entry.bytes).toString("utf8")));
    if (!parsed.ok || !isReferralEvent(parsed.event)) return;
    const e = parsed.event;
    const key = `${county}|${e.aggregate.id}`;
    const pending = [
      ...(this.#waiting.get(key) ?? []),
      { e, seq: entry.seq, hash: sha256Hex(entry.bytes) },
    ];
    const views = this.#byCounty.get(county) ?? new Map<string, ReferralView>();
    this.#byCounty.set(county, views);
    // A step whose predecessor comes later in this log waits for it.
    for (let progress = true; progress; ) {
      progress = false;
      for (const p of [...pending]) {
        const r = recordReferral(views.get(p.e.aggregate.id), p.e, p);
        if (!r.ok && "waiting" in r) continue;
        pending.splice(pending.indexOf(p), 1);
        if (r.ok) views.set(p.e.aggregate.id, r.view);
        progress = true;
      }
    }
    if (pending.length > 0) this.#waiting.set(key, pending);
    else this.#waiting.delete(key);
  }

  /**
   * The referrals two counties hold and fold differently (`diverged`), but for those where one
   * county's log only lags behind the other's (`pending`): its steps are the first of the other's,
   * and each step it lacks is either the other county's (still on its way over the link, or sent
   * after this county's log was read) or its own that a neighbour's log holds and `crossCheck`
   * found sent after its own log was read (`sentLate`: their hashes).
   */
  divergences(sentLate: ReadonlySet<string> = new Set()): {
    diverged: Divergence[];
    pending: Divergence[];
  } {
    const counties = [...this.#byCounty.keys()];
    const ids = new Set(counties.flatMap((c) => [...this.#byCounty.get(c)!.keys()]));
    const out: Divergence[] = [];
    const pending: Divergence[] = [];
    for (const id of ids) {
      const held = counties
        .map((c) => [c, this.#byCounty.get(c)!.get(id)] as const)
        .filter(([, v]) => v !== undefined);
      const parties = new Set(held.flatMap(([, v]) => [v!.fromCounty, v!.toCounty]));
      const views = counties
        .filter((c) => parties.has(c))
        .map((c) => [c, this.#byCounty.get(c)!.get(id)] as const);
      const shown = (v: ReferralView | undefined) =>
        v && {
          status: v.status,
          holder: v.holder,
          ...(v.holderCounty ? { holderCounty: v.holderCounty } : {}),
          steps: v.history.filter((h) => !h.void).map((h) => h.eventId),
        };
      const first = JSON.stringify(shown(views[0]?.[1]));
      if (views.every(([, v]) => JSON.stringify(shown(v)) === first)) continue;
      const steps = (v: ReferralView | undefined) => v?.history.filter((h) => !h.void) ?? [];
      const longest = views
        .map(([, v]) => steps(v))
        .reduce((a, b) => (b.length > a.length ? b : a), [] as ReturnType<typeof steps>);
      const lags = views.every(([c, v]) => {
        const own = steps(v);
        return (
          own.every((h, k) => longest[k]?.hash === h.hash) &&
          longest
            .slice(own.length)
            .every((h) => (h.county !== undefined && h.county !== c) || sentLate.has(h.hash))
        );
      });
      (lags ? pending : out).push({
        referralId: id,
        counties: Object.fromEntries(
          views.map(([c, v]) => [
            c,
            v
              ? {
                  status: v.status,
                  holder: v.holder,
                  ...(v.holderCounty ? { holderCounty: v.holderCounty } : {}),
                }
              : null,
          ]),
        ),
        detail: views.some(([, v]) => !v)
          ? "一县日志中没有这件移交"
          : "两县日志折叠出的状态或步骤不一致",
      });
    }
    return { diverged: out, pending };
  }
}
