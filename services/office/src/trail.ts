import {
  type AggregateKind,
  AggregateKind as AggregateKindSchema,
  aggregateSubjects,
  homeAggregateSubjects,
  type Lang,
  parseEvent,
  problemLanguage,
  type ReferralView,
  type SaidParams,
  STREAMS,
  type TrailStep,
} from "@liandong/contracts";
import { isReferralEvent, isRefusalCode, recordReferral, say } from "@liandong/domain";
import {
  attemptAggregateId,
  type Bus,
  type ChainLink,
  type HttpEnv,
  ProblemError,
  type ServiceContext,
  sha256Hex,
  verifyChain,
} from "@liandong/runtime";
import { Hono } from "hono";

/**
 * Why an attempt was refused, in `lang`: from its code and parameters where the record keeps
 * them, else the words the officer was told (an older record, or a refusal resting on another).
 */
export function attemptReason(
  a: { message: string; code?: string | undefined; params?: SaidParams | undefined },
  lang: Lang,
): string {
  if (a.code === undefined || a.params === undefined || !isRefusalCode(a.code)) return a.message;
  return say({ code: a.code, params: a.params }, lang);
}

/**
 * The whole history of a referral or lead, read from the shared log in the order the stream
 * stored it, with the verification of its hash chain (留痕); a refused attempt's reason in `lang`.
 */
export async function readTrail(
  bus: Pick<Bus, "readPresent">,
  county: string,
  kind: string,
  id: string,
  agencies: readonly string[],
  lang: Lang = "zh",
) {
  const parsedKind = AggregateKindSchema.safeParse(kind);
  if (!parsedKind.success || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) {
    throw new ProblemError(404, "not-found", "未找到该记录");
  }
  // A referral's trail includes the steps each party refused (on its own `attempt` aggregate).
  const aggregates: { kind: AggregateKind; id: string }[] = [{ kind: parsedKind.data, id }];
  if (parsedKind.data === "referral")
    for (const a of agencies) aggregates.push({ kind: "attempt", id: attemptAggregateId(id, a) });
  // Deadlines passed, supervision orders, answers and escalations about it.
  if (parsedKind.data === "referral" || parsedKind.data === "case")
    aggregates.push({ kind: "supervision", id });
  // A restricted lead's crossing: the originator asked, and its answer.
  if (parsedKind.data === "referral") aggregates.push({ kind: "consent", id });
  const subjects = aggregates.map((a) =>
    // A referral: this county's steps under the shorter subjects; across a county line, both
    // counties' steps under the longer ones (filters of one read must not overlap).
    a.kind === "referral"
      ? homeAggregateSubjects(county, a.kind, a.id)
      : aggregateSubjects(county, a.kind, a.id),
  );
  if (parsedKind.data === "referral")
    subjects.push(aggregateSubjects(county, "referral", id, true));
  const links = await aggregateEvents(bus, subjects);
  const own = links.filter((l) => l.subject.split(".")[4] === parsedKind.data);
  if (own.length === 0) throw new ProblemError(404, "not-found", "未找到该记录");
  // A referral's trail carries its record, folded from the same steps with the domain's record
  // (the one every party and the tracker fold): the page and the CLI show its status and holder.
  let referral: ReferralView | undefined;
  const steps: TrailStep[] = links.map((l) => {
    const parsed = parseEvent(JSON.parse(Buffer.from(l.bytes).toString("utf8")));
    if (!parsed.ok) return { seq: l.seq, type: "invalid", agency: "", actor: "", time: "" };
    const e = parsed.event;
    if (isReferralEvent(e) && e.aggregate.id === id) {
      const r = recordReferral(referral, e, { seq: l.seq, hash: sha256Hex(l.bytes) });
      if (r.ok) referral = r.view;
    }
    const data = e.data as { reason?: unknown };
    return {
      seq: l.seq,
      type: e.type,
      agency: e.agency,
      actor: e.actor,
      ...(e.officer ? { officer: e.officer } : {}),
      time: e.time,
      ...(e.to ? { to: e.to } : {}),
      ...(typeof data.reason === "string" ? { reason: data.reason } : {}),
      ...(e.type === "attempt.refused"
        ? {
            attempted: e.data.attempted,
            refused: e.data.refused,
            reason: attemptReason(e.data, lang),
          }
        : {}),
      ...(e.type === "supervision.answered" ? { reason: e.data.answer } : {}),
      ...(e.type === "consent.refused" ? { reason: e.data.reason } : {}),
    };
  });
  // Each aggregate's chain is verified on its own; the trail is sound when all of them are.
  const chains = new Map<string, ChainLink[]>();
  for (const l of links) {
    const key = l.subject.split(".").slice(4, 6).join(".");
    chains.set(key, [...(chains.get(key) ?? []), l]);
  }
  const findings = [...chains.values()].map((c) => verifyChain(c));
  const ownChain = verifyChain(own);
  const verification =
    findings.find((f) => !f.ok) ??
    (ownChain.ok && {
      ok: true as const,
      checked: findings.reduce((n, f) => n + f.checked, 0),
      head: ownChain.head,
    }) ??
    ownChain;
  return {
    aggregate: { kind: parsedKind.data, id },
    verification,
    steps,
    ...(referral ? { referral } : {}),
  };
}

async function aggregateEvents(
  bus: Pick<Bus, "readPresent">,
  subjects: string[],
): Promise<(ChainLink & { subject: string })[]> {
  const links: (ChainLink & { subject: string })[] = [];
  for await (const e of bus.readPresent(STREAMS.events, {
    namePrefix: "office_trail",
    filterSubjects: subjects,
  }))
    links.push(e);
  return links;
}

/** The trail of any aggregate of the county, and the auditors' public keys. */
export function trailRoutes(ctx: ServiceContext): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  // Public keys are public: an auditor needs them before holding any token.
  app.get("/audit/keys", (c) =>
    c.json({
      county: ctx.county,
      agencies: ctx.config.auditKeys,
      neighbours: ctx.config.region.neighbours,
    }),
  );
  app.get("/trail/:kind/:id", async (c) => {
    // A refused attempt's reason in the reader's language.
    c.header("vary", "Accept-Language");
    return c.json(
      await readTrail(
        ctx.bus,
        ctx.county,
        c.req.param("kind"),
        c.req.param("id"),
        ctx.config.agencies.map((a) => a.code),
        problemLanguage(c.req.header("accept-language")),
      ),
    );
  });
  return app;
}
