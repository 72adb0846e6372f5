import { z } from "zod";
import {
  Health,
  InboxItem,
  InboxPage,
  InformantShredding,
  LeadDismissal,
  LeadRegistered,
  LeadRegistration,
  LeadView,
  OfficerSelf,
  RewardApproval,
  RewardPayment,
  UnsealRequest,
} from "./api.ts";
import { CaseClosure, CaseOpening, CaseStep, CaseView } from "./api-case.ts";
import {
  BreakGlassList,
  BreakGlassRecord,
  BreakGlassRequest,
  OfficeFindingQuery,
  OfficeFindings,
  OfficeInspection,
  OfficeInspectionList,
  Overview,
  StatisticsQuery,
  TrackedLeadPage,
  TrackedLeadQuery,
  TrackedLeadView,
  TrackedReferralView,
  TrackerPage,
  TrackerQuery,
  Trail,
  UiConfig,
} from "./api-office.ts";
import {
  ConsentDecision,
  ConsentView,
  ReferralFeedback,
  ReferralOffer,
  ReferralOnward,
  ReferralReason,
  ReferralView,
} from "./api-referral.ts";
import {
  AgencyReportView,
  CityReportView,
  MonthlyReportView,
  StatisticsView,
  SubmittedReport,
} from "./api-report.ts";
import {
  SupervisionAnswerRequest,
  SupervisionForwardRequest,
  SupervisionOrderRequest,
  SupervisionOrderView,
} from "./api-supervision.ts";
import { AggregateKind } from "./envelope.ts";
import { AuditHeads, AuditKeys } from "./events-audit.ts";
import {
  CityOrderRequest,
  CountyReportSent,
  MajorCaseAcknowledgement,
  MajorCaseList,
  MajorCaseView,
} from "./events-city.ts";
import { InspectionFindings, InspectionPlanRequest } from "./events-inspection.ts";
import {
  OfficerEntry,
  OfficerIssued,
  OfficerList,
  OfficerRegistration,
  OfficerRenewal,
  OfficerRevocation,
} from "./events-officer.ts";
import { ReportSubmission } from "./events-report.ts";
import { AuditWitnesses } from "./events-witness.ts";
import {
  ComparisonRunAnswer,
  ComparisonRunRequest,
  FindingsAnswer,
  FindingsSubmission,
  RegisterImportRequest,
  RegisterImportResult,
  RegisterName,
  Reidentified,
  ReidentifyRequest,
} from "./match.ts";
import { Problem } from "./problem.ts";
import { IDEMPOTENCY_KEY_PATTERN } from "./text.ts";

/** A joint inspection as a participating agency holds it, with its findings once recorded. */
const AgencyInspection = z.object({
  inspectionId: z.uuid(),
  title: z.string(),
  agencies: z.array(z.string()),
  targets: z.array(z.object({ kind: z.string(), name: z.string(), county: z.string() })),
  startsOn: z.string(),
  endsOn: z.string(),
  findings: InspectionFindings.extend({ recordedAt: z.string() }).optional(),
});
/**
 * JSON Schema of a zod schema, as a request reads it (`input`: defaults make a field optional)
 * or a response is written (`output`). OpenAPI 3.1 speaks draft 2020-12; AsyncAPI 3.0's schema
 * format is a superset of draft-07. A type JSON Schema cannot express throws here, so
 * `pnpm generate` fails rather than document it as "anything".
 */
export function jsonSchema(
  schema: z.ZodType,
  io: "input" | "output",
  target: "draft-2020-12" | "draft-07" = "draft-2020-12",
): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target, io });
  return rest;
}

/** Each field of a query schema as an OpenAPI query parameter (required unless optional or defaulted). */
function queryParameters(schema: z.ZodObject) {
  const whole = jsonSchema(schema, "input") as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(whole.properties ?? {}).map(([name, fieldSchema]) => ({
    name,
    in: "query",
    required: whole.required?.includes(name) ?? false,
    schema: fieldSchema,
  }));
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ "application/json": { schema: ref(name) } });
const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ref("Problem") } },
});
const LeadList = z.object({ items: z.array(LeadView), total: z.number().int() });

const problems = {
  "401": problem("未登录或令牌无效 — no or unknown bearer token"),
  "403": problem("无权以其他部门身份操作 — an officer of another agency"),
};
const bodyProblems = {
  "400": problem("JSON 格式错误 — malformed JSON; `errors[].field` names the field"),
  "413": problem("请求体过大 — body over the configured limit"),
  "415": problem("请求体须为 JSON — content-type is not JSON"),
  "422": problem("请求内容不符合要求 — `errors[].field` names each bad field"),
};
const leadId = {
  name: "leadId",
  in: "path",
  required: true,
  schema: { type: "string", format: "uuid" },
};
const informantRef = {
  name: "ref",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^inf_[0-9a-f]{32}$" },
};
const caseId = {
  name: "caseId",
  in: "path",
  required: true,
  schema: { type: "string", format: "uuid" },
};
const referralId = {
  name: "referralId",
  in: "path",
  required: true,
  schema: { type: "string", format: "uuid" },
};
const officerId = {
  name: "id",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^[a-z0-9][a-z0-9._-]{0,63}$" },
};
const idempotencyKey = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  schema: { type: "string", minLength: 1, maxLength: 100, pattern: IDEMPOTENCY_KEY_PATTERN },
  description:
    "A retried request with the same key returns the first result and records nothing twice; the same key with another body is refused (422).",
};

/** One hand-off step: 403 when it is not this party's step, 409 with `current` when the referral moved on. */
function step(path: string, operationId: string, summary: string, body: string | undefined) {
  return {
    [`/referrals/{referralId}/${path}`]: {
      post: {
        operationId,
        summary,
        parameters: [referralId, idempotencyKey],
        ...(body ? { requestBody: { required: true, content: json(body) } } : {}),
        responses: {
          [path === "onward" ? "201" : "200"]: {
            description: "已记录",
            content: json("ReferralView"),
          },
          ...bodyProblems,
          ...problems,
          "404": problem("未找到该移交"),
          "409": problem("移交状态已变化 — `current` holds the state that won"),
        },
      },
    },
  };
}

