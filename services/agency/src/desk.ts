import {
  crossBorderInboxSubjects,
  inboxSubjects,
  publisherSubjects,
  STREAMS,
} from "@liandong/contracts";
import {
  AggregateLog,
  type Handler,
  IdempotentRequests,
  officerGate,
  type ServiceContext,
  type ServiceParts,
} from "@liandong/runtime";
import { caseRoutes } from "./case-routes.ts";
import { ComparisonDesk } from "./comparison-desk.ts";
import { consentEventsHandler } from "./consent-events.ts";
import { consentRoutes } from "./consent-routes.ts";
import { DeskStore } from "./desk-store.ts";
import { inboxHandler } from "./inbox-events.ts";
import { informantContext, informantEventsHandler } from "./informant-events.ts";
import { informantRoutes } from "./informant-routes.ts";
import { InformantVault } from "./informant-vault.ts";
import { inspectionDesk } from "./inspection-routes.ts";
import { leadRoutes } from "./lead-routes.ts";
import { ownEventsHandler } from "./own-events.ts";
import { referralDesk } from "./referral-routes.ts";
import { registerRoutes } from "./register-routes.ts";
import { ReportDesk } from "./report-desk.ts";
import { reportRoutes } from "./report-routes.ts";
import type { AgencyRules } from "./rules.ts";
import { supervisionDesk } from "./supervision-routes.ts";

/** What an agency service answers without an officer's token. */
const OPEN_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/** Wires the liaison desk of one agency: its store, its two consumers, its routes. */
export function agencyDesk(rules: AgencyRules) {
  return async (ctx: ServiceContext): Promise<ServiceParts> => {
    const { agency, county, bus, kv, publisher, logger, metrics } = ctx;
    const store = new DeskStore(kv);
    const requests = new IdempotentRequests(kv);
    await store.load();
    // In the background: until the keys are listed, each keyed request is looked up first.
    void requests.load().catch((err: unknown) => {
      logger.warn({ err }, "idempotency keys not listed; every keyed request is looked up");
    });
    // The identities sealed with the agency's vault key (given to this service only).
    const vault = new InformantVault(store, ctx.vault, agency, logger);
    await vault.recover();
    const reports = new ReportDesk(kv, agency, county);
    await reports.load();
    // The monthly figures fold every event the desk has handled, whichever consumer brought it.
    const andReports =
      (handle: Handler): Handler =>
      async (e, d) => {
        await handle(e, d);
        await reports.record(e);
      };
    // Heads go to the bucket as the consumers below observe them (see HeadPersistence).
    const log = new AggregateLog(publisher, kv, county, "observed", {
      agency,
      last: (subject) => bus.last(STREAMS.events, subject),
    });
    // What every feature of the desk is built on.
    const feature = { agency, store, log, clock: ctx.clock };
    const supervision = supervisionDesk({ ...feature, county });
    const participants = ctx.config.agencies.map((a) => a.code);
    const inspections = inspectionDesk({ ...feature, participants });
    const consumers = [
      bus.consumer(
        {
          stream: STREAMS.events,
          durable: `${agency}-sharer`,
          filterSubject: publisherSubjects(county, agency),
        },
        andReports(
          ownEventsHandler({
            agency,
            store,
            log,
            informantEvent: informantEventsHandler({
              agency,
              store,
              context: informantContext(ctx.officers, agency, ctx.config),
              vault,
            }),
            startedAt: ctx.clock().getTime(),
          }),
        ),
      ),
      bus.consumer(
        {
          stream: STREAMS.inbox(agency),
          durable: `${agency}-inbox`,
          // In a region the inbox also holds what neighbours' agencies address to this one.
          ...(ctx.config.region.neighbours.length > 0
            ? { filterSubjects: [inboxSubjects(agency), crossBorderInboxSubjects(county, agency)] }
            : { filterSubject: inboxSubjects(agency) }),
        },
        andReports(
          inboxHandler({
            agency,
            store,
            log,
            consentEvent: consentEventsHandler({
              agency,
              store,
              offer: (actor, data, toCounty) => referrals.offer(actor, data, toCounty),
            }),
            supervision: supervision.inbox,
            inspection: inspections.inbox,
          }),
        ),
      ),
    ];
    const { config, officers } = ctx;
    const comparison = new ComparisonDesk({
      agency,
      kv,
      signer: ctx.signer,
      ...(ctx.comparison ? { port: ctx.comparison } : {}),
    });
    const referrals = referralDesk({ ...feature, county, config, requests, logger, metrics });
    // Everything at an agency's desk needs one of its officers: the features mounted after it.
    ctx.app.use("*", officerGate(ctx.officers, agency, OPEN_PATHS));
    ctx.app.route(
      "/",
      leadRoutes({ ...feature, config, rules, requests, vault, metrics, comparison }),
    );
    ctx.app.route("/", referrals.routes);
    ctx.app.route("/", consentRoutes(feature));
    ctx.app.route("/", informantRoutes({ ...feature, config, officers, vault }));
    ctx.app.route("/", supervision.routes);
    ctx.app.route("/", reportRoutes({ ...feature, reports }));
    ctx.app.route("/", inspections.routes);
    ctx.app.route("/", caseRoutes({ ...feature, config }));
    ctx.app.route("/", registerRoutes({ agency, kv: ctx.kv, comparison, log }));
    return {
      start: async () => {
        for (const c of consumers) await c.start();
      },
      stop: async () => {
        for (const c of consumers) await c.stop();
      },
      ready: () => consumers.every((c) => c.ready),
    };
  };
}
