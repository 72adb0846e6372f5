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
  type ServiceContext,
  type ServiceParts,
} from "@liandong/runtime";
import { caseRoutes } from "./case-routes.ts";
import { consentEventsHandler } from "./consent-events.ts";
import { consentRoutes } from "./consent-routes.ts";
import { DeskStore } from "./desk-store.ts";
import { inboxHandler } from "./inbox-events.ts";
import { informantContext, informantEventsHandler } from "./informant-events.ts";
import { informantRoutes } from "./informant-routes.ts";
import { inspectionDesk } from "./inspection-routes.ts";
import { ownEventsHandler } from "./own-events.ts";
import { referralDesk } from "./referral-routes.ts";
import { ReportDesk } from "./report-desk.ts";
import { reportRoutes } from "./report-routes.ts";
import { mountDesk } from "./routes.ts";
import type { AgencyRules } from "./rules.ts";
import { supervisionDesk } from "./supervision-routes.ts";

/** Wires the liaison desk of one agency: its store, its two consumers, its routes. */
export function agencyDesk(rules: AgencyRules) {
  return async (ctx: ServiceContext): Promise<ServiceParts> => {
    const { agency, county, bus, kv, publisher, logger, metrics } = ctx;
    const store = new DeskStore(kv);
    const requests = new IdempotentRequests(kv);
    await store.load();
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
    const supervision = supervisionDesk({ agency, county, store, log, clock: ctx.clock });
    const participants = ctx.config.agencies.map((a) => a.code);
    const inspections = inspectionDesk({ agency, store, log, clock: ctx.clock, participants });
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
            }),
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
    mountDesk(ctx.app, {
      agency,
      config: ctx.config,
      officers: ctx.officers,
      rules,
      store,
      log,
      clock: ctx.clock,
      requests,
    });
    const referrals = referralDesk({
      agency,
      county,
      config: ctx.config,
      store,
      log,
      clock: ctx.clock,
      requests,
      logger,
      metrics,
    });
    // Mounted after the desk: its authentication covers the features' routes too.
    ctx.app.route("/", referrals.routes);
    ctx.app.route("/", consentRoutes({ agency, store, log, clock: ctx.clock }));
    ctx.app.route(
      "/",
      informantRoutes({
        agency,
        config: ctx.config,
        officers: ctx.officers,
        store,
        log,
        clock: ctx.clock,
      }),
    );
    ctx.app.route("/", supervision.routes);
    ctx.app.route("/", reportRoutes({ agency, reports, log, clock: ctx.clock }));
    ctx.app.route("/", inspections.routes);
    ctx.app.route("/", caseRoutes({ agency, config: ctx.config, store, log, clock: ctx.clock }));
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
