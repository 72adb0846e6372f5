import { createHash } from "node:crypto";
import {
  type ComparisonRunAnswer,
  ComparisonRunRequest,
  type CountyConfig,
  type Finding,
  type FindingsAnswer,
  type FindingsReply,
  FindingsSubmission,
  type InboxItem,
  type Label,
  LeadDismissal,
  type LeadRegistered,
  LeadRegistration,
  LeadStatus,
  type Officer,
} from "@liandong/contracts";
import {
  decideLead,
  evolveLead,
  findingLead,
  inboxItem,
  isRefusal,
  isRefusalCode,
  type Lead,
  type LeadCommand,
  type LeadEvent,
  leadView,
  type Refusal,
  refusalTexts,
  registrationAnswer,
  sayBoth,
} from "@liandong/domain";
import {
  type AggregateLog,
  ComparisonRefused,
  type IdempotentRequests,
  type Metrics,
  ProblemError,
  type Published,
  readJson,
  readQuery,
  refusalIssues,
  uuidFromName,
  ValidationError,
} from "@liandong/runtime";
import { z } from "zod";
import type { ComparisonDesk } from "./comparison-desk.ts";
import { type FeatureApp, type FeatureContext, type FeatureDeps, featureApp } from "./feature.ts";
import type { InformantVault } from "./informant-vault.ts";
import { sameTarget } from "./lead-desk.ts";
import { liveFeed } from "./live-feed.ts";
import type { AgencyRules } from "./rules.ts";
import { targetKey } from "./target-key.ts";

export type LeadDeskDeps = FeatureDeps & {
  config: CountyConfig;
  rules: AgencyRules;
  /** Requests made once whatever the retries (`Idempotency-Key`), in the agency's bucket. */
  requests: IdempotentRequests;
  /** Where an informant's identity is sealed before anything of the lead is recorded. */
  vault: InformantVault;
  metrics?: Metrics;
  /** 数据比对 at this desk: its facts handed over, its findings asked for (on the bus only). */
  comparison?: ComparisonDesk;
};

