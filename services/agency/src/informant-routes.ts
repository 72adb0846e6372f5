import {
  type AgencyCode,
  type CountyConfig,
  RewardApproval,
  RewardPayment,
  UnsealRequest,
} from "@liandong/contracts";
import {
  type AggregateLog,
  type HttpEnv,
  ProblemError,
  readJson,
  ValidationError,
} from "@liandong/runtime";
import type { Hono } from "hono";
import type { DeskStore } from "./desk-store.ts";
import { decideApproval, type InformantFile } from "./informant-file.ts";

export type InformantDeskDeps = {
  agency: AgencyCode;
  config: CountyConfig;
  store: DeskStore;
  log: AggregateLog;
};

/**
 * Rewards and unsealing (有奖举报). Each step is recorded on the shared log with the opaque
 * reference only; the identity leaves the agency's sealed store only in the answer to the
 * second supervisor's approval.
 */
export function mountInformants(app: Hono<HttpEnv>, deps: InformantDeskDeps): void {
  const { store, log } = deps;

  async function file(ref: string): Promise<InformantFile> {
    const f = await store.informantFile(ref);
    if (!f)
      throw new ProblemError(
        404,
        "not-found",
        "未找到该举报人",
        "no informant of this agency has this reference",
      );
    return f;
  }
  const record = (
    actor: string,
    ref: string,
    type: Parameters<AggregateLog["append"]>[0]["type"],
    data: unknown,
  ) =>
    log.append({ type, actor, aggregate: { kind: "informant", id: ref }, data } as Parameters<
      AggregateLog["append"]
    >[0]);
  const supervisorOnly = (officer: { supervisor: boolean }) => {
    if (!officer.supervisor)
      throw new ProblemError(403, "forbidden", "须由分管领导审批", "only a supervisor may approve");
  };

  app.get("/informants/:ref", async (c) => c.json(await file(c.req.param("ref"))));

  app.post("/informants/:ref/reward-approval", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, RewardApproval);
    supervisorOnly(officer);
    const f = await file(c.req.param("ref"));
    const sealed = await store.sealed(f.ref);
    if (!sealed?.rewardEligible)
      throw new ProblemError(409, "not-eligible", "该举报人不符合奖励条件");
    if (f.reward)
      throw new ProblemError(409, "already-approved", "奖励已审批", undefined, { current: f });
    const { min, max } = deps.config.rewardRangeYuan;
    if (body.amountYuan < min || body.amountYuan > max) {
      throw new ValidationError("invalid-body", "奖励金额超出范围", [
        { field: "amountYuan", message: `between ${min} and ${max} yuan` },
      ]);
    }
    await record(officer.id, f.ref, "informant.reward-approved", {
      informantRef: f.ref,
      leadId: f.leadId,
      ...body,
    });
    const next = {
      ...f,
      reward: { amountYuan: body.amountYuan, approvedBy: officer.id, paid: false },
    };
    await store.saveInformantFile(next);
    return c.json(next);
  });

  app.post("/informants/:ref/unseal-requests", async (c) => {
    const officer = c.get("officer");
    const { reason } = await readJson(c, UnsealRequest);
    const f = await file(c.req.param("ref"));
    const requestId = crypto.randomUUID();
    await record(officer.id, f.ref, "informant.unseal-requested", {
      informantRef: f.ref,
      requestId,
      reason,
    });
    const next = {
      ...f,
      requests: [
        ...f.requests,
        { requestId, requestedBy: officer.id, reason, approvers: [], unsealed: false },
      ],
    };
    await store.saveInformantFile(next);
    return c.json({ requestId, status: "requested" }, 201);
  });

  app.post("/informants/:ref/unseal-requests/:requestId/approvals", async (c) => {
    const officer = c.get("officer");
    const f = await file(c.req.param("ref"));
    const requestId = c.req.param("requestId");
    const decided = decideApproval(f, requestId, officer);
    if (!decided.ok)
      throw new ProblemError(decided.status, "unseal-refused", "无法审批解密", decided.message);
    await record(officer.id, f.ref, "informant.unseal-approved", {
      informantRef: f.ref,
      requestId,
    });
    if (decided.unseals) {
      await record(officer.id, f.ref, "informant.unsealed", {
        informantRef: f.ref,
        requestId,
        approvers: [decided.approvers[0]!, decided.approvers[1]!],
      });
    }
    const requests = f.requests.map((r) =>
      r.requestId === requestId
        ? { ...r, approvers: decided.approvers, unsealed: decided.unseals }
        : r,
    );
    await store.saveInformantFile({ ...f, requests });
    if (!decided.unseals)
      return c.json({ requestId, status: "approved-once", approvers: decided.approvers });
    const sealed = await store.sealed(f.ref);
    return c.json({
      requestId,
      status: "unsealed",
      approvers: decided.approvers,
      informant: { name: sealed?.name, phone: sealed?.phone, idNumber: sealed?.idNumber },
    });
  });

  app.post("/informants/:ref/reward-payment", async (c) => {
    const officer = c.get("officer");
    const body = await readJson(c, RewardPayment);
    const f = await file(c.req.param("ref"));
    if (!f.reward) throw new ProblemError(409, "not-approved", "奖励尚未审批");
    if (f.reward.paid) throw new ProblemError(409, "already-paid", "奖励已发放");
    if (body.amountYuan !== f.reward.amountYuan) {
      throw new ValidationError("invalid-body", "发放金额与审批金额不符", [
        { field: "amountYuan", message: `approved: ${f.reward.amountYuan}` },
      ]);
    }
    if (!f.requests.some((r) => r.unsealed))
      throw new ProblemError(409, "sealed", "须先经两名领导审批解密联系方式");
    await record(officer.id, f.ref, "informant.reward-paid", {
      informantRef: f.ref,
      leadId: f.leadId,
      amountYuan: body.amountYuan,
    });
    const next = { ...f, reward: { ...f.reward, paid: true } };
    await store.saveInformantFile(next);
    return c.json(next);
  });
}
