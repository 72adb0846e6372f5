import {
  type AgencyCode,
  ConsentDecision,
  type ConsentView,
  type EventData,
  type HandlingRestriction,
} from "@liandong/contracts";
import {
  type ConsentBusEvent,
  type ConsentEvent,
  consentDecider,
  consentHead,
  consentState,
  consentView,
  isRefusal,
  needsConsent,
  recordConsent,
} from "@liandong/domain";
import {
  type AggregateLog,
  type Clock,
  Decisions,
  type HttpEnv,
  ProblemError,
  type Published,
  readJson,
  refusalProblem,
  uuidFromName,
} from "@liandong/runtime";
import { Hono } from "hono";
import type { DeskStore, StoredConsent } from "./desk-store.ts";

export type ConsentDeskDeps = {
  agency: AgencyCode;
  store: DeskStore;
  log: AggregateLog;
  clock: Clock;
};

/** What an agency shows of a consent: not the steps it folded, nor the offer it keeps for later. */
export function publicConsent(c: StoredConsent): ConsentView {
  const { offer: _offer, ...record } = c;
  return consentView(record);
}

/** The consent this agency asked for a referral it would make, if it asked one. */
export function askedConsent(store: DeskStore, referralId: string): ConsentView | undefined {
  const asked = store.consents.get(referralId);
  return asked ? publicConsent(asked) : undefined;
}

/**
 * Before a referral is offered: a lead its originator restricted (不经同意不得转递), passed on by
 * another agency, in the county or across its line, goes only with the originator's consent.
 * Asks for it, keeping the offer to make once it is given (consent-events.ts), and answers the
 * consent; `undefined` when none is needed and the offer may be made now.
 */
export async function requestConsent(
  deps: ConsentDeskDeps,
  ask: {
    actor: string;
    lead: { originator: AgencyCode; handling: readonly HandlingRestriction[] };
    offer: EventData<"referral.offered">;
    toCounty: string | undefined;
  },
): Promise<ConsentView | undefined> {
  const { agency, store, clock } = deps;
  const { offer, toCounty } = ask;
  if (!needsConsent(ask.lead, agency)) return undefined;
  const referralId = offer.referralId;
  const now = clock();
  const decided = consentDecider.decide(
    {
      type: "request",
      agency,
      at: now.toISOString(),
      request: {
        referralId,
        leadId: offer.about.id,
        requestedBy: agency,
        originator: ask.lead.originator,
        to: offer.to,
        ...(toCounty ? { toCounty } : {}),
        reason: offer.reason,
      },
    },
    consentDecider.initialState(),
  );
  if (isRefusal(decided)) throw refusalProblem(decided);
  const [event] = decided;
  await append(deps, ask.actor, event!, uuidFromName(`${referralId}:consent-requested`), {
    keep: { data: offer, actor: ask.actor },
  });
  return askedConsent(store, referralId);
}

/**
 * Appends a consent's step, linked to the record it was decided on, and records it in this
 * agency's copy as it is on the stream (the envelope every party folds).
 */
async function append(
  deps: ConsentDeskDeps,
  actor: string,
  event: ConsentEvent,
  eventId: string,
  opts: { head?: ReturnType<typeof consentHead>; keep?: StoredConsent["offer"] } = {},
): Promise<StoredConsent> {
  const { store, log } = deps;
  const id = event.data.referralId;
  let next: StoredConsent | undefined;
  await log.append(
    {
      type: event.type,
      id: eventId,
      time: new Date(event.time),
      actor,
      aggregate: { kind: "consent", id },
      to: event.to,
      data: event.data,
    } as Parameters<AggregateLog["append"]>[0],
    {
      ...(opts.head ? { head: opts.head, onConflict: "throw" as const } : {}),
      alongside: async (published: Published) => {
        next = await recordOwn(store, published, opts.keep);
      },
    },
  );
  return next!;
}

/** This agency's own step, just appended, in its copy (with the offer it keeps, if any). */
async function recordOwn(
  store: DeskStore,
  published: Published,
  keep: StoredConsent["offer"] | undefined,
): Promise<StoredConsent> {
  const e = JSON.parse(Buffer.from(published.bytes).toString("utf8")) as ConsentBusEvent;
  const current = store.consents.get(e.aggregate.id);
  const recorded = recordConsent(current, e, published);
  // Our own step, just decided: the domain refusing it now is a defect, not a dead letter.
  if (!recorded.ok) throw new Error(`own consent step not recorded: ${JSON.stringify(recorded)}`);
  const offer = keep ?? current?.offer;
  const next: StoredConsent = { ...recorded.record, ...(offer ? { offer } : {}) };
  await store.saveConsent(next);
  return next;
}

/**
 * 征求意见: the consents this agency asked for and those asked of it, and the originator's
 * answer (同意 / 不同意转递), recorded on the bus and addressed to the agency that asked.
 */
export function consentRoutes(deps: ConsentDeskDeps): Hono<HttpEnv> {
  const { agency, store, clock } = deps;
  const app = new Hono<HttpEnv>();
  const decisions = new Decisions();

  app.get("/consents", (c) => {
    const waiting = c.req.query("waiting") === "true";
    const items = [...store.consents.values()]
      .filter((x) => !waiting || (x.status === "pending" && x.originator === agency))
      .map(publicConsent)
      .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
    return c.json({ items, total: items.length });
  });

  app.post("/consents/:referralId/decision", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, ConsentDecision);
    const referralId = c.req.param("referralId");
    const key = c.req.header("idempotency-key");
    const eventId = key
      ? uuidFromName(`${agency}:consent:${referralId}:decision:${key}`)
      : crypto.randomUUID();
    const at = clock().toISOString();
    const decided = await decisions.run<StoredConsent, ConsentEvent>({
      aggregateId: referralId,
      load: () => store.consents.get(referralId),
      already: (r) => (r.steps.some((s) => s.eventId === eventId) ? r : undefined),
      decide: (r) =>
        consentDecider.decide(
          body.granted
            ? { type: "give", agency, at, note: body.reason }
            : { type: "refuse", agency, at, reason: body.reason ?? "" },
          consentState(r),
        ),
      append: (r, [event]) => append(deps, officer.id, event!, eventId, { head: consentHead(r) }),
      version: (r) => r?.steps.length ?? 0,
      notFound: new ProblemError(404, "not-found", "未找到该征求意见"),
    });
    return c.json(publicConsent(decided));
  });

  return app;
}