const Page = z.object({
  status: LeadStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** How long a retry waits for a lead recorded before to reach this desk before answering 409. */
const RECORDED_WITHIN_MS = 10_000;

/** A page of leads (registered, or in the inbox) of the status asked for, newest first. */
function page<T>(c: FeatureContext, leads: Iterable<Lead>, view: (lead: Lead) => T) {
  const q = readQuery(c, Page);
  const all = [...leads]
    .filter((l) => !q.status || l.status === q.status)
    .sort((a, b) => b.at.localeCompare(a.at));
  return c.json({ items: all.slice(q.offset, q.offset + q.limit).map(view), total: all.length });
}

const notFound = () =>
  new ProblemError(404, "not-found", "未找到该线索", "no lead of this agency has this id");

/** Why the comparison service refused a request, by the code its answer carries, in words. */
function comparisonRefusal(code: string): Label {
  const known = `comparison.${code}`;
  return isRefusalCode(known)
    ? sayBoth({ code: known })
    : { zh: `比对服务拒绝：${code}`, en: `the comparison service refused: ${code}` };
}

/** The domain's refusal as the HTTP caller is told it: 422 naming the field, 403, or 409. */
function refusal(r: Refusal, current?: Lead): Error {
  if (r.refused === "invalid")
    return new ValidationError(
      "lead-refused",
      { zh: "线索未通过校验", en: "lead refused" },
      refusalIssues(r),
      { refusal: r.code },
    );
  if (r.refused === "forbidden")
    return new ProblemError(403, "forbidden", "无权执行此操作", refusalTexts(r), {
      refusal: r.code,
    });
  return new ProblemError(409, "lead-conflict", "线索状态已变化", refusalTexts(r), {
    refusal: r.code,
    ...(current ? { current: leadView(current) } : {}),
  });
}

/** The liaison officer's leads: register, list and dismiss them; read the inbox. */
export function leadRoutes(deps: LeadDeskDeps): FeatureApp {
  const { agency, store, log, clock } = deps;
  const { app, decisions } = featureApp();

  /**
   * Appends what was decided on the lead, in order, and keeps the lead as it then stands.
   * `begin`: the decision registers the lead, and its first event begins the lead's aggregate,
   * exclusively; undefined when the lead was registered before (the stream holds it already).
   */
  async function record(
    leadId: string,
    before: Lead | undefined,
    decided: LeadEvent[],
    opts: { begin?: boolean } = {},
  ): Promise<Lead | undefined> {
    let lead = before;
    let first: Published | undefined;
    for (const [i, e] of decided.entries()) {
      const step = e.type === "lead.linked" ? `linked:${e.data.earlierLeadId}` : e.type.slice(5);
      const req = {
        type: e.type,
        // Derived from the lead and the step: a retried request records nothing twice.
        id: uuidFromName(`${leadId}:${step}`),
        time: new Date(e.time),
        actor: e.actor,
        aggregate: { kind: "lead", id: leadId },
        ...(first ? { correlationId: first.id, causationId: first.id } : {}),
        data: e.data,
      } as Parameters<AggregateLog["append"]>[0];
      const published =
        opts.begin && i === 0
          ? await log.begin(req)
          : // The next steps of a lead this request has just begun: not on the stream yet.
            await log.append(req, opts.begin ? { onConflict: "reread" } : {});
      if (!published) return undefined;
      first ??= published;
      lead = evolveLead(lead, e);
    }
    if (!lead) throw new Error(`lead ${leadId}: nothing was decided`);
    if (lead !== before) await store.saveLead(lead);
    return lead;
  }

  /**
   * A lead registered by an earlier request (the stream holds it, its answer was lost in a crash),
   * as this agency records it once its own-events consumer has brought it here (at once after a
   * restart: it starts again from the first event it had not finished). 409 while it is not:
   * the request is still being recorded, the same key is to be sent again.
   */
  async function registered(leadId: string): Promise<Lead> {
    const deadline = Date.now() + RECORDED_WITHIN_MS;
    for (;;) {
      const lead = store.state.leads.get(leadId);
      if (lead) return lead;
      if (Date.now() >= deadline)
        throw new ProblemError("request-in-progress", {
          detail: {
            zh: `线索 ${leadId} 已记录，尚未到达本部门：请再次发送该请求`,
            en: `lead ${leadId} is on the record but not yet at this desk: send the request again`,
          },
        });
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * The domain decides on the lead as this agency holds it; the decision is recorded, through
   * the runtime's one load → decide → append handler (one decision at a time per lead).
   */
  function decideAndRecord(leadId: string, command: LeadCommand): Promise<Lead> {
    return decisions.run<Lead, LeadEvent>({
      aggregateId: leadId,
      load: () => store.state.leads.get(leadId),
      decide: (before) => decideLead(command, before),
      append: async (before, decided) => (await record(leadId, before, decided)) ?? before,
      // Only this agency writes its leads: the log chains onto a stale head by itself.
      version: () => 0,
      notFound: notFound(),
      problem: (r, before) => refusal(r, before),
    });
  }

  async function register(
    officer: Officer,
    body: LeadRegistration,
    key: string | undefined,
    fixedId?: string,
  ): Promise<LeadRegistered> {
    // The officer's key, scoped to the officer: two officers may send the same key.
    const leadId =
      fixedId ?? (key ? uuidFromName(`${agency}:${officer.id}:${key}:lead`) : crypto.randomUUID());
    // A retry whose registration was recorded, though its answer was not: answered from the record.
    const recorded = store.state.leads.get(leadId);
    if (recorded) return registrationAnswer(recorded);
    const informantRef = body.informant
      ? `inf_${createHash("sha256").update(`informant:${agency}:${leadId}`).digest("hex").slice(0, 32)}`
      : undefined;
    const now = clock();
    const target = targetKey(body.target);
    const command: LeadCommand = {
      type: "register",
      leadId,
      agency,
      actor: officer.id,
      now,
      registration: body,
      informantRef,
      targetKey: target,
      config: deps.config,
      mayOriginate: deps.rules.mayOriginate,
      sameTarget: sameTarget(store.state, target),
    };
    // Refused before the informant is sealed: nothing is stored for a registration refused.
    const decided = decideLead(command, undefined);
    if (isRefusal(decided)) throw refusal(decided);
    if (body.informant && informantRef) {
      const { name, phone, idNumber, rewardEligible } = body.informant;
      await deps.vault.seal(
        informantRef,
        { name, phone, idNumber },
        { leadId, recordedBy: officer.id, recordedAt: now.toISOString(), rewardEligible },
      );
    }
    // Whatever the timing of a retry: the lead is begun once, and answered as recorded.
    const lead = await record(leadId, undefined, decided, { begin: true });
    return registrationAnswer(lead ?? (await registered(leadId)));
  }

  app.post("/leads", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, LeadRegistration);
    const { result, replay } = await deps.requests.run(c, body, (key) =>
      register(officer, body, key),
    );
    return c.json(result, replay ? 200 : 201);
  });

  app.get("/leads", (c) => page(c, store.state.leads.values(), leadView));

  // 数据比对: the rules' findings this agency originates, each a lead once. Its id derives from
  // the finding's key (the person and pregnancy, or the prescriber and drug): a finding made
  // again is answered as a duplicate, however often the rules run.
  async function registerFindings(
    officer: Officer,
    findings: readonly Finding[],
  ): Promise<FindingsAnswer> {
    const registered: { key: string; leadId: string }[] = [];
    const duplicates: { key: string; leadId: string }[] = [];
    let others = 0;
    for (const finding of findings) {
      const { originator, registration } = findingLead(
        finding,
        deps.config.county,
        deps.config.agencies,
      );
      if (originator !== agency) {
        others++;
        continue;
      }
      const leadId = uuidFromName(`${agency}:finding:${finding.key}`);
      if (store.state.leads.has(leadId)) {
        duplicates.push({ key: finding.key, leadId });
        continue;
      }
      const parsed = LeadRegistration.parse(registration);
      await register(officer, parsed, undefined, leadId);
      registered.push({ key: finding.key, leadId });
    }
    return { registered, duplicates, others };
  }

  app.post("/comparison/findings", async (c) => {
    const body = await readJson(c, FindingsSubmission);
    return c.json(await registerFindings(c.get("officer"), body.findings));
  });

  // A run of comparison from this desk: its registers' facts handed to the comparison service
  // by pseudonym (unless `submit` is false), then the rules' findings it originates asked for
  // and registered, each a lead once (as above).
  app.post("/comparison/runs", async (c) => {
    const body = await readJson(c, ComparisonRunRequest);
    const desk = deps.comparison;
    if (!desk?.available)
      throw new ProblemError("comparison-unavailable", { detail: "本服务未连接比对服务" });
    let sent = { submitted: 0, pseudonymised: 0 };
    let reply: FindingsReply;
    try {
      if (body.submit) sent = await desk.submit();
      reply = await desk.findings();
    } catch (err) {
      if (err instanceof ComparisonRefused)
        throw new ProblemError("comparison-refused", {
          detail: comparisonRefusal(err.code),
          extra: { refusal: err.code },
        });
      if (err instanceof Error && /timeout|no responders/i.test(`${err.message} ${err.name}`))
        throw new ProblemError("comparison-unavailable", {
          detail: { zh: `比对服务无应答（${err.message}）`, en: err.message },
        });
      throw err;
    }
    const made = await registerFindings(c.get("officer"), reply.findings);
    return c.json({
      ...sent,
      today: reply.today,
      holders: reply.holders,
      registered: made.registered,
      duplicates: made.duplicates,
    } satisfies ComparisonRunAnswer);
  });

  app.get("/leads/:leadId", (c) => {
    const lead = store.lead(c.req.param("leadId"));
    if (!lead) throw notFound();
    return c.json(lead);
  });

  app.post("/leads/:leadId/dismissal", async (c) => {
    const officer = c.get("officer");
    const leadId = c.req.param("leadId");
    if (!store.state.leads.has(leadId)) throw notFound();
    const body = await readJson(c, LeadDismissal);
    const lead = await decideAndRecord(leadId, {
      type: "dismiss",
      agency,
      actor: officer.id,
      now: clock(),
      reason: body.reason,
    });
    return c.json(leadView(lead));
  });

  app.get("/inbox", (c) => page(c, store.state.inbox.values(), inboxItem));

  // 线索动态: each change to the inbox as it reaches the agency (a lead shared with it, the
  // originator's later steps), pushed as the `lead` server-sent event with the item as `/inbox`
  // lists it. A client cut off for falling behind lists `/inbox` again on reconnecting.
  app.get("/inbox/feed", (c) =>
    liveFeed<InboxItem>(c, {
      event: "lead",
      id: (i) => i.leadId,
      follow: (push) => store.onInbox(push),
      metrics: deps.metrics,
    }),
  );

  app.get("/inbox/:leadId", (c) => {
    const item = store.inboxItem(c.req.param("leadId"));
    if (!item) throw new ProblemError(404, "not-found", "收件箱中没有该线索");
    return c.json(item);
  });
  return app;
}
