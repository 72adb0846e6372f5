import {
  crossBorderInboxSubjects,
  inboxSubjects,
  publisherSubjects,
  STREAMS,
} from "@liandong/contracts";
import {
  AggregateLog,
  EventConsumer,
  type Handler,
  type ServiceContext,
  type ServiceParts,
} from "@liandong/runtime";
import { mountCases } from "./case-routes.ts";
import { DeskStore } from "./desk-store.ts";
import { inboxHandler } from "./inbox-events.ts";
import { mountInformants } from "./informant-routes.ts";
import { mountInspections } from "./inspection-routes.ts";
import { ownEventsHandler } from "./own-events.ts";
import { mountReferrals } from "./referral-routes.ts";
import { ReportDesk } from "./report-desk.ts";
import { mountReports } from "./report-routes.ts";
import { mountDesk } from "./routes.ts";
import type { AgencyRules } from "./rules.ts";
import { mountSupervisionAnswers } from "./supervision-routes.ts";

/** Wires the liaison desk of one agency: its store, its two consumers, its routes. */
export function agencyDesk(rules: AgencyRules) {
  return async (ctx: ServiceContext): Promise<ServiceParts> => {
    const { agency, county, nc, kv, publisher, logger, metrics } = ctx;
    const store = new DeskStore(kv);
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
    const log = new AggregateLog(publisher, kv, county, "observed");
    const deps = { nc, agency, publisher, logger, metrics };
    const consumers = [
      new EventConsumer(
        deps,
        {
          stream: STREAMS.events,
          durable: `${agency}-sharer`,
          filterSubject: publisherSubjects(county, agency),
        },
        andReports(ownEventsHandler({ agency, store, log })),
      ),
      new EventConsumer(
        deps,
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
            consentDecided: (e) => referrals.consentDecided(e),
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
    });
    // After the desk: its authentication covers the referral routes too.
    const referrals = mountReferrals(ctx.app, {
      agency,
      county,
      config: ctx.config,
      store,
      log,
      clock: ctx.clock,
      logger,
      metrics,
    });
    mountInformants(ctx.app, { agency, config: ctx.config, store, log });
    mountSupervisionAnswers(ctx.app, { agency, store, log, clock: ctx.clock });
    mountReports(ctx.app, { agency, reports, log, clock: ctx.clock });
    mountInspections(ctx.app, { agency, store, log, clock: ctx.clock });
    mountCases(ctx.app, { agency, config: ctx.config, rules, store, log, clock: ctx.clock });
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
