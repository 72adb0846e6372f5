import { z } from "zod";

/** RFC 9457 problem details, the body of every HTTP error (`application/problem+json`). */
export const Problem = z.object({
  /** `https://liandong.example/problems/<code>`, a code of `PROBLEMS`. */
  type: z.string(),
  /** The problem's title in the reader's language (`Accept-Language`; Chinese by default). */
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  instance: z.string().optional(),
  /**
   * For a refusal by a rule of the domain: its stable code (`referral.not-addressee`), the same
   * whatever language `title` and `detail` are written in.
   */
  refusal: z.string().optional(),
  /** For validation failures: each offending field as a dotted path. */
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof Problem>;

/**
 * The one catalogue of problems: each code with its HTTP status and its title in Chinese and
 * English. A problem's title names the kind of problem and is the same every time (RFC 9457);
 * what is particular to one occurrence goes in `detail` and `errors`. The codes marked "bus"
 * are also the reasons a consumer dead-letters a message with.
 */
export const PROBLEMS = {
  "malformed-json": { status: 400, zh: "JSON 格式错误", en: "Malformed JSON" },
  "bad-idempotency-key": { status: 422, zh: "Idempotency-Key 无效", en: "Invalid Idempotency-Key" },
  "idempotency-key-reused": {
    status: 422,
    zh: "Idempotency-Key 已用于另一请求",
    en: "Idempotency-Key already used for another request",
  },
  unauthenticated: { status: 401, zh: "未登录或令牌无效", en: "Not logged in or unknown token" },
  "token-revoked": { status: 401, zh: "令牌已注销", en: "Token revoked" },
  "token-expired": { status: 401, zh: "令牌已过期", en: "Token expired" },
  forbidden: { status: 403, zh: "无权执行此操作", en: "Not allowed" },
  "not-found": { status: 404, zh: "未找到", en: "Not found" },
  conflict: { status: 409, zh: "状态已变化", en: "Conflict: the state has changed" },
  "already-dismissed": { status: 409, zh: "线索已撤销", en: "Lead already dismissed" },
  "lead-conflict": { status: 409, zh: "线索状态已变化", en: "Lead: the state has changed" },
  "request-in-progress": {
    status: 409,
    zh: "该请求仍在处理中，请稍后用同一 Idempotency-Key 重试",
    en: "The request is still being recorded: send it again with the same Idempotency-Key",
  },
  "case-closed": { status: 409, zh: "案件已结案", en: "Case already closed" },
  "not-overdue": { status: 409, zh: "该移交未逾期", en: "Referral not overdue" },
  "held-across-line": {
    status: 409,
    zh: "该移交由邻县部门办理",
    en: "Held by an agency of a neighbouring county",
  },
  "not-eligible": { status: 409, zh: "不符合奖励条件", en: "Not eligible for a reward" },
  "already-approved": { status: 409, zh: "奖励已审批", en: "Reward already approved" },
  "not-approved": { status: 409, zh: "奖励尚未审批", en: "Reward not approved" },
  "already-paid": { status: 409, zh: "奖励已发放", en: "Reward already paid" },
  sealed: { status: 409, zh: "举报人联系方式尚未解密", en: "Informant still sealed" },
  "unseal-refused": { status: 409, zh: "无法审批解密", en: "Unsealing refused" },
  "identity-destroyed": {
    status: 410,
    zh: "举报人身份已销毁，无法解密",
    en: "The informant's identity was destroyed: nothing to unseal",
  },
  "vault-unavailable": {
    status: 503,
    zh: "本部门未配置保密库密钥",
    en: "This agency has no vault key",
  },
  "comparison-unavailable": {
    status: 503,
    zh: "比对服务不可用",
    en: "The comparison service is not available",
  },
  "comparison-refused": {
    status: 409,
    zh: "比对服务拒绝了请求",
    en: "The comparison service refused the request",
  },
  "body-too-large": { status: 413, zh: "请求体过大", en: "Request body too large" },
  "unsupported-media-type": {
    status: 415,
    zh: "请求体须为 JSON",
    en: "Request body must be JSON",
  },
  "invalid-body": { status: 422, zh: "请求内容不符合要求", en: "Invalid request body" },
  "invalid-query": { status: 422, zh: "查询参数不符合要求", en: "Invalid query parameters" },
  "lead-refused": { status: 422, zh: "线索登记未通过校验", en: "Lead registration refused" },
  "case-refused": { status: 422, zh: "立案未通过校验", en: "Case opening refused" },
  "invalid-report": { status: 422, zh: "月报未通过校验", en: "Monthly report refused" },
  "sanction-refused": {
    status: 422,
    zh: "本部门无权作出该处罚或处罚超出法定幅度",
    en: "Sanction not within this agency's powers",
  },
  // bus: a message that can never succeed as it is
  "invalid-event": { status: 422, zh: "事件不符合契约", en: "Invalid event" },
  "not-entitled": { status: 422, zh: "发送部门无权记录该事件", en: "Agency not entitled" },
  misaddressed: { status: 422, zh: "事件投递对象有误", en: "Event misaddressed" },
  "not-the-originator": {
    status: 422,
    zh: "事件并非线索登记部门所发",
    en: "Not from the lead's originator",
  },
  "not-shareable": { status: 422, zh: "该线索不可共享", en: "Lead not shareable" },
  "unknown-informant": { status: 422, zh: "无此举报人档案", en: "No such informant file" },
  "inconsistent-consent": {
    status: 422,
    zh: "征求意见与信封不一致",
    en: "Consent request inconsistent with its envelope",
  },
  "invalid-envelope": { status: 422, zh: "事件信封不符合契约", en: "Invalid envelope" },
  "unknown-type": { status: 422, zh: "未知的事件类型", en: "Unknown event type" },
  "invalid-data": { status: 422, zh: "事件内容不符合契约", en: "Invalid event data" },
  "wrong-aggregate": {
    status: 422,
    zh: "事件记录在别的聚合之下",
    en: "Event under another kind of aggregate",
  },
  "subject-mismatch": {
    status: 422,
    zh: "事件信封与其主题不符",
    en: "Envelope does not match its subject",
  },
  "not-published-by-agency": {
    status: 422,
    zh: "事件并非所称部门发布（封印不符）",
    en: "Not published by the agency it claims",
  },
  "retries-exhausted": {
    status: 500,
    zh: "多次重试仍未处理成功",
    en: "Retries exhausted",
  },
  "inconsistent-share": {
    status: 422,
    zh: "共享线索与信封不一致",
    en: "Shared lead inconsistent with its envelope",
  },
  internal: { status: 500, zh: "服务内部错误", en: "Internal error" },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

export type ProblemCode = keyof typeof PROBLEMS;
export const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

export const PROBLEM_BASE = "https://liandong.example/problems/";

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(PROBLEMS, code);
}

/**
 * The language a problem is written in for a request: English only when `Accept-Language`
 * prefers English to Chinese; Chinese otherwise (no header, `*`, or anything else).
 */
export function problemLanguage(acceptLanguage: string | undefined): "zh" | "en" {
  if (!acceptLanguage) return "zh";
  let best: { lang: "zh" | "en"; q: number } | undefined;
  for (const part of acceptLanguage.split(",")) {
    const [tag = "", ...params] = part.trim().toLowerCase().split(";");
    const primary = tag.trim().split("-")[0];
    if (primary !== "en" && primary !== "zh") continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q <= 0) continue;
    // Equal weights: the first named wins, as the header lists preference in order.
    if (!best || q > best.q) best = { lang: primary, q };
  }
  return best?.lang ?? "zh";
}