const paging = [
  {
    name: "status",
    in: "query",
    required: false,
    schema: { type: "string", enum: ["open", "dismissed"] },
  },
  {
    name: "limit",
    in: "query",
    required: false,
    schema: { type: "integer", minimum: 1, maximum: 500, default: 100 },
  },
  {
    name: "offset",
    in: "query",
    required: false,
    schema: { type: "integer", minimum: 0, default: 0 },
  },
];

/** Schemas of what every service answers. */
const serviceSchemas = () => ({
  OfficerSelf: jsonSchema(OfficerSelf, "output"),
  Health: jsonSchema(Health, "output"),
  Problem: jsonSchema(Problem, "output"),
});
const supervisionSchemas = () => ({
  SupervisionOrderView: jsonSchema(SupervisionOrderView, "output"),
  SupervisionList: jsonSchema(
    z.object({ items: z.array(SupervisionOrderView), total: z.number().int() }),
    "output",
  ),
});
const securitySchemes = {
  bearer: {
    type: "http",
    scheme: "bearer",
    description: "经办人令牌 — officer's bearer token",
  },
};
const pathParam = (name: string, schema: Record<string, unknown>) => ({
  name,
  in: "path",
  required: true,
  schema,
});
/** A file of a page (the page, its script, its style): open, no token. */
const page = (operationId: string, summary: string, type: string) => ({
  get: {
    operationId,
    summary,
    security: [],
    responses: {
      "200": { description: "页面文件", content: { [type]: { schema: { type: "string" } } } },
    },
  },
});

const monthPattern = "^\\d{4}-(0[1-9]|1[0-2])$";

/** What every service answers (the runtime mounts it): who is logged in, probes, metrics. */
const serviceOperations = () => ({
  "/me": {
    get: {
      operationId: "whoAmI",
      summary: "当前登录人 — the officer this token belongs to (every service)",
      responses: {
        "200": { description: "登录人", content: json("OfficerSelf") },
        ...problems,
      },
    },
  },
  "/healthz": {
    get: {
      operationId: "healthz",
      summary: "存活检查 — liveness: the process answers",
      security: [],
      responses: { "200": { description: "进程存活", content: json("Health") } },
    },
  },
  "/readyz": {
    get: {
      operationId: "readyz",
      summary: "就绪检查 — readiness: connected to the bus, consumers running",
      security: [],
      responses: {
        "200": { description: "已就绪", content: json("Health") },
        "503": { description: "未就绪（总线未连接或消费者未运行）", content: json("Health") },
      },
    },
  },
  "/metrics": {
    get: {
      operationId: "metrics",
      summary: "Prometheus 指标 — metrics in the text exposition format",
      security: [],
      responses: {
        "200": {
          description: "Prometheus",
          content: { "text/plain": { schema: { type: "string" } } },
        },
      },
    },
  },
});

