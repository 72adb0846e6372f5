import { DAY_MS, serviceActor, TrackerQuery } from "@liandong/contracts";
import { duePassed, isOverdue } from "@liandong/domain";
import {
  type AggregateLog,
  type HttpEnv,
  ProblemError,
  readQuery,
  type ServiceContext,
  uuidFromName,
} from "@liandong/runtime";
import { Hono } from "hono";
import {
  type ReferralTracker,
  referralsMatching,
  type TrackedReferral,
} from "./referral-tracker.ts";
import { answerUp, escalate, type Supervision } from "./supervision.ts";

const view = (r: TrackedReferral, now: Date) => ({
  ...r,
  overdueNow: isOverdue(r),
  ageDays: Math.floor((now.getTime() - Date.parse(r.offeredAt)) / DAY_MS),
});

/** The office's referral tracker (移交督办台账): every referral of the county, filtered. */
export function trackerRoutes(ctx: ServiceContext, referrals: ReferralTracker): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/tracker/referrals", (c) => {
    const q = readQuery(c, TrackerQuery);
    // Only the page's referrals read (a tracker restored from a snapshot reads each when asked for).
    const ids = referralsMatching(referrals, q);
    const now = ctx.clock();
    return c.json({
      items: ids.slice(q.offset, q.offset + q.limit).map((id) => view(referrals.get(id)!, now)),
      total: ids.length,
    });
  });
  app.get("/tracker/referrals/:referralId", (c) => {
    const r = referrals.get(c.req.param("referralId"));
    if (!r) throw new ProblemError(404, "not-found", "未找到该移交");
    return c.json(view(r, ctx.clock()));
  });
  return app;
}

/**
 * Looks for passed deadlines every `overdueCheckSeconds`, on the services' clock (referrals'
 * acceptance and feedback, supervision orders' answers), and records each on the bus once (`supervision.overdue`, a fixed id per referral and deadline, so a
 * restart or a second look records nothing twice). Starts once the tracker has caught up.
 */
export function deadlineScheduler(
  ctx: ServiceContext,
  referrals: ReferralTracker,
  log: AggregateLog,
  supervision: Supervision,
) {
  const inFlight = new Set<string>();
  const shortNames = new Map(ctx.config.agencies.map((a) => [a.code, a.shortName]));
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    escalate(ctx, log, supervision, inFlight);
    answerUp(ctx, log, supervision, inFlight, (a) => shortNames.get(a) ?? a);
    const now = ctx.clock();
    let overdue = 0;
    for (const r of referrals.values()) if (isOverdue(r)) overdue++;
    ctx.metrics.overdueReferrals.set(overdue);
    for (const r of referrals.values()) {
      // Whose step is due hears of it in its inbox (the addressee, while it is offered or accepted).
      const awaiting = r.awaiting;
      if (awaiting === undefined) continue;
      for (const due of duePassed(r, now)) {
        const key = `${r.referralId}:${due.deadline}`;
        if (inFlight.has(key)) continue;
        inFlight.add(key);
        log
          .append({
            type: "supervision.overdue",
            id: uuidFromName(`overdue:${key}`),
            actor: serviceActor(ctx.agency),
            aggregate: { kind: "supervision", id: r.referralId },
            to: awaiting,
            data: {
              referralId: r.referralId,
              deadline: due.deadline,
              dueAt: due.dueAt,
              holder: r.holder,
              awaiting,
              statusSeen: r.status,
            },
          })
          .then(
            () => {
              // Cleared once the tracker has it from the stream; a retry is harmless (same id).
              setTimeout(() => inFlight.delete(key), 5000).unref();
            },
            (err) => {
              inFlight.delete(key);
              ctx.logger.error({ err, referralId: r.referralId }, "could not record an overdue");
            },
          );
      }
    }
  };
  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void check(), ctx.config.overdueCheckSeconds * 1000);
      void check();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
