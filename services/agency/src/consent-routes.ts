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
  appendDecided,
  envelopeOf,
  newestFirst,
  ProblemError,
  type Published,
  readJson,
  refusalProblem,
  requestStepId,
  uuidFromName,
} from "@liandong/runtime";
import type { DeskStore, StoredConsent } from "./desk-store.ts";
import { type FeatureApp, type FeatureDeps, featureApp } from "./feature.ts";
import { recordedOwn } from "./own-step.ts";

export type ConsentDeskDeps = FeatureDeps;

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
  const next = await appendDecided<StoredConsent | undefined, ConsentEvent>(
    log,
    undefined,
    [event],
    {
      envelope: (e) => ({
        id: eventId,
        actor,
        aggregate: { kind: "consent", id: e.data.referralId },
        to: e.to,
      }),
      head: () => opts.head,
      onConflict: opts.head ? "throw" : undefined,
      fold: (_before, _e, published) => recordOwn(store, published, opts.keep),
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
  const e = envelopeOf<ConsentBusEvent>(published);
  const current = store.consents.get(e.aggregate.id);
  const { record } = recordedOwn("consent", recordConsent(current, e, published));
  const offer = keep ?? current?.offer;
  const next: StoredConsent = { ...record, ...(offer ? { offer } : {}) };
  await store.saveConsent(next);
  return next;
}

/**
 * 征求意见: the consents this agency asked for and those asked of it, and the originator's
 * answer (同意 / 不同意转递), recorded on the bus and addressed to the agency that asked.
 */
export function consentRoutes(deps: ConsentDeskDeps): FeatureApp {
  const { agency, store, clock } = deps;
  const { app, decisions } = featureApp();

  app.get("/consents", (c) => {
    const waiting = c.req.query("waiting") === "true";
    const items = [...store.consents.values()]
      .filter((x) => !waiting || (x.status === "pending" && x.originator === agency))
      .map(publicConsent);
    return c.json(newestFirst(items, (x) => x.requestedAt));
  });

  app.post("/consents/:referralId/decision", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, ConsentDecision);
    const referralId = c.req.param("referralId");
    const eventId = requestStepId(c, `${agency}:consent:${referralId}:decision`);
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