/** The agencies' HTTP API as an OpenAPI 3.1 document, built from the same zod schemas the services validate with. */
export function openApiDocument(): Record<string, unknown> {
  const schemas = {
    LeadRegistration: jsonSchema(LeadRegistration, "input"),
    LeadRegistered: jsonSchema(LeadRegistered, "output"),
    LeadView: jsonSchema(LeadView, "output"),
    LeadList: jsonSchema(LeadList, "output"),
    LeadDismissal: jsonSchema(LeadDismissal, "input"),
    InboxItem: jsonSchema(InboxItem, "output"),
    InboxPage: jsonSchema(InboxPage, "output"),
    ...serviceSchemas(),
    RewardApproval: jsonSchema(RewardApproval, "input"),
    RewardPayment: jsonSchema(RewardPayment, "input"),
    UnsealRequest: jsonSchema(UnsealRequest, "input"),
    InformantShredding: jsonSchema(InformantShredding, "input"),
    CaseOpening: jsonSchema(CaseOpening, "input"),
    CaseStep: jsonSchema(CaseStep, "input"),
    CaseClosure: jsonSchema(CaseClosure, "input"),
    CaseView: jsonSchema(CaseView, "output"),
    CaseList: jsonSchema(z.object({ items: z.array(CaseView), total: z.number().int() }), "output"),
    ReferralOffer: jsonSchema(ReferralOffer, "input"),
    ReferralReason: jsonSchema(ReferralReason, "input"),
    ReferralFeedback: jsonSchema(ReferralFeedback, "input"),
    ReferralOnward: jsonSchema(ReferralOnward, "input"),
    ReferralView: jsonSchema(ReferralView, "output"),
    ReferralList: jsonSchema(
      z.object({ items: z.array(ReferralView), total: z.number().int() }),
      "output",
    ),
    ConsentDecision: jsonSchema(ConsentDecision, "input"),
    ConsentView: jsonSchema(ConsentView, "output"),
    ConsentList: jsonSchema(
      z.object({ items: z.array(ConsentView), total: z.number().int() }),
      "output",
    ),
    ...supervisionSchemas(),
    SupervisionAnswerRequest: jsonSchema(SupervisionAnswerRequest, "input"),
    InspectionFindings: jsonSchema(InspectionFindings, "input"),
    RegisterImportRequest: jsonSchema(RegisterImportRequest, "input"),
    FindingsSubmission: jsonSchema(FindingsSubmission, "input"),
    FindingsAnswer: jsonSchema(FindingsAnswer, "output"),
    ComparisonRunRequest: jsonSchema(ComparisonRunRequest, "input"),
    ComparisonRunAnswer: jsonSchema(ComparisonRunAnswer, "output"),
    ReidentifyRequest: jsonSchema(ReidentifyRequest, "input"),
    Reidentified: jsonSchema(Reidentified, "output"),
    RegisterImportResult: jsonSchema(RegisterImportResult, "output"),
    AgencyInspection: jsonSchema(AgencyInspection, "output"),
    InspectionList: jsonSchema(
      z.object({ items: z.array(AgencyInspection), total: z.number().int() }),
      "output",
    ),
    ReportSubmission: jsonSchema(ReportSubmission, "input"),
    AgencyReport: jsonSchema(AgencyReportView, "output"),
    SubmittedReport: jsonSchema(SubmittedReport, "output"),
  };
  const uuidPath = (name: string) => pathParam(name, { type: "string", format: "uuid" });
  const month = pathParam("month", { type: "string", pattern: monthPattern });
  return {
    openapi: "3.1.1",
    info: {
      title: "联动 Liandong — 部门联络员接口 (agency liaison API)",
      version: "0.1.0",
      description:
        "Every agency service serves this API for its own officers. Errors are RFC 9457 problem details (`application/problem+json`).",
    },
    servers: [
      {
        url: "http://{host}:{port}",
        description:
          "一个部门服务 — one agency's service; docker-compose: agencies 7101–7105 (the office: office-openapi.json)",
        variables: { host: { default: "127.0.0.1" }, port: { default: "7101" } },
      },
    ],
    security: [{ bearer: [] }],
    paths: {
      ...serviceOperations(),
      "/leads": {
        post: {
          operationId: "registerLead",
          summary: "登记线索 — register a lead; it is shared by the routing table",
          parameters: [idempotencyKey],
          requestBody: { required: true, content: json("LeadRegistration") },
          responses: {
            "201": { description: "已登记 — registered", content: json("LeadRegistered") },
            "200": {
              description: "同一 Idempotency-Key 的重试 — the first result again",
              content: json("LeadRegistered"),
            },
            ...bodyProblems,
            ...problems,
            "409": problem("冲突 — conflict"),
          },
        },
        get: {
          operationId: "listLeads",
          summary: "本部门登记的线索 — leads this agency registered",
          parameters: paging,
          responses: { "200": { description: "线索列表", content: json("LeadList") }, ...problems },
        },
      },
      "/leads/{leadId}": {
        get: {
          operationId: "getLead",
          summary: "线索详情 — one lead this agency registered",
          parameters: [leadId],
          responses: {
            "200": { description: "线索", content: json("LeadView") },
            ...problems,
            "404": problem("未找到该线索"),
          },
        },
      },
      "/leads/{leadId}/dismissal": {
        post: {
          operationId: "dismissLead",
          summary: "撤销线索 — dismiss a lead (originator only)",
          parameters: [leadId],
          requestBody: { required: true, content: json("LeadDismissal") },
          responses: {
            "200": { description: "已撤销", content: json("LeadView") },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该线索"),
            "409": problem("线索已撤销 — already dismissed"),
          },
        },
      },
      "/inbox": {
        get: {
          operationId: "listInbox",
          summary: "收件箱 — leads shared with this agency",
          parameters: paging,
          responses: { "200": { description: "收件箱", content: json("InboxPage") }, ...problems },
        },
      },
      "/inbox/feed": {
        get: {
          operationId: "inboxFeed",
          summary:
            "线索动态 — each change to the inbox as it arrives (server-sent events): a lead shared with this agency, its later steps",
          responses: {
            "200": {
              description:
                "text/event-stream: a comment once subscribed, then one `lead` event per change (`id` the lead's id, `data` the InboxItem as /inbox lists it, never an informant's identity), a comment every 15 s. A client too far behind is cut off: on reconnecting it lists /inbox again.",
              content: { "text/event-stream": { schema: { type: "string" } } },
            },
            ...problems,
          },
        },
      },
      "/inbox/{leadId}": {
        get: {
          operationId: "getInboxItem",
          summary: "收件箱中的一条线索",
          parameters: [leadId],
          responses: {
            "200": { description: "线索", content: json("InboxItem") },
            ...problems,
            "404": problem("收件箱中没有该线索"),
          },
        },
      },
      "/referrals": {
        post: {
          operationId: "offerReferral",
          summary: "移交 — hand a lead this agency holds to another agency",
          parameters: [idempotencyKey],
          requestBody: { required: true, content: json("ReferralOffer") },
          responses: {
            "201": { description: "已移交，等待对方接收", content: json("ReferralView") },
            "200": { description: "同一 Idempotency-Key 的重试", content: json("ReferralView") },
            "202": {
              description:
                "跨区转递须经线索来源部门同意（不经同意不得转递）：已征求意见，同意后自动移交",
              content: json("ConsentView"),
            },
            ...bodyProblems,
            ...problems,
          },
        },
        get: {
          operationId: "listReferrals",
          summary: "本部门参与的移交；waiting=true 只列待本部门接收的",
          parameters: [
            { name: "waiting", in: "query", required: false, schema: { type: "boolean" } },
          ],
          responses: {
            "200": { description: "移交列表", content: json("ReferralList") },
            ...problems,
          },
        },
      },
      "/referrals/feed": {
        get: {
          operationId: "referralFeed",
          summary:
            "移交动态 — each change to a referral of this agency as it arrives (server-sent events); waiting=true 只推送待本部门接收的",
          parameters: [
            { name: "waiting", in: "query", required: false, schema: { type: "boolean" } },
          ],
          responses: {
            "200": {
              description:
                "text/event-stream: a comment once subscribed, then one `referral` event per change (`id` the referral's id, `data` the referral as it now stands), a comment every 15 s. A client too far behind is cut off: on reconnecting it lists /referrals again.",
              content: { "text/event-stream": { schema: { type: "string" } } },
            },
            ...problems,
          },
        },
      },
      "/referrals/{referralId}": {
        get: {
          operationId: "getReferral",
          summary: "移交详情与交接记录；wait=毫秒 时等待在途的移交到达（长轮询）",
          parameters: [
            referralId,
            {
              name: "wait",
              in: "query",
              required: false,
              description:
                "long poll: wait up to this many milliseconds for a referral on its way; 404 if it does not arrive",
              schema: { type: "integer", minimum: 0, maximum: 30000, default: 0 },
            },
          ],
          responses: {
            "200": { description: "移交", content: json("ReferralView") },
            ...problems,
            "404": problem("未找到该移交"),
          },
        },
      },
      "/consents": {
        get: {
          operationId: "listConsents",
          summary: "跨区转递征求意见；waiting=true 只列待本部门答复的",
          parameters: [
            { name: "waiting", in: "query", required: false, schema: { type: "boolean" } },
          ],
          responses: {
            "200": { description: "征求意见列表", content: json("ConsentList") },
            ...problems,
          },
        },
      },
      "/consents/{referralId}/decision": {
        post: {
          operationId: "decideConsent",
          summary:
            "答复 — the lead's originator consents to the crossing or refuses it (with a reason)",
          parameters: [referralId],
          requestBody: { required: true, content: json("ConsentDecision") },
          responses: {
            "200": { description: "已答复", content: json("ConsentView") },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该征求意见"),
            "409": problem("已答复 — `current` holds the answer given"),
          },
        },
      },
      ...step("acceptance", "acceptReferral", "接收 — accept (addressee only)", undefined),
      ...step(
        "return",
        "returnReferral",
        "退回 — return with a reason (addressee only)",
        "ReferralReason",
      ),
      ...step(
        "withdrawal",
        "withdrawReferral",
        "撤回 — withdraw before acceptance (sender only)",
        "ReferralReason",
      ),
      ...step(
        "completion",
        "completeReferral",
        "办结反馈 — complete with feedback (holder only)",
        "ReferralFeedback",
      ),
      ...step(
        "onward",
        "referOnward",
        "转办 — refer on to a further agency (a chain)",
        "ReferralOnward",
      ),
      "/cases": {
        post: {
          operationId: "openCase",
          summary: "立案 — open a case from leads or accepted referrals this agency holds",
          requestBody: { required: true, content: json("CaseOpening") },
          responses: {
            "201": { description: "已立案", content: json("CaseView") },
            ...bodyProblems,
            ...problems,
          },
        },
        get: {
          operationId: "listCases",
          summary: "本部门的案件",
          responses: { "200": { description: "案件列表", content: json("CaseList") }, ...problems },
        },
      },
      "/cases/{caseId}": {
        get: {
          operationId: "getCase",
          summary: "案件详情 — one case of this agency",
          parameters: [caseId],
          responses: {
            "200": { description: "案件", content: json("CaseView") },
            ...problems,
            "404": problem("未找到该案件"),
          },
        },
      },
      "/cases/{caseId}/steps": {
        post: {
          operationId: "recordCaseStep",
          summary: "记录调查步骤或证据",
          parameters: [caseId],
          requestBody: { required: true, content: json("CaseStep") },
          responses: {
            "200": { description: "已记录", content: json("CaseView") },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该案件"),
            "409": problem("案件已结案"),
          },
        },
      },
      "/cases/{caseId}/closure": {
        post: {
          operationId: "closeCase",
          summary:
            "结案 — close with the sanctions this agency may impose (422 names a sanction it may not)",
          parameters: [caseId],
          requestBody: { required: true, content: json("CaseClosure") },
          responses: {
            "200": { description: "已结案", content: json("CaseView") },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该案件"),
            "409": problem("案件已结案"),
          },
        },
      },
      "/informants/{ref}": {
        get: {
          operationId: "getInformantFile",
          summary: "举报人档案（奖励与解密记录，不含身份）— holding agency only",
          parameters: [informantRef],
          responses: {
            "200": { description: "档案" },
            ...problems,
            "404": problem("未找到该举报人"),
          },
        },
      },
      "/informants/{ref}/reward-approval": {
        post: {
          operationId: "approveReward",
          summary: "审批举报奖励 — a supervisor approves a reward within the configured range",
          parameters: [informantRef],
          requestBody: { required: true, content: json("RewardApproval") },
          responses: {
            "200": { description: "已审批" },
            ...bodyProblems,
            ...problems,
            "409": problem("不符合条件或已审批"),
          },
        },
      },
      "/informants/{ref}/unseal-requests": {
        post: {
          operationId: "requestUnseal",
          summary: "申请解密举报人联系方式",
          parameters: [informantRef],
          requestBody: { required: true, content: json("UnsealRequest") },
          responses: { "201": { description: "已申请" }, ...bodyProblems, ...problems },
        },
      },
      "/informants/{ref}/unseal-requests/{requestId}/approvals": {
        post: {
          operationId: "approveUnseal",
          summary:
            "审批解密 — two different supervisors, neither the requester; the second answer carries the identity",
          parameters: [
            informantRef,
            {
              name: "requestId",
              in: "path",
              required: true,
              schema: { type: "string", format: "uuid" },
            },
          ],
          responses: {
            "200": { description: "已审批（第二人审批后解密）" },
            ...problems,
            "404": problem("无此申请"),
            "409": problem("不可重复审批"),
          },
        },
      },
      "/informants/{ref}/shredding": {
        post: {
          operationId: "shredInformant",
          summary:
            "销毁举报人身份（个人信息删除）— a supervisor destroys the file's data key: the identity can never be unsealed again; recorded as informant.shredded",
          parameters: [informantRef],
          requestBody: { required: true, content: json("InformantShredding") },
          responses: {
            "200": { description: "已销毁" },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该举报人"),
            "409": problem("身份已销毁"),
          },
        },
      },
      "/vault/rotation": {
        post: {
          operationId: "rotateVaultKey",
          summary:
            "轮换保密库密钥 — a supervisor has every informant's data key wrapped again under a new vault key; the old key is destroyed once none needs it",
          responses: {
            "200": { description: "已轮换" },
            ...problems,
            "503": problem("本部门未配置保密库密钥"),
          },
        },
      },
      "/informants/{ref}/reward-payment": {
        post: {
          operationId: "payReward",
          summary: "发放奖励 — after approval and unsealing",
          parameters: [informantRef],
          requestBody: { required: true, content: json("RewardPayment") },
          responses: {
            "200": { description: "已发放" },
            ...bodyProblems,
            ...problems,
            "409": problem("未审批、未解密或已发放"),
          },
        },
      },
      "/supervision": {
        get: {
          operationId: "listSupervisionOrders",
          summary: "督办 — supervision orders the office addressed to this agency",
          responses: {
            "200": { description: "督办列表", content: json("SupervisionList") },
            ...problems,
          },
        },
      },
      "/supervision/{orderId}/answer": {
        post: {
          operationId: "answerSupervisionOrder",
          summary: "督办回复 — answer an order addressed to this agency (once)",
          parameters: [uuidPath("orderId")],
          requestBody: { required: true, content: json("SupervisionAnswerRequest") },
          responses: {
            "200": {
              description: "已回复 — answered (or the first answer again)",
              content: json("SupervisionOrderView"),
            },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该督办 — no order to this agency with this id"),
          },
        },
      },
      "/inspections": {
        get: {
          operationId: "listInspections",
          summary: "联合检查 — joint inspections this agency takes part in",
          responses: {
            "200": { description: "联合检查", content: json("InspectionList") },
            ...problems,
          },
        },
      },
      "/inspections/{inspectionId}/findings": {
        post: {
          operationId: "recordInspectionFindings",
          summary: "检查结果 — record this agency's findings (once); leads raised must be its own",
          parameters: [uuidPath("inspectionId")],
          requestBody: { required: true, content: json("InspectionFindings") },
          responses: {
            "201": { description: "已录入 — recorded", content: json("AgencyInspection") },
            "200": { description: "已录入过 — recorded before", content: json("AgencyInspection") },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该联合检查 — not an inspection of this agency"),
          },
        },
      },
      "/comparison/findings": {
        post: {
          operationId: "submitFindings",
          summary:
            "比对发现 — the rules' findings: those this agency originates become leads, routed as any; a finding already a lead is a duplicate, not a second lead",
          requestBody: { required: true, content: json("FindingsSubmission") },
          responses: {
            "200": { description: "已处理 — handled", content: json("FindingsAnswer") },
            ...bodyProblems,
            ...problems,
          },
        },
      },
      "/comparison/runs": {
        post: {
          operationId: "runComparison",
          summary:
            "比对 — hand this agency's facts to the comparison service by pseudonym (unless `submit` is false), then register the findings it originates as leads (a finding already a lead is a duplicate)",
          requestBody: { required: true, content: json("ComparisonRunRequest") },
          responses: {
            "200": { description: "已比对 — compared", content: json("ComparisonRunAnswer") },
            ...bodyProblems,
            ...problems,
            "409": problem("比对服务拒绝了请求 — refused (rate-limited, not-a-holder…)"),
            "503": problem("比对服务不可用 — the comparison service is not available"),
          },
        },
      },
      "/comparison/records/{ref}/identification": {
        post: {
          operationId: "reidentifyRecord",
          summary:
            "重新识别 — the row of this agency's own behind a finding's record reference, named to its officer and recorded with the reason; another agency's reference names nothing here",
          parameters: [
            {
              name: "ref",
              in: "path",
              required: true,
              schema: { type: "string", pattern: "^[0-9a-f]{32}$" },
            },
          ],
          requestBody: { required: true, content: json("ReidentifyRequest") },
          responses: {
            "200": {
              description: "本部门的记录 — this agency's row",
              content: json("Reidentified"),
            },
            ...bodyProblems,
            ...problems,
            "404": problem("本部门的登记中没有该记录号 — not a reference of this agency's"),
          },
        },
      },
      "/registers/{register}/imports": {
        post: {
          operationId: "importRegister",
          summary:
            "实名登记导入 — import a CSV (UTF-8 or GB18030) or Excel export into a register this agency holds; bad rows refused with row and column, the rest kept; a re-import changes nothing",
          parameters: [
            {
              name: "register",
              in: "path",
              required: true,
              schema: { type: "string", enum: RegisterName.options },
            },
          ],
          requestBody: { required: true, content: json("RegisterImportRequest") },
          responses: {
            "200": { description: "已导入 — imported", content: json("RegisterImportResult") },
            ...bodyProblems,
            ...problems,
            "404": problem("没有这个登记 — no such register"),
          },
        },
      },
      "/reports/{month}": {
        get: {
          operationId: "getMonthlyReport",
          summary: "月报 — this agency's figures for the month, pre-filled from the bus",
          parameters: [month],
          responses: {
            "200": { description: "月报", content: json("AgencyReport") },
            ...problems,
            "404": problem("月份格式应为 YYYY-MM"),
          },
        },
      },
      "/reports/{month}/submission": {
        post: {
          operationId: "submitMonthlyReport",
          summary:
            "报送月报 — submit (or correct) this agency's report for a month that has begun (422 naming `month` otherwise)",
          parameters: [month],
          requestBody: { required: true, content: json("ReportSubmission") },
          responses: {
            "201": { description: "已报送 — submitted", content: json("SubmittedReport") },
            "200": {
              description:
                "已更正 — submitted again (the same figures and note again record nothing)",
              content: json("SubmittedReport"),
            },
            ...bodyProblems,
            ...problems,
            "404": problem("月份格式应为 YYYY-MM"),
          },
        },
      },
    },
    components: { schemas, securitySchemes },
  };
}

