import {
  type CountyConfig,
  type EventData,
  LeadFacts,
  type Officer,
  ReferralFeedback,
  ReferralOffer,
  ReferralOnward,
  ReferralReason,
  type ReferralView,
  referralDeadlines,
} from "@liandong/contracts";
import {
  headOf,
  type ReferralBusEvent,
  type ReferralCommand,
  type ReferralEvent,
  type Refusal,
  recordReferral,
  referralDecider,
  referralState,
  refusalMessage,
  refuse,
} from "@liandong/domain";
import {
  type AggregateLog,
  attemptAggregateId,
  envelopeOf,
  type IdempotentRequests,
  type Logger,
  type Metrics,
  newestFirst,
  ProblemError,
  readJson,
  readQuery,
  refusalInvalid,
  refusalProblem,
  uuidFromName,
} from "@liandong/runtime";
import { z } from "zod";
import { askedConsent, requestConsent } from "./consent-routes.ts";
import { type FeatureApp, type FeatureContext, type FeatureDeps, featureApp } from "./feature.ts";
import { liveFeed } from "./live-feed.ts";
import { recordedOwn } from "./own-step.ts";
import { offerDeadlines, referable } from "./referable.ts";

/**
 * A lead's facts as they cross a county line: the schema's fields only, and not even the
 * opaque reference to an informant (it means nothing outside the agency holding the file).
 */
function leadFacts(lead: LeadFacts): LeadFacts {
  const { informant: _informant, ...facts } = leadFactsSchema.parse(lead);
  return facts;
}
/** The schema of a lead's facts, compiled (`z.compile`: the same verdicts and output). */
const leadFactsSchema = z.compile(LeadFacts);

/** How long a party waits for the other party's step to reach it before deciding again. */
const CONVERGE_MS = 2000;

export type ReferralDeskDeps = FeatureDeps & {
  /** This agency's county. */
  county: string;
  config: CountyConfig;
  /** Requests made once whatever the retries (`Idempotency-Key`), in the agency's bucket. */
  requests: IdempotentRequests;
  logger?: Logger;
  metrics?: Metrics;
};

/**
 * The other party: every referral event is addressed to it, so it lands in its inbox; across a
 * county line, in the other county's.
 */
function counterpart(r: ReferralView, agency: string, county: string) {
  const sender = r.fromCounty ? r.fromCounty === county && r.from === agency : r.from === agency;
  return {
    to: sender ? r.to : r.from,
    toCounty: r.fromCounty && r.toCounty ? (sender ? r.toCounty : r.fromCounty) : undefined,
  };
}

const WaitQuery = z.object({ wait: z.coerce.number().int().min(0).max(30_000).default(0) });
const FeedQuery = z.object({
  waiting: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
});

/** What the consent feature needs of the hand-off: the offer, made once consent is given. */
export type ReferralDesk = {
  /** The hand-off endpoints, a sub-app for the composition root to mount. */
  routes: FeatureApp;
  offer(
    actor: string,
    data: EventData<"referral.offered">,
    toCounty: string | undefined,
  ): Promise<ReferralView>;
};

/**
 * Hand-off endpoints. The stream is the arbiter: each step is appended with the aggregate's
 * last sequence expected, so of two parties acting at once one wins and the other is told
 * 409 with the state that won. A request id (`Idempotency-Key`) makes a retry return the
 * first result without recording anything twice.
 */
