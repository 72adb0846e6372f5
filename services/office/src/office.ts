import { deadLetterSubject, parseEventSubject, STREAMS } from "@liandong/contracts";
import {
  AggregateLog,
  checkMessage,
  officerGate,
  type ServiceContext,
  type ServiceParts,
  type StreamMessage,
  sha256Hex,
} from "@liandong/runtime";
import { headers } from "@nats-io/transport-node";
import { type Cases, evolveCases } from "./cases.ts";
import { followInspections } from "./inspection-events.ts";
import { inspectionRoutes, newInspections } from "./inspections.ts";
import { leadRoutes } from "./lead-routes.ts";
import { evolve, type Tracker } from "./lead-tracker.ts";
import { evolveReferrals, type ReferralTracker } from "./referral-tracker.ts";
import { evolveSubmissions, reportRoutes, type Submissions } from "./reports.ts";
import { Statistics } from "./statistics.ts";
import { newSupervision, supervisionRoutes } from "./supervision.ts";
import { followSupervision, observeSupervision } from "./supervision-events.ts";
import { deadlineScheduler, trackerRoutes } from "./tracker-routes.ts";
import { trailRoutes } from "./trail.ts";
import { webPage } from "./web.ts";

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

/**
 * The leading group's office: a county-wide view of every lead, rebuilt from the EVENTS
 * stream at start and kept current by an ordered consumer (nothing counted twice: the
 * projection is rebuilt, not resumed).
 */
export async function office(ctx: ServiceContext): Promise<ServiceParts> {
  const { bus, logger, publisher, agency } = ctx;
  const tracker: Tracker = new Map();
  const referrals: ReferralTracker = new Map();
  let caughtUp = false;
  let running: { stop(): Promise<void> } | undefined;
  const cases: Cases = new Map();
  const supervision = newSupervision();
  // One log for everything the office appends (deadlines, orders, escalations): one head each.
  const log = new AggregateLog(publisher, ctx.kv, ctx.county);
  const deadlines = deadlineScheduler(ctx, referrals, log, supervision);
  const stats = new Statistics(ctx.county);
  const submissions: Submissions = new Map();
  const inspections = newInspections();
  const participants = ctx.config.agencies.map((a) => a.code);
  // Everything the office answers needs one of its officers, but for its open paths: the
  // features mounted after it.
  ctx.app.use("*", officerGate(ctx.officers, ctx.agency, OPEN_PATHS));
  ctx.app.route("/", trailRoutes(ctx));
  ctx.app.route("/", leadRoutes(ctx, tracker));
  ctx.app.route("/", trackerRoutes(ctx, referrals));
  ctx.app.route("/", supervisionRoutes(ctx, { log, supervision, referrals, cases }));
  ctx.app.route("/", reportRoutes(ctx, { stats, submissions }));
  ctx.app.route("/", inspectionRoutes(ctx, { log, inspections }));
  ctx.app.route("/", await webPage(ctx));

  // One message of EVENTS, decoded, validated and applied to every projection (or dead-lettered).
  // Synchronous for all but the few that write back: no promise per message of a rebuild.
  const apply = (m: StreamMessage): Promise<void> | undefined => {
    const verdict = checkMessage(m.subject, m.data);
    if (!verdict.ok) return deadLetter(m, verdict.reason, verdict.detail);
    const e = verdict.event;
    evolve(tracker, e);
    const step =
      e.aggregate.kind === "referral"
        ? evolveReferrals(referrals, tracker, e, { seq: m.seq, hash: sha256Hex(m.data) })
        : evolveReferrals(referrals, tracker, e, { seq: m.seq, hash: "" });
    // A step its publisher was not entitled to take: not counted, on the record as a dead letter.
    if (step && !step.ok && "refused" in step)
      return deadLetter(m, "not-entitled", step.refused.message);
    evolveCases(cases, e);
    const order = followSupervision(supervision, e);
    stats.apply(e);
    evolveSubmissions(submissions, e);
    const inspection = followInspections(inspections, e, { participants, leads: tracker });
    const refused = order ?? inspection;
    // Every step on a supervision aggregate moves the head the office's own steps link to.
    const observed =
      e.aggregate.kind === "supervision"
        ? observeSupervision(supervision, log, e, { seq: m.seq, hash: sha256Hex(m.data) })
        : undefined;
    if (refused)
      return Promise.all([observed, deadLetter(m, "not-entitled", refused.message)]).then(() => {});
    return observed;
  };
  const deadLetter = async (m: StreamMessage, reason: string, detail: string) => {
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
      running = await bus.follow(STREAMS.events, {
        namePrefix: "office",
        onMessage: (m) => (projected(m.subject) ? apply(m) : undefined),
        onCaughtUp: () => {
          caughtUp = true;
          deadlines.start();
        },
      });
    },
    async stop() {
      deadlines.stop();
      await running?.stop();
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