/**
 * The leading group's office's HTTP API (领导小组办公室) as an OpenAPI 3.1 document: a document
 * of its own, because the office answers some of the agencies' paths (`/leads`, `/supervision`,
 * `/inspections`) with its county-wide views, which one document cannot hold beside theirs.
 */
export function officeOpenApiDocument(): Record<string, unknown> {
  const schemas = {
    ...serviceSchemas(),
    ...supervisionSchemas(),
    TrackedReferralView: jsonSchema(TrackedReferralView, "output"),
    MajorCaseList: jsonSchema(MajorCaseList, "output"),
    SupervisionAnswerRequest: jsonSchema(SupervisionAnswerRequest, "input"),
    SupervisionForwardRequest: jsonSchema(SupervisionForwardRequest, "input"),
    CountyReportSent: jsonSchema(CountyReportSent, "output"),
    TrackerPage: jsonSchema(TrackerPage, "output"),
    TrackedLeadView: jsonSchema(TrackedLeadView, "output"),
    TrackedLeadPage: jsonSchema(TrackedLeadPage, "output"),
    Overview: jsonSchema(Overview, "output"),
    Trail: jsonSchema(Trail, "output"),
    AuditKeys: jsonSchema(AuditKeys, "output"),
    AuditHeads: jsonSchema(AuditHeads, "output"),
    BreakGlassRequest: jsonSchema(BreakGlassRequest, "input"),
    BreakGlassRecord: jsonSchema(BreakGlassRecord, "output"),
    BreakGlassList: jsonSchema(BreakGlassList, "output"),
    OfficerRegistration: jsonSchema(OfficerRegistration, "input"),
    OfficerRenewal: jsonSchema(OfficerRenewal, "input"),
    OfficerRevocation: jsonSchema(OfficerRevocation, "input"),
    OfficerEntry: jsonSchema(OfficerEntry, "output"),
    OfficerList: jsonSchema(OfficerList, "output"),
    OfficerIssued: jsonSchema(OfficerIssued, "output"),
    AuditWitnesses: jsonSchema(AuditWitnesses, "output"),
    SupervisionOrderRequest: jsonSchema(SupervisionOrderRequest, "input"),
    InspectionPlanRequest: jsonSchema(InspectionPlanRequest, "input"),
    OfficeInspection: jsonSchema(OfficeInspection, "output"),
    OfficeInspectionList: jsonSchema(OfficeInspectionList, "output"),
    StatisticsView: jsonSchema(StatisticsView, "output"),
    MonthlyReportView: jsonSchema(MonthlyReportView, "output"),
    UiConfig: jsonSchema(UiConfig, "output"),
    OfficeFindings: jsonSchema(OfficeFindings, "output"),
  };
  const month = pathParam("month", { type: "string", pattern: monthPattern });
  const report = (ext: "csv" | "json") => ({
    get: {
      operationId: ext === "csv" ? "countyReportCsv" : "countyReport",
      summary:
        ext === "csv"
          ? "月报 CSV — the county's monthly report for a spreadsheet (UTF-8 with BOM, CRLF, Chinese headers)"
          : "月报 — the county's monthly report: each agency's figures and whether it reported",
      parameters: [month],
      responses: {
        "200":
          ext === "csv"
            ? {
                description: "月报（附件）— sent as an attachment, `report-<county>-<month>.csv`",
                content: { "text/csv": { schema: { type: "string" } } },
              }
            : { description: "月报", content: json("MonthlyReportView") },
        ...problems,
        "404": problem("未找到该月报 — ask for /reports/YYYY-MM.csv or .json"),
      },
    },
  });
  return {
    openapi: "3.1.1",
    info: {
      title: "联动 Liandong — 领导小组办公室接口 (the leading group's office API)",
      version: "0.1.0",
      description:
        "The office's service, for the office's own officers: the referral tracker, trails, supervision orders, joint inspections, statistics and monthly reports; and the web page every officer logs in on. Errors are RFC 9457 problem details (`application/problem+json`).",
    },
    servers: [
      {
        url: "http://{host}:{port}",
        description:
          "领导小组办公室服务 — the office's service; docker-compose and `npm run up`: 7100",
        variables: { host: { default: "127.0.0.1" }, port: { default: "7100" } },
      },
    ],
    security: [{ bearer: [] }],
    paths: {
      ...serviceOperations(),
      "/tracker/referrals": {
        get: {
          operationId: "trackReferrals",
          summary:
            "移交督办台账 — every referral of the county, filtered by agency (sender, addressee or holder), state, violation, offer date and overdue; newest offer first",
          parameters: queryParameters(TrackerQuery),
          responses: {
            "200": { description: "台账", content: json("TrackerPage") },
            ...problems,
            "422": problem("查询参数不符合要求 — `errors[].field` names each bad parameter"),
          },
        },
      },
      "/tracker/referrals/{referralId}": {
        get: {
          operationId: "trackReferral",
          summary:
            "台账中的一项移交 — one referral as the office tracks it (its chain by `chainRoot`)",
          parameters: [referralId],
          responses: {
            "200": { description: "移交", content: json("TrackedReferralView") },
            ...problems,
            "404": problem("未找到该移交"),
          },
        },
      },
      "/trail/{kind}/{id}": {
        get: {
          operationId: "readTrail",
          summary:
            "留痕 — the whole history of a lead, referral, case or informant file from the shared log, with its hash chains verified (a referral's refused attempts, supervision and consent with it)",
          parameters: [
            pathParam("kind", jsonSchema(AggregateKind, "input")),
            pathParam("id", { type: "string", pattern: "^[A-Za-z0-9_-]{1,64}$" }),
          ],
          responses: {
            "200": { description: "留痕与校验结果", content: json("Trail") },
            ...problems,
            "404": problem("未找到该记录"),
          },
        },
      },
      "/leads": {
        get: {
          operationId: "trackLeads",
          summary:
            "全县线索 — every lead of the county as the office tracks it (never its contents); agency= originator or recipient",
          parameters: queryParameters(TrackedLeadQuery),
          responses: {
            "200": { description: "线索", content: json("TrackedLeadPage") },
            ...problems,
            "422": problem("查询参数不符合要求"),
          },
        },
      },
      "/leads/{leadId}": {
        get: {
          operationId: "trackLead",
          summary: "一条线索的跟踪情况 — one lead as the office tracks it",
          parameters: [leadId],
          responses: {
            "200": { description: "线索", content: json("TrackedLeadView") },
            ...problems,
            "404": problem("未找到该线索"),
          },
        },
      },
      "/overview": {
        get: {
          operationId: "overview",
          summary: "概况 — leads registered and received per agency",
          responses: { "200": { description: "概况", content: json("Overview") }, ...problems },
        },
      },
      "/audit/keys": {
        get: {
          operationId: "auditKeys",
          summary: "公钥 — each agency's public key, to verify the county's log (no token needed)",
          security: [],
          responses: { "200": { description: "各部门公钥", content: json("AuditKeys") } },
        },
      },
      "/audit/heads": {
        get: {
          operationId: "auditHeads",
          summary:
            "最新检查点 — every agency's latest sealed head, signed by the office: keep it to detect a log cut short (no token needed)",
          security: [],
          responses: { "200": { description: "最新检查点", content: json("AuditHeads") } },
        },
      },
      "/audit/break-glass": {
        post: {
          operationId: "recordBreakGlass",
          summary:
            "记录动用紧急权限 — an office supervisor records, on the log, that the break-glass identity is about to be used: what for and why (before it is used)",
          requestBody: { required: true, content: json("BreakGlassRequest") },
          responses: {
            "201": { description: "已记入日志", content: json("BreakGlassRecord") },
            ...bodyProblems,
            "401": problems["401"],
            "403": problem("须由办公室分管领导记录 — only an office supervisor records it"),
          },
        },
        get: {
          operationId: "listBreakGlass",
          summary:
            "紧急权限使用记录 — every recorded use of the break-glass identity, newest first",
          responses: {
            "200": { description: "使用记录", content: json("BreakGlassList") },
            ...problems,
          },
        },
      },
      "/officers": {
        post: {
          operationId: "registerOfficer",
          summary:
            "登记经办人 — an office supervisor gives a named officer of an agency an account; the token is in this answer only",
          requestBody: { required: true, content: json("OfficerRegistration") },
          responses: {
            "201": { description: "已登记，令牌仅此一次显示", content: json("OfficerIssued") },
            ...bodyProblems,
            "401": problems["401"],
            "403": problem("须由办公室分管领导登记 — only an office supervisor registers officers"),
          },
        },
        get: {
          operationId: "listOfficers",
          summary:
            "经办人名册 — the county's register of named officers, newest first (never a token)",
          responses: {
            "200": { description: "经办人名册", content: json("OfficerList") },
            ...problems,
          },
        },
      },
      "/officers/{id}/renew": {
        post: {
          operationId: "renewOfficer",
          summary: "令牌续期 — the officer's token is accepted for another lifetime",
          parameters: [officerId],
          requestBody: { required: true, content: json("OfficerRenewal") },
          responses: {
            "200": { description: "已续期", content: json("OfficerEntry") },
            ...bodyProblems,
            "401": problems["401"],
            "403": problem("须由办公室分管领导续期 — only an office supervisor renews"),
            "404": problem("未找到该经办人 — no such officer"),
            "409": problem("该经办人已注销 — the officer is revoked"),
          },
        },
      },
      "/officers/{id}/revoke": {
        post: {
          operationId: "revokeOfficer",
          summary:
            "注销经办人 — the officer's token is refused by every service of the county from now on",
          parameters: [officerId],
          requestBody: { required: true, content: json("OfficerRevocation") },
          responses: {
            "200": { description: "已注销", content: json("OfficerEntry") },
            ...bodyProblems,
            "401": problems["401"],
            "403": problem("须由办公室分管领导注销 — only an office supervisor revokes"),
            "404": problem("未找到该经办人 — no such officer"),
            "409": problem("该经办人已注销 — already revoked"),
          },
        },
      },
      "/audit/witnesses": {
        get: {
          operationId: "auditWitnesses",
          summary:
            "邻县见证 — each neighbouring county's latest co-signature of the county's heads, and its latest refusal (no token needed)",
          security: [],
          responses: { "200": { description: "邻县见证", content: json("AuditWitnesses") } },
        },
      },
      "/supervision": {
        post: {
          operationId: "orderSupervision",
          summary:
            "下达督办 — a supervision order on an overdue referral (to its holder) or a major case (to the agency that opened it)",
          parameters: [idempotencyKey],
          requestBody: { required: true, content: json("SupervisionOrderRequest") },
          responses: {
            "201": { description: "已下达", content: json("SupervisionOrderView") },
            "200": {
              description: "同一 Idempotency-Key 的重试 — the order made the first time",
              content: json("SupervisionOrderView"),
            },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该移交或案件"),
            "409": problem(
              "不能督办 — not overdue, held across a county line, or the case is closed; `current` holds the referral",
            ),
          },
        },
        get: {
          operationId: "listSupervisionOrders",
          summary: "督办 — every supervision order of the county, newest first",
          responses: {
            "200": { description: "督办列表", content: json("SupervisionList") },
            ...problems,
          },
        },
      },
      "/inspections": {
        post: {
          operationId: "planInspection",
          summary:
            "部署联合检查 — plan a joint inspection; each participating agency finds it in its inbox",
          parameters: [idempotencyKey],
          requestBody: { required: true, content: json("InspectionPlanRequest") },
          responses: {
            "201": { description: "已部署", content: json("OfficeInspection") },
            "200": {
              description: "同一 Idempotency-Key 的重试",
              content: json("OfficeInspection"),
            },
            ...bodyProblems,
            ...problems,
          },
        },
        get: {
          operationId: "listInspections",
          summary: "联合检查 — every joint inspection with each participant's findings",
          responses: {
            "200": { description: "联合检查", content: json("OfficeInspectionList") },
            ...problems,
          },
        },
      },
      "/statistics": {
        get: {
          operationId: "statistics",
          summary: "统计 — figures of a month per agency and violation, compiled from the bus",
          parameters: queryParameters(StatisticsQuery),
          responses: {
            "200": { description: "统计", content: json("StatisticsView") },
            ...problems,
            "422": problem("月份格式应为 YYYY-MM"),
          },
        },
      },
      "/comparison/findings": {
        get: {
          operationId: "comparisonFindings",
          summary:
            "比对发现 — the county's findings of the comparison rules by month and rule, each with its sides' facts (no pseudonym, no record reference) and the lead it made; naming a person is the holding agency's, at its own desk",
          parameters: queryParameters(OfficeFindingQuery),
          responses: {
            "200": { description: "比对发现", content: json("OfficeFindings") },
            ...problems,
            "422": problem("查询参数不符合要求"),
          },
        },
      },
      "/reports/{month}.json": report("json"),
      "/reports/{month}.csv": report("csv"),
      "/reports/{month}/close": {
        post: {
          operationId: "closeCountyReport",
          summary:
            "上报月报 — close the county's monthly report and send it up to its city (上下联动); again to correct it",
          parameters: [month],
          responses: {
            "200": { description: "已上报 — as sent up", content: json("CountyReportSent") },
            ...problems,
            "409": problem("本县未配置上级市 — no city above this county"),
            "422": problem("月份格式应为 YYYY-MM，且该月已开始"),
          },
        },
      },
      "/major-cases": {
        get: {
          operationId: "listMajorCases",
          summary:
            "重大案件通报 — the major cases reported to the city, and whether it acknowledged each",
          responses: {
            "200": { description: "重大案件通报", content: json("MajorCaseList") },
            ...problems,
          },
        },
      },
      "/supervision/{orderId}/answer": {
        post: {
          operationId: "answerCityOrder",
          summary: "督办回复 — answer an order the city's office addressed to this office (once)",
          parameters: [pathParam("orderId", { type: "string", format: "uuid" })],
          requestBody: { required: true, content: json("SupervisionAnswerRequest") },
          responses: {
            "200": {
              description: "已回复 — answered (or the first answer again)",
              content: json("SupervisionOrderView"),
            },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该督办"),
          },
        },
      },
      "/supervision/{orderId}/forward": {
        post: {
          operationId: "forwardCityOrder",
          summary:
            "转督办 — pass an order of the city's office on to the agency whose case it is about; its answer goes back up as this office's",
          parameters: [pathParam("orderId", { type: "string", format: "uuid" })],
          requestBody: { required: true, content: json("SupervisionForwardRequest") },
          responses: {
            "201": {
              description: "已转督办 — the order to the agency",
              content: json("SupervisionOrderView"),
            },
            "200": {
              description: "已转督办 — the same request again",
              content: json("SupervisionOrderView"),
            },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该督办"),
            "409": problem("该督办已回复，或不是市里下达给本办公室的督办"),
          },
        },
      },
      "/": page("webPage", "网页工作台 — the web page every officer logs in on", "text/html"),
      "/ui/app.js": page("webScript", "网页脚本 — the page's script", "text/javascript"),
      "/ui/style.css": page("webStyle", "网页样式 — the page's style sheet", "text/css"),
      "/ui/config.json": {
        get: {
          operationId: "webConfig",
          summary: "网页配置 — the county and the services the page may talk to",
          security: [],
          responses: { "200": { description: "配置", content: json("UiConfig") } },
        },
      },
    },
    components: { schemas, securitySchemes },
  };
}

