import {
  type CountyConfig,
  InformantShredding,
  RewardApproval,
  RewardPayment,
  UnsealRequest,
} from "@liandong/contracts";
import {
  type InformantBusEvent,
  type InformantCommand,
  type InformantEvent,
  type InformantRecord,
  informantDecider,
  informantView,
  recordInformant,
} from "@liandong/domain";
import {
  appendDecided,
  envelopeOf,
  ProblemError,
  readJson,
  requestStepId,
  uuidFromName,
} from "@liandong/runtime";
import {
  type FeatureApp,
  type FeatureContext,
  type FeatureDeps,
  featureApp,
  type Intent,
} from "./feature.ts";
import { informantContext, informantFile, type OfficerLookup } from "./informant-events.ts";
import type { Destruction, InformantVault } from "./informant-vault.ts";
import { recordedOwn } from "./own-step.ts";

export type InformantDeskDeps = FeatureDeps & {
  config: CountyConfig;
  officers: OfficerLookup;
  vault: InformantVault;
};

/** A command without what every command carries: the agency, the officer, when. */
type InformantIntent = Intent<InformantCommand, "agency" | "officer" | "at">;

const notFound = () =>
  new ProblemError(
    404,
    "not-found",
    "未找到该举报人",
    "no informant of this agency has this reference",
  );

/** Said of a file whose identity was destroyed, to whoever asks to unseal it. */
const destroyedProblem = (d: Destruction) =>
  new ProblemError("identity-destroyed", {
    detail: `举报人身份已于 ${d.at} 由 ${d.by} 销毁（原因：${d.reason}），无法解密`,
    extra: { destroyed: d },
  });

/**
 * Rewards and unsealing (有奖举报). Every rule is the domain's informant decider; each step is
 * recorded on the shared log with the opaque reference only. The identity stays sealed in the
 * agency's vault and is opened only for the answer to the approval that unseals it. A supervisor
 * may destroy it for good (PIPL deletion), on the record; and rotate the vault key.
 */
export function informantRoutes(deps: InformantDeskDeps): FeatureApp {
  const { agency, store, log, clock } = deps;
  const { app, decisions } = featureApp();
  const context = informantContext(deps.officers, agency, deps.config);

  /**
   * Load, decide, append, through the runtime's one handler. A request id (`Idempotency-Key`)
   * names the step's events, so a retry answers with the file as it is.
   */
  async function act(
    c: FeatureContext,
    ref: string,
    intent: InformantIntent,
  ): Promise<InformantRecord> {
    const officer = c.get("officer");
    const opened = await informantFile(store, agency, ref);
    if (!opened) throw notFound();
    const eventId = requestStepId(c, `${agency}:informant:${ref}:${intent.type}:${officer.id}`);
    const command = {
      ...intent,
      agency,
      officer: { id: officer.id, supervisor: officer.supervisor },
      at: clock().toISOString(),
    } as InformantCommand;
    return decisions.run<InformantRecord, InformantEvent>({
      aggregateId: ref,
      load: () => store.informantFiles.get(ref) ?? opened,
      already: (r) => (r.applied.includes(eventId) ? r : undefined),
      decide: (r) => informantDecider.decide(command, r),
      append: (r, events) => append(officer.id, r, events, eventId),
      version: (r) => r?.applied.length ?? 0,
      notFound: notFound(),
    });
  }

  /** Appends the decided steps in order, each linked to the last, each folded as the stream holds it. */
  function append(
    actor: string,
    record: InformantRecord,
    events: InformantEvent[],
    eventId: string,
  ): Promise<InformantRecord> {
    return appendDecided(log, record, events, {
      envelope: (e, i) => ({
        id: i === 0 ? eventId : uuidFromName(`${eventId}:${e.type}`),
        actor,
        aggregate: { kind: "informant", id: record.ref },
      }),
      head: (r) => r.head,
      onConflict: "throw",
      fold: async (before, _e, published) => {
        const current = store.informantFiles.get(record.ref) ?? before;
        const envelope = envelopeOf<InformantBusEvent>(published);
        const next = recordedOwn(
          "informant",
          recordInformant(current, envelope, published, context),
        ).record;
        await store.saveInformantFile(next);
        return next;
      },
    });
  }

  app.get("/informants/:ref", async (c) => {
    const file = await informantFile(store, agency, c.req.param("ref"));
    if (!file) throw notFound();
    return c.json(informantView(file));
  });

  app.post("/informants/:ref/reward-approval", async (c) => {
    const body = await readJson(c, RewardApproval);
    const range = deps.config.rewardRangeYuan;
    const file = await act(c, c.req.param("ref"), { type: "approve-reward", ...body, range });
    return c.json(informantView(file));
  });

  app.post("/informants/:ref/unseal-requests", async (c) => {
    const { reason } = await readJson(c, UnsealRequest);
    const ref = c.req.param("ref");
    const shredded = (await informantFile(store, agency, ref))?.shredded;
    if (shredded) throw destroyedProblem(shredded);
    const requestId = requestStepId(c, `${agency}:unseal:${ref}:${c.get("officer").id}`);
    await act(c, ref, { type: "request-unseal", requestId, reason });
    return c.json({ requestId, status: "requested" }, 201);
  });

  app.post("/informants/:ref/unseal-requests/:requestId/approvals", async (c) => {
    const ref = c.req.param("ref");
    const requestId = c.req.param("requestId");
    const known = await informantFile(store, agency, ref);
    if (!known) throw notFound();
    if (known.shredded) throw destroyedProblem(known.shredded);
    if (!known.requests.some((r) => r.requestId === requestId))
      throw new ProblemError(404, "not-found", "无此申请", "no unsealing request has this id");
    const file = await act(c, ref, { type: "approve-unseal", requestId });
    const request = file.requests.find((r) => r.requestId === requestId)!;
    if (!request.unsealed)
      return c.json({ requestId, status: "approved-once", approvers: request.approvers });
    // The approval that unsealed it: its answer alone carries who the informant is, opened
    // for it and kept nowhere.
    const opened = await deps.vault.unseal(ref);
    if ("destroyed" in opened) throw destroyedProblem(opened.destroyed);
    if ("missing" in opened) throw notFound();
    return c.json({
      requestId,
      status: "unsealed",
      approvers: request.approvers,
      informant: opened.identity,
    });
  });

  // 销毁身份 (PIPL deletion): recorded as informant.shredded, then the data key destroyed and
  // the vault key rotated. A step recorded but not carried out (the service stopped in
  // between) is carried out when the agency's own consumer folds it.
  app.post("/informants/:ref/shredding", async (c) => {
    const { reason } = await readJson(c, InformantShredding);
    const ref = c.req.param("ref");
    const known = await informantFile(store, agency, ref);
    if (!known) throw notFound();
    if (known.shredded) throw destroyedProblem(known.shredded);
    const file = await act(c, ref, { type: "shred", reason });
    if (file.shredded) await deps.vault.shred(ref, file.shredded);
    return c.json(informantView(file));
  });

  // 轮换保密库密钥: every data key wrapped again under a new vault key, the old one destroyed.
  app.post("/vault/rotation", async (c) => {
    if (!c.get("officer").supervisor)
      throw new ProblemError("forbidden", { detail: "须由本部门领导轮换保密库密钥" });
    return c.json(await deps.vault.rotate());
  });

  app.post("/informants/:ref/reward-payment", async (c) => {
    const { amountYuan } = await readJson(c, RewardPayment);
    const file = await act(c, c.req.param("ref"), { type: "pay-reward", amountYuan });
    return c.json(informantView(file));
  });

  return app;
}
