import { randomBytes } from "node:crypto";
import {
  type EventType,
  OfficerRegistration,
  OfficerRenewal,
  OfficerRevocation,
} from "@liandong/contracts";
import {
  isRefusal,
  type OfficerAccount,
  type OfficerBusEvent,
  type OfficerCommand,
  officerDecider,
  officerEntry,
} from "@liandong/domain";
import {
  type AggregateLog,
  bearerToken,
  envelopeOf,
  type HttpEnv,
  KeyedLock,
  ProblemError,
  readJson,
  refusalProblem,
  type ServiceContext,
  tokenSha256,
} from "@liandong/runtime";
import { type Context, Hono } from "hono";
import { supervisorOnly } from "./supervisor-only.ts";

const DAY_MS = 86_400_000;

/**
 * The county's register of named officers (经办人), kept by the office: `POST /officers` gives a
 * named officer of an agency an account and a token shown once (only its hash is recorded);
 * `POST /officers/{id}/renew` gives the token a new lifetime; `POST /officers/{id}/revoke` ends
 * it in every service of the county (each follows the register on the bus). Every change is an
 * event of the office's log (`officer.*`), decided by the domain's officer decider, and only an
 * office supervisor makes one. `GET /officers`: the register, never a token.
 */
export function officerRoutes(ctx: ServiceContext, deps: { log: AggregateLog }): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  const lock = new KeyedLock();
  const agencies = new Set(ctx.config.agencies.map((a) => a.code));
  const now = () => ctx.clock();

  /** Decides a change of one account on the register as it stands, appends it, folds it at once. */
  const change = (
    c: Context<HttpEnv>,
    officerId: string,
    command: (at: string) => OfficerCommand,
  ) =>
    lock.run(officerId, async (): Promise<OfficerAccount> => {
      const officer = c.get("officer");
      supervisorOnly(officer, "登记、续期或注销经办人");
      const at = now().toISOString();
      const decided = officerDecider.decide(command(at), ctx.officers.account(officerId));
      if (isRefusal(decided)) throw refusalProblem(decided);
      for (const e of decided) {
        const type: EventType = e.type;
        const published = await deps.log.append(
          {
            type,
            time: new Date(e.time),
            actor: officer.id,
            aggregate: { kind: "officer", id: officerId },
            data: e.data,
          } as Parameters<AggregateLog["append"]>[0],
          e.type === "officer.registered" ? { fresh: true } : {},
        );
        ctx.officers.record(envelopeOf<OfficerBusEvent>(published));
      }
      return ctx.officers.account(officerId)!;
    });

  const known = (id: string) => {
    if (!ctx.officers.account(id))
      throw new ProblemError(404, "not-found", "未找到该经办人", `no officer ${id}`);
    return id;
  };
  const until = (days: number | undefined) =>
    new Date(now().getTime() + (days ?? ctx.config.officerTokenDays) * DAY_MS).toISOString();

  app.post("/officers", async (c) => {
    const body = await readJson(c, OfficerRegistration);
    if (!agencies.has(body.agency))
      throw new ProblemError(422, "invalid-body", "本县没有该部门", `agency ${body.agency}`, {
        errors: [
          {
            field: "agency",
            message: { zh: "不是本县的部门", en: "not an agency of this county" },
          },
        ],
      });
    const token = bearerToken();
    // A subject token (no dot): the officer is an aggregate of the log.
    const officerId = `${body.agency}-${randomBytes(4).toString("hex")}`;
    const account = await change(c, officerId, (at) => ({
      type: "register",
      agency: "office",
      at,
      account: {
        officerId,
        agency: body.agency,
        name: body.name,
        role: body.role,
        tokenSha256: tokenSha256(token),
        expiresAt: until(body.days),
      },
    }));
    return c.json({ officer: officerEntry(account, now()), token }, 201);
  });

  app.post("/officers/:id/renew", async (c) => {
    const id = known(c.req.param("id"));
    const body = await readJson(c, OfficerRenewal);
    const account = await change(c, id, (at) => ({
      type: "renew",
      agency: "office",
      at,
      expiresAt: until(body.days),
    }));
    return c.json(officerEntry(account, now()));
  });

  app.post("/officers/:id/revoke", async (c) => {
    const id = known(c.req.param("id"));
    const body = await readJson(c, OfficerRevocation);
    const account = await change(c, id, (at) => ({
      type: "revoke",
      agency: "office",
      at,
      reason: body.reason,
    }));
    return c.json(officerEntry(account, now()));
  });

  app.get("/officers", (c) => {
    const items = ctx.officers
      .accounts()
      .map((a) => officerEntry(a, now()))
      .sort((a, b) => b.registeredAt.localeCompare(a.registeredAt));
    return c.json({ items, total: items.length });
  });
  return app;
}