/**
 * The city's leading-group office (市领导小组办公室, 上下联动): its counties' monthly reports rolled
 * up, the major cases they reported and its acknowledgements, its orders down and their answers.
 */
export function cityOfficeOpenApiDocument(): Record<string, unknown> {
  const schemas = {
    ...serviceSchemas(),
    ...supervisionSchemas(),
    CityReportView: jsonSchema(CityReportView, "output"),
    MajorCaseView: jsonSchema(MajorCaseView, "output"),
    MajorCaseList: jsonSchema(MajorCaseList, "output"),
    MajorCaseAcknowledgement: jsonSchema(MajorCaseAcknowledgement, "input"),
    CityOrderRequest: jsonSchema(CityOrderRequest, "input"),
  };
  return {
    openapi: "3.1.1",
    info: {
      title: "联动 Liandong — 市领导小组办公室接口 (the city's leading group's office API)",
      version: "0.1.0",
      description:
        "The city's office, on the city's own bus, for the city office's officers: its counties' monthly reports rolled up with 合计 and the late, the major cases reported to it (重大案件及时通报) and its acknowledgements, and its supervision orders (督办) to the counties' offices. Errors are RFC 9457 problem details (`application/problem+json`).",
    },
    servers: [
      {
        url: "http://{host}:{port}",
        description:
          "市领导小组办公室服务 — the city office's service; `npm run up -- --city` prints its address",
        variables: {
          host: { default: "127.0.0.1" },
          port: { default: "7100", description: "as printed by `npm run up -- --city`" },
        },
      },
    ],
    security: [{ bearer: [] }],
    paths: {
      ...serviceOperations(),
      "/city/reports/{file}": {
        get: {
          operationId: "cityReport",
          summary:
            "各县月报汇总 — the city's report for a month: every county's figures, 合计 and the late; `{month}.json`, or `{month}.csv` for a spreadsheet (UTF-8 with BOM, CRLF, Chinese headers)",
          parameters: [
            pathParam("file", { type: "string", pattern: "^\\d{4}-\\d{2}\\.(json|csv)$" }),
          ],
          responses: {
            "200": {
              description: "月报汇总",
              content: {
                ...json("CityReportView"),
                "text/csv": { schema: { type: "string" } },
              },
            },
            ...problems,
            "404": problem("未找到该月报汇总 — ask for /city/reports/YYYY-MM.csv or .json"),
          },
        },
      },
      "/major-cases": {
        get: {
          operationId: "listCityMajorCases",
          summary: "重大案件通报 — the major cases the counties reported, newest first",
          responses: {
            "200": { description: "重大案件通报", content: json("MajorCaseList") },
            ...problems,
          },
        },
      },
      "/major-cases/{county}/{caseId}/acknowledge": {
        post: {
          operationId: "acknowledgeMajorCase",
          summary:
            "已收悉 — acknowledge a county's report of a major case (once; again answers the same)",
          parameters: [
            pathParam("county", { type: "string", pattern: "^\\d{6}$" }),
            pathParam("caseId", { type: "string", format: "uuid" }),
          ],
          requestBody: { required: true, content: json("MajorCaseAcknowledgement") },
          responses: {
            "200": { description: "已收悉", content: json("MajorCaseView") },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该重大案件通报"),
          },
        },
      },
      "/orders": {
        get: {
          operationId: "listCityOrders",
          summary: "督办 — every order the city's office issued, with its answer, newest first",
          responses: {
            "200": { description: "督办列表", content: json("SupervisionList") },
            ...problems,
          },
        },
        post: {
          operationId: "issueCityOrder",
          summary:
            "下达督办 — order a county's office about a major case it reported, with a deadline; `Idempotency-Key` makes a retry answer the first order",
          requestBody: { required: true, content: json("CityOrderRequest") },
          responses: {
            "201": { description: "已下达", content: json("SupervisionOrderView") },
            "200": {
              description: "同一请求再次提交 — the order this key already made",
              content: json("SupervisionOrderView"),
            },
            ...bodyProblems,
            ...problems,
            "404": problem("未找到该县通报的重大案件"),
          },
        },
      },
      "/": page("cityPage", "市级工作台 — the city office's page", "text/html"),
      "/ui/city.js": page("cityScript", "市级工作台脚本 — the page's script", "text/javascript"),
    },
    components: { schemas, securitySchemes },
  };
}