export function referralDesk(deps: ReferralDeskDeps): ReferralDesk {
  const { app, decisions } = featureApp(CONVERGE_MS);
  const { agency, county, store, log, clock, config } = deps;

  /**
   * One step on a referral, by the officer of this request: loaded, decided by the domain,
   * appended, through the runtime's one load → decide → append handler. A request id
   * (`Idempotency-Key`) names the step's event, so a retry answers the first result.
   */
  function act(
    c: FeatureContext,
    referralId: string,
    command: (view: ReferralView) => ReferralCommand,
  ): Promise<ReferralView> {
    const officer = c.get("officer");
    const key = c.req.header("idempotency-key");
    let eventId = "";
    let attempted: ReferralCommand["type"] = "accept";
    return decisions.run<ReferralView, ReferralEvent>({
      aggregateId: referralId,
      load: () => {
        const view = store.referrals.get(referralId);
        return view && (view.from === agency || view.to === agency) ? view : undefined;
      },
      already: (view) => {
        const cmd = command(view);
        attempted = cmd.type;
        eventId = key
          ? uuidFromName(`${agency}:${referralId}:${cmd.type}:${key}`)
          : crypto.randomUUID();
        return view.history.some((h) => h.eventId === eventId) ? view : undefined;
      },
      decide: (view) =>
        referralDecider.decide(
          { command: command(view), actor: { agency, county } },
          referralState(view),
        ),
      append: (view, [event]) => publish(officer.id, view, event!, eventId),
      refused: (view, refusal) => recordRefusal(officer, view, attempted, refusal, key),
      version: (view) => view?.history.length ?? 0,
      notFound: new ProblemError(
        404,
        "not-found",
        "未找到该移交",
        "no referral of this agency has this id",
      ),
    });
  }

  /**
   * Puts a refused step on the record (留痕): who tried what, on which state, and why not.
   * A failure to record is logged, not shown: the officer still gets the refusal.
   */
  async function recordRefusal(
    officer: Officer,
    view: ReferralView,
    attempted: ReferralCommand["type"],
    refusal: Refusal,
    requestKey: string | undefined,
  ): Promise<void> {
    // An implausible command is answered 422 and changes nothing: not an attempt on the referral.
    if (refusal.refused === "invalid") return;
    const id = attemptAggregateId(view.referralId, agency);
    try {
      await log.append({
        type: "attempt.refused",
        id: requestKey
          ? uuidFromName(`${agency}:${view.referralId}:${attempted}:refused:${requestKey}`)
          : crypto.randomUUID(),
        actor: officer.id,
        aggregate: { kind: "attempt", id },
        data: {
          referralId: view.referralId,
          by: agency,
          attempted,
          refused: refusal.refused,
          message: refusalMessage(refusal).slice(0, 1000),
          code: refusal.code,
          // What the code says with these is the message, unless it rests on another refusal.
          ...(refusal.because ? {} : { params: refusal.params ?? {} }),
          statusSeen: view.status,
        },
      });
    } catch (err) {
      deps.logger?.error({ err, referralId: view.referralId }, "could not record a refused step");
    }
  }

  async function publish(
    actor: string,
    view: ReferralView,
    event: { type: ReferralBusEvent["type"]; data: unknown },
    eventId: string,
  ): Promise<ReferralView> {
    let next: ReferralView = view;
    await log.append(
      {
        type: event.type,
        id: eventId,
        actor,
        aggregate: { kind: "referral", id: view.referralId },
        ...counterpart(view, agency, county),
        data: event.data,
      } as Parameters<AggregateLog["append"]>[0],
      {
        // Linked to the last step this decision saw: if anything was stored since, the stream refuses.
        onConflict: "throw",
        head: headOf(view),
        // The step is on the record once the stream has it: the officer's answer does not wait
        // for our copies (the own-events consumer records them again should these writes fail).
        writesBehind: (err) =>
          deps.logger?.error({ err, referralId: view.referralId }, "referral copy not written"),
        // Our copy of the referral, which is its head too (`headOf`): the one bucket write.
        alongside: async (published) => {
          // A new referral has no record yet: the offer starts it.
          const current = store.referrals.get(view.referralId);
          const envelope = envelopeOf<ReferralBusEvent>(published);
          next = recordedOwn("referral", recordReferral(current, envelope, published)).view;
          await store.saveReferral(next);
        },
      },
    );
    return next;
  }

  async function offer(
    actor: string,
    data: EventData<"referral.offered">,
    toCounty?: string,
  ): Promise<ReferralView> {
    const existing = store.referrals.get(data.referralId);
    if (existing) return existing;
    const decided = referralDecider.decide(
      { command: { type: "offer", data, toCounty, now: clock() }, actor: { agency, county } },
      referralDecider.initialState(),
    );
    if (!Array.isArray(decided)) throw refusalProblem(decided);
    const draft: ReferralView = {
      ...data,
      status: "offered",
      holder: agency,
      ...(toCounty ? { fromCounty: county, toCounty, holderCounty: county } : {}),
      history: [],
    };
    return publish(actor, draft, decided[0]!, uuidFromName(`${data.referralId}:offered`));
  }

  app.post("/referrals", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, ReferralOffer);
    const held = referable(store, agency, body);
    const toCounty = addressedCounty(body.toCounty, held.target.county);
    // Decided before anything is asked or recorded (a consent request, the request's key): the
    // domain's rules of an offer, refused here as the offer itself would be.
    const now = clock();
    const decided = referralDecider.decide(
      {
        command: {
          type: "offer",
          data: offerData(body, held, crypto.randomUUID(), now),
          toCounty,
          now,
        },
        actor: { agency, county },
      },
      referralDecider.initialState(),
    );
    if (!Array.isArray(decided)) throw refusalProblem(decided);
    const { result, replay } = await deps.requests.run(c, body, async (key) => {
      // Derived from the request's key: a retry after a crash finds the referral it made.
      // The officer's page may wait for it by this id before it is made (GET /referrals/{id}?wait).
      const referralId = key
        ? uuidFromName(`${agency}:referral:${officer.id}:${key}`)
        : crypto.randomUUID();
      const existing = store.referrals.get(referralId);
      if (existing) return { status: 200 as const, body: existing };
      const asked = askedConsent(store, referralId);
      if (asked) return { status: 202 as const, body: asked };
      return makeOffer(officer.id, body, held, toCounty, referralId);
    });
    return c.json(result.body, replay && result.status === 201 ? 200 : result.status);
  });

  /** What an offer of `body` records, as this agency holds what it is about. */
  function offerData(
    body: ReferralOffer,
    held: ReturnType<typeof referable>,
    referralId: string,
    now: Date,
  ): EventData<"referral.offered"> {
    return {
      referralId,
      kind: body.kind,
      from: agency,
      to: body.to,
      about: body.about,
      reason: body.reason,
      ...offerDeadlines(config, body, now),
      evidence: body.evidence,
      ...resumes(body.about.id),
      // The addressee gets what it needs to act (a waiting referral shows it), never an
      // informant's identity: in the county or across its line.
      ...(held.lead ? { lead: leadFacts(held.lead) } : {}),
    };
  }

  async function makeOffer(
    actor: string,
    body: ReferralOffer,
    held: ReturnType<typeof referable>,
    toCounty: string | undefined,
    referralId: string,
  ) {
    const data = offerData(body, held, referralId, clock());
    // A lead its originator restricted (不经同意不得转递) is passed on only with the originator's
    // consent: asked for now, the offer made when it is given (consent-events.ts).
    const consent = await requestConsent(
      { agency, store, log, clock },
      { actor, lead: held, offer: data, toCounty },
    );
    if (consent) return { status: 202 as const, body: consent };
    return { status: 201 as const, body: await offer(actor, data, toCounty) };
  }

  /**
   * A referral made again of what this agency referred before and got back (returned or
   * withdrawn): linked to the last of those, so the chain goes on across the return.
   */
  function resumes(aboutId: string): { resumesReferralId?: string } {
    let last: ReferralView | undefined;
    // A referral made again is about the same lead or case, and resumes one of it that was
    // returned or withdrawn and that no other resumes yet: only those are looked at.
    for (const r of store.resumableAbout(aboutId)) {
      if (r.from !== agency) continue;
      if ((r.history.at(-1)?.at ?? "") > (last?.history.at(-1)?.at ?? "")) last = r;
    }
    return last ? { resumesReferralId: last.referralId } : {};
  }

  /**
   * Which county a referral goes to (属地管理): the one asked for, which must be this county or
   * a neighbour of its region; else the county of the target, when that is a neighbour.
   * `undefined`: this county.
   */
  function addressedCounty(asked: string | undefined, targetCounty: string): string | undefined {
    const neighbours = config.region.neighbours;
    // Beyond a link (a county of another city, through the hubs) as well as a neighbour's own.
    const reached = [...neighbours, ...Object.values(config.region.beyond).flat()];
    if (asked !== undefined && asked !== county && !reached.includes(asked)) {
      const listed = reached.length
        ? { zh: reached.join("、"), en: reached.join(", ") }
        : { zh: "未配置", en: "none configured" };
      throw refusalInvalid(
        "invalid-body",
        refuse("invalid", "referral.county-not-reached", { county, reached: listed }, "toCounty"),
      );
    }
    const chosen = asked ?? (neighbours.includes(targetCounty) ? targetCounty : county);
    return chosen === county ? undefined : chosen;
  }

  app.get("/referrals", (c) => {
    const waiting = c.req.query("waiting") === "true";
    const items = [...store.referrals.values()].filter(
      (r) => !waiting || (r.status === "offered" && r.to === agency),
    );
    return c.json(newestFirst(items, (r) => r.history[0]?.at ?? ""));
  });

  // 移交动态: each change to a referral of this agency as it reaches the agency, pushed as a
  // server-sent event (the addressee's page sees a hand-off the moment it arrives). A client
  // that falls too far behind is cut off; on reconnecting it lists `/referrals` again.
  app.get("/referrals/feed", (c) => {
    const { waiting } = readQuery(c, FeedQuery);
    return liveFeed<ReferralView>(c, {
      event: "referral",
      id: (r) => r.referralId,
      follow: (push) =>
        store.onReferral((r) => {
          if (!waiting || (r.status === "offered" && r.to === agency)) push(r);
        }),
      metrics: deps.metrics,
    });
  });

  // `?wait=<ms>` (at most 30 s): a long poll for a referral on its way (the addressee's
  // page, the hand-off benchmark): answered as soon as it arrives, 404 if it does not.
  app.get("/referrals/:referralId", async (c) => {
    const { wait } = readQuery(c, WaitQuery);
    const view = await store.waitForReferral(c.req.param("referralId"), wait);
    if (!view) throw new ProblemError(404, "not-found", "未找到该移交");
    return c.json(view);
  });

  /** One step, made once whatever the retries with its `Idempotency-Key`. */
  const step = async (
    c: FeatureContext,
    body: unknown,
    command: (view: ReferralView) => ReferralCommand,
  ) =>
    c.json(
      (await deps.requests.run(c, body, () => act(c, c.req.param("referralId") ?? "", command)))
        .result,
    );
  app.post("/referrals/:referralId/acceptance", (c) => step(c, {}, () => ({ type: "accept" })));
  app.post("/referrals/:referralId/return", async (c) => {
    const { reason } = await readJson(c, ReferralReason);
    return step(c, { reason }, () => ({ type: "return", reason }));
  });
  app.post("/referrals/:referralId/withdrawal", async (c) => {
    const { reason } = await readJson(c, ReferralReason);
    return step(c, { reason }, () => ({ type: "withdraw", reason }));
  });
  app.post("/referrals/:referralId/completion", async (c) => {
    const feedback = await readJson(c, ReferralFeedback);
    return step(c, feedback, () => ({ type: "complete", feedback }));
  });
  app.post("/referrals/:referralId/onward", async (c) => {
    const body = await readJson(c, ReferralOnward);
    const { result, replay } = await deps.requests.run(c, body, () => onward(c, body));
    return c.json(result, replay ? 200 : 201);
  });

  async function onward(c: FeatureContext, body: ReferralOnward): Promise<ReferralView> {
    const toCounty = body.toCounty === county ? undefined : body.toCounty;
    if (toCounty !== undefined) addressedCounty(toCounty, county);
    const parent = await act(c, c.req.param("referralId") ?? "", (view) => ({
      type: "refer-on",
      childReferralId: uuidFromName(`${view.referralId}:onward:${body.to}:${toCounty ?? ""}`),
      to: body.to,
      toCounty,
    }));
    // The chain: a new referral from this agency to the next, linked to its parent.
    const now = clock();
    return offer(
      c.get("officer").id,
      {
        referralId: parent.childReferralId!,
        kind: parent.kind,
        from: agency,
        to: body.to,
        about: parent.about,
        reason: body.reason,
        acceptBy: referralDeadlines(config, parent.kind, body.to, now).acceptBy,
        completeBy: parent.completeBy,
        evidence: [],
        parentReferralId: parent.referralId,
        // The next agency gets the lead's facts too, never an informant.
        ...(parent.lead ? { lead: parent.lead } : {}),
        ...(!parent.lead && parent.about.kind === "lead" && store.lead(parent.about.id)
          ? { lead: leadFacts(store.lead(parent.about.id)!) }
          : {}),
      },
      toCounty,
    );
  }

  return { routes: app, offer };
}
