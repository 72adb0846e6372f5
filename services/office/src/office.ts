import { deadLetterSubject, LeadStatus, parseEventSubject, STREAMS } from "@liandong/contracts";
import {
  AggregateLog,
  checkMessage,
  type HttpEnv,
  officerAuth,
  ProblemError,
  PULL,
  readQuery,
  type ServiceContext,
  type ServiceParts,
  sha256Hex,
} from "@liandong/runtime";
import { DeliverPolicy, type JsMsg, jetstream } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import type { Hono } from "hono";
import { z } from "zod";
import { evolveInspections, type Inspections, mountInspections } from "./inspections.ts";
import { evolve, type Tracker, trackedLead } from "./lead-tracker.ts";
import { evolveReferrals, type ReferralTracker } from "./referral-tracker.ts";
import { evolveSubmissions, mountReports, type Submissions } from "./reports.ts";
import { Statistics } from "./statistics.ts";
import { evolveSupervision, mountSupervision, type Supervision } from "./supervision.ts";
import { deadlineScheduler, mountTracker } from "./tracker-routes.ts";
import { readTrail } from "./trail.ts";
import { mountWebPage } from "./web.ts";

/**
 * Aggregate kinds whose events the office's projections read. The rest (an agency's audit
 * checkpoints, its refused attempts, its informant files) are skipped by their subject, before
 * any decoding: a checkpoint alone is tens of kilobytes.
 */
const PROJECTED_KINDS = new Set([
  "lead",
  "referral",
  "case",
  "supervision",
  "report",
  "inspection",
]);

/** Whether the office decodes the event stored under `subject` (an unreadable subject is, to be dead-lettered). */
export function projected(subject: string): boolean {
  const s = parseEventSubject(subject);
  return s === undefined || PROJECTED_KINDS.has(s.kind);
}

const LeadQuery = z.object({
  agency: z.string().optional(),
  status: LeadStatus.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
});

/**
 * The leading group's office: a county-wide view of every lead, rebuilt from the EVENTS
 * stream at start and kept current by an ordered consumer (nothing counted twice: the
 * projection is rebuilt, not resumed).
 */
export async function office(ctx: ServiceContext): Promise<ServiceParts> {
  const { nc, logger, publisher, agency } = ctx;
  const tracker: Tracker = new Map();
  const referrals: ReferralTracker = new Map();
  let caughtUp = false;
  let running: { stop(): void } | undefined;
  let done: Promise<void> | undefined;
  mountRoutes(ctx.app, ctx, tracker);
  mountTracker(ctx.app, ctx, referrals);
  const supervision: Supervision = { orders: new Map(), cases: new Map() };
  // One log for everything the office appends (deadlines, orders, escalations): one head each.
  const log = new AggregateLog(publisher, ctx.kv, ctx.county);
  mountSupervision(ctx.app, ctx, { log, supervision, referrals });
  const deadlines = deadlineScheduler(ctx, referrals, log, supervision);
  const stats = new Statistics(ctx.county);
  const submissions: Submissions = new Map();
  mountReports(ctx.app, ctx, { stats, submissions });
  const inspections: Inspections = new Map();
  mountInspections(ctx.app, ctx, { log, inspections });
  await mountWebPage(ctx.app, ctx);

  // One message of EVENTS, decoded, validated and applied to every projection (or dead-lettered).
  // Synchronous for all but the few that write back: no promise per message of a rebuild.
  const apply = (m: JsMsg): Promise<void> | undefined => {
    const verdict = checkMessage(m.subject, m.data);
    if (!verdict.ok) return deadLetter(m, verdict.reason, verdict.detail);
    const e = verdict.event;
    evolve(tracker, e);
    evolveReferrals(referrals, tracker, e);
    evolveSupervision(supervision, e);
    stats.apply(e);
    evolveSubmissions(submissions, e);
    evolveInspections(inspections, e);
    // An agency's answer moves the supervision aggregate the office also writes to.
    if (e.aggregate.kind === "supervision" && e.agency !== agency)
      return log.observe("supervision", e.aggregate.id, { seq: m.seq, hash: sha256Hex(m.data) });
    return undefined;
  };
  const deadLetter = async (m: JsMsg, reason: string, detail: string) => {
    const h = headers();
    h.set("Liandong-Dlq-Reason", reason);
    h.set("Liandong-Dlq-Detail", detail.slice(0, 2000));
    h.set("Liandong-Original-Subject", m.subject);
    h.set("Liandong-Original-Seq", String(m.seq));
    await publisher
      .publishBytes(deadLetterSubject(agency, reason), m.data, `dlq:EVENTS:office:${m.seq}`, h)
      .catch((err) => logger.error({ err, seq: m.seq }, "dead-letter publish failed"));
  };

  return {
    async start() {
      const js = jetstream(nc);
      const consumer = await js.consumers.get(STREAMS.events, {
        name_prefix: `office_${crypto.randomUUID().replaceAll("-", "")}`,
        deliver_policy: DeliverPolicy.All,
      });
      const startPending = (await consumer.info(true)).num_pending;
      if (startPending === 0) caughtUp = true;
      const messages = await consumer.consume(PULL);
      running = messages;
      done = (async () => {
        for await (const m of messages) {
          const pending = projected(m.subject) ? apply(m) : undefined;
          if (pending) await pending;
          if (m.info.pending === 0 && !caughtUp) {
            caughtUp = true;
            deadlines.start();
          }
        }
      })();
      if (caughtUp) deadlines.start();
    },
    async stop() {
      deadlines.stop();
      running?.stop();
      await done;
    },
    ready: () => caughtUp,
  };
}

