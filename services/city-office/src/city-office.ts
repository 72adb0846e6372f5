import { SEAL_HEADER, STREAMS } from "@liandong/contracts";
import {
  AggregateLog,
  checkMessage,
  logDeadLetter,
  NOT_PUBLISHED_BY_AGENCY,
  officerGate,
  type ServiceContext,
  type ServiceParts,
  type StreamMessage,
  sealKeysOf,
  sealProblem,
  sha256Hex,
} from "@liandong/runtime";
import { type CountyReports, cityReportRoutes, evolveCountyReports } from "./city-report.ts";
import { followMajorCases, majorCaseRoutes, newMajorCases } from "./major-cases.ts";
import { escalateOverdue, followOrders, newOrders, orderRoutes } from "./orders.ts";
import { cityPage } from "./page.ts";

/**
 * The city's leading-group office (市领导小组办公室), on the city's own bus: what its counties
 * sent up (their monthly reports, their major cases) as it arrives over their links, folded
 * with the domain's deciders from the city's log, rebuilt at every start; and what it sends
 * down (acknowledgements). Every event is checked against its publisher's seal: a county's
 * agencies' keys are the city's configuration (`region.keys`), as a neighbour's are a county's.
 */
export async function cityOffice(ctx: ServiceContext): Promise<ServiceParts> {
  const { bus, logger, publisher, agency } = ctx;
  const reports: CountyReports = new Map();
  const majorCases = newMajorCases();
  const orders = newOrders();
  const escalating = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const log = new AggregateLog(publisher, ctx.kv, ctx.county);
  const seals = sealKeysOf(ctx.config);
  let caughtUp = false;
  let running: { stop(): Promise<void> } | undefined;

  ctx.app.use("*", officerGate(ctx.officers, agency, OPEN_PATHS));
  ctx.app.route("/", cityReportRoutes(ctx, reports));
  ctx.app.route("/", majorCaseRoutes(ctx, { log, majorCases }));
  ctx.app.route("/", orderRoutes(ctx, { log, orders, majorCases }));
  ctx.app.route("/", await cityPage(ctx));

  const deadLetter = logDeadLetter({ agency, consumer: agency, publisher, logger });
  const onMessage = (m: StreamMessage): Promise<void> | undefined => {
    const kind = m.subject.split(".", 5)[4];
    if (kind !== "report" && kind !== "major-case" && kind !== "supervision") return undefined;
    const verdict = checkMessage(m.subject, m.data);
    if (!verdict.ok) return deadLetter(m, verdict.reason, verdict.detail);
    const e = verdict.event;
    const problem = sealProblem(
      seals,
      e,
      m.subject,
      m.data,
      m.headers?.get(SEAL_HEADER),
      sha256Hex(m.data),
    );
    if (problem) return deadLetter(m, NOT_PUBLISHED_BY_AGENCY, problem);
    evolveCountyReports(reports, e);
    const refused = followMajorCases(majorCases, e) ?? followOrders(orders, e);
    if (refused) return deadLetter(m, "not-entitled", refused);
    return undefined;
  };

  return {
    async start() {
      running = await bus.follow(STREAMS.events, {
        namePrefix: "office",
        onMessage,
        onCaughtUp: () => {
          caughtUp = true;
          timer = setInterval(
            () => escalateOverdue(ctx, { log, orders }, escalating),
            ctx.config.overdueCheckSeconds * 1000,
          );
          timer.unref();
        },
      });
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running?.stop();
    },
    ready: () => caughtUp,
  };
}

/** What the city's office answers without a token: its page and the probes. */
export const OPEN_PATHS = new Set(["/", "/ui/city.js", "/healthz", "/readyz", "/metrics"]);
