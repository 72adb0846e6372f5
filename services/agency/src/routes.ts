import { createHash } from "node:crypto";
import type { Officer } from "@liandong/contracts";
import {
  type AgencyCode,
  type CountyConfig,
  LeadDismissal,
  type LeadRegistered,
  LeadRegistration,
  LeadStatus,
} from "@liandong/contracts";
import {
  type AggregateLog,
  type Clock,
  type HttpEnv,
  officerAuth,
  ProblemError,
  readJson,
  readQuery,
  uuidFromName,
  ValidationError,
} from "@liandong/runtime";
import type { Hono } from "hono";
import { z } from "zod";
import type { DeskStore, StoredInboxItem, StoredLead } from "./desk-store.ts";
import { decideRegistration } from "./lead-desk.ts";
import type { AgencyRules } from "./rules.ts";

export type DeskDeps = {
  agency: AgencyCode;
  config: CountyConfig;
  officers: Officer[];
  rules: AgencyRules;
  store: DeskStore;
  log: AggregateLog;
  clock: Clock;
};

const Page = z.object({
  status: LeadStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const newestFirst = <T>(xs: T[], at: (x: T) => string) =>
  xs.sort((a, b) => at(b).localeCompare(at(a)));

const publicLead = ({ targetKey: _t, ...lead }: StoredLead) => lead;
const publicItem = ({ targetKey: _t, ...item }: StoredInboxItem) => item;

/** What an agency service answers without an officer's token. */
const OPEN_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/** The liaison officer's HTTP desk: register, list and dismiss leads; read the inbox. */
export function mountDesk(app: Hono<HttpEnv>, deps: DeskDeps): void {
  const { agency, store, log, clock } = deps;
  const inFlight = new Map<string, Promise<LeadRegistered>>();
  const auth = officerAuth(deps.officers, agency);
  // Everything at an agency's desk needs one of its officers: denied by default, so a route
  // added later cannot be left open. Only the probes and metrics (and CORS preflights) are not.
  app.use("*", (c, next) =>
    OPEN_PATHS.has(c.req.path) || c.req.method === "OPTIONS" ? next() : auth(c, next),
  );

  async function register(
    officer: Officer,
    body: LeadRegistration,
    idemKey: string | undefined,
  ): Promise<LeadRegistered> {
    const leadId = idemKey ? uuidFromName(`${agency}:${idemKey}:lead`) : crypto.randomUUID();
    const informantRef = body.informant
      ? `inf_${createHash("sha256").update(`informant:${agency}:${leadId}`).digest("hex").slice(0, 32)}`
      : undefined;
    const now = clock();
    const decision = decideRegistration({
      state: store.state,
      config: deps.config,
      rules: deps.rules,
      agency,
      leadId,
      registration: body,
      informantRef,
      now,
    });
    if (!decision.ok)
      throw new ValidationError("lead-refused", "线索登记未通过校验", decision.issues);
    if (body.informant && informantRef) {
      await store.seal(informantRef, {
        ...body.informant,
        leadId,
        recordedBy: officer.id,
        recordedAt: now.toISOString(),
      });
    }
    const reported = await log.append(
      {
        type: "lead.reported",
        id: uuidFromName(`${leadId}:reported`),
        time: now,
        actor: officer.id,
        aggregate: { kind: "lead", id: leadId },
        data: {
          ...decision.facts,
          targetKey: decision.targetKey,
          recipients: decision.recipients,
          ...(decision.sharedAcross ? { sharedAcross: decision.sharedAcross } : {}),
        },
      },
      // A lead id made up just now has no head to look up; one from a request id may have.
      { fresh: idemKey === undefined },
    );
    if (decision.duplicateOf) {
      await log.append({
        type: "lead.linked",
        id: uuidFromName(`${leadId}:linked:${decision.duplicateOf}`),
        time: now,
        actor: officer.id,
        aggregate: { kind: "lead", id: leadId },
        correlationId: reported.id,
        causationId: reported.id,
        data: {
          leadId,
          earlierLeadId: decision.duplicateOf,
          reason: "same-target",
          targetKey: decision.targetKey,
        },
      });
    }
    const existing = store.lead(leadId);
    await store.saveLead({
      ...decision.facts,
      originator: agency,
      county: deps.config.county,
      registeredAt: existing?.registeredAt ?? now.toISOString(),
      registeredBy: officer.id,
      sharedWith: decision.recipients,
      ...(decision.sharedAcross ? { sharedAcross: decision.sharedAcross } : {}),
      linkedTo: [
        ...new Set([
          ...(existing?.linkedTo ?? []),
          ...(decision.duplicateOf ? [decision.duplicateOf] : []),
        ]),
      ],
      status: existing?.status ?? "open",
      targetKey: decision.targetKey,
    });
    return {
      leadId,
      sharedWith: decision.recipients,
      ...(decision.sharedAcross ? { sharedAcross: decision.sharedAcross } : {}),
      ...(decision.duplicateOf ? { possibleDuplicateOf: decision.duplicateOf } : {}),
      ...(informantRef ? { informantRef } : {}),
    };
  }

  app.post("/leads", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, LeadRegistration);
    const rawKey = c.req.header("idempotency-key");
    if (rawKey !== undefined && (rawKey.length === 0 || rawKey.length > 100)) {
      throw new ProblemError(
        400,
        "bad-idempotency-key",
        "Idempotency-Key 无效",
        "1 to 100 characters",
        {
          errors: [{ field: "Idempotency-Key", message: "1 to 100 characters" }],
        },
      );
    }
    const key = rawKey
      ? createHash("sha256").update(`${officer.id}\u0000${rawKey}`).digest("hex")
      : undefined;
    if (key) {
      const done = await store.idempotent(key);
      if (done) return c.json(done, 200);
      const running = inFlight.get(key);
      if (running) return c.json(await running, 200);
    }
    const work = register(officer, body, key);
    if (key) inFlight.set(key, work);
    try {
      const result = await work;
      if (key) await store.rememberResult(key, result);
      return c.json(result, 201);
    } finally {
      if (key) inFlight.delete(key);
    }
  });

  app.get("/leads", (c) => {
    const q = readQuery(c, Page);
    const all = newestFirst([...store.state.leads.values()], (l) => l.registeredAt).filter(
      (l) => !q.status || l.status === q.status,
    );
    return c.json({
      items: all.slice(q.offset, q.offset + q.limit).map((l) => publicLead(l as StoredLead)),
      total: all.length,
    });
  });

  app.get("/leads/:leadId", (c) => {
    const lead = store.lead(c.req.param("leadId"));
    if (!lead)
      throw new ProblemError(
        404,
        "not-found",
        "未找到该线索",
        "no lead of this agency has this id",
      );
    return c.json(publicLead(lead));
  });

  app.post("/leads/:leadId/dismissal", async (c) => {
    const officer = c.get("officer");
    const lead = store.lead(c.req.param("leadId"));
    if (!lead)
      throw new ProblemError(
        404,
        "not-found",
        "未找到该线索",
        "no lead of this agency has this id",
      );
    const body = await readJson(c, LeadDismissal);
    if (lead.status === "dismissed") {
      throw new ProblemError(409, "already-dismissed", "线索已撤销", undefined, {
        current: publicLead(lead),
      });
    }
    await log.append({
      type: "lead.dismissed",
      actor: officer.id,
      aggregate: { kind: "lead", id: lead.leadId },
      data: { leadId: lead.leadId, reason: body.reason },
    });
    const updated = { ...lead, status: "dismissed" as const };
    await store.saveLead(updated);
    return c.json(publicLead(updated));
  });

  app.get("/inbox", (c) => {
    const q = readQuery(c, Page);
    const all = newestFirst([...store.state.inbox.values()], (i) => i.receivedAt).filter(
      (i) => !q.status || i.status === q.status,
    );
    return c.json({
      items: all.slice(q.offset, q.offset + q.limit).map((i) => publicItem(i as StoredInboxItem)),
      total: all.length,
    });
  });

  app.get("/inbox/:leadId", (c) => {
    const item = store.inboxItem(c.req.param("leadId"));
    if (!item) throw new ProblemError(404, "not-found", "收件箱中没有该线索");
    return c.json(publicItem(item));
  });
}