/** What the office answers without a token: its page, the auditors' public keys, the probes. */
export const OPEN_PATHS = new Set([
  "/",
  "/ui/app.js",
  "/ui/style.css",
  "/ui/config.json",
  "/audit/keys",
  "/healthz",
  "/readyz",
  "/metrics",
]);

function mountRoutes(app: Hono<HttpEnv>, ctx: ServiceContext, tracker: Tracker) {
  const auth = officerAuth(ctx.officers, ctx.agency);
  // Everything the office answers needs one of its officers, denied by default so that a route
  // added later cannot be left open; only the page itself, the public keys and the probes not.
  app.use("*", (c, next) =>
    OPEN_PATHS.has(c.req.path) || c.req.method === "OPTIONS" ? next() : auth(c, next),
  );
  // Public keys are public: an auditor needs them before holding any token.
  app.get("/audit/keys", (c) => c.json({ county: ctx.county, agencies: ctx.config.auditKeys }));
  app.get("/trail/:kind/:id", async (c) =>
    c.json(
      await readTrail(
        ctx.nc,
        ctx.county,
        c.req.param("kind"),
        c.req.param("id"),
        ctx.config.agencies.map((a) => a.code),
      ),
    ),
  );
  app.get("/leads", (c) => {
    const q = readQuery(c, LeadQuery);
    const all = [...tracker.values()]
      .filter(
        (l) =>
          (!q.agency || l.originator === q.agency || l.sharedWith.includes(q.agency)) &&
          (!q.status || l.status === q.status),
      )
      .sort((a, b) => b.at.localeCompare(a.at));
    return c.json({
      items: all.slice(q.offset, q.offset + q.limit).map(trackedLead),
      total: all.length,
    });
  });
  app.get("/leads/:leadId", (c) => {
    const lead = tracker.get(c.req.param("leadId"));
    if (!lead) throw new ProblemError(404, "not-found", "未找到该线索");
    return c.json(trackedLead(lead));
  });
  app.get("/overview", (c) => {
    const byAgency: Record<string, { registered: number; received: number }> = {};
    for (const a of ctx.config.agencies) byAgency[a.code] = { registered: 0, received: 0 };
    for (const l of tracker.values()) {
      byAgency[l.originator] ??= { registered: 0, received: 0 };
      byAgency[l.originator]!.registered++;
      for (const to of l.deliveredTo) {
        byAgency[to] ??= { registered: 0, received: 0 };
        byAgency[to]!.received++;
      }
    }
    return c.json({ county: ctx.county, leads: tracker.size, byAgency });
  });
}
