import { z } from "zod";
import {
  Health,
  InboxItem,
  InboxPage,
  LeadDismissal,
  LeadRegistered,
  LeadRegistration,
  LeadView,
} from "./api.ts";
import { Problem } from "./problem.ts";

/** JSON Schema (draft 2020-12, as OpenAPI 3.1 uses) of a zod schema, as a request reads it or a response is written. */
export function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  });
  return rest;
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
    Health: jsonSchema(Health, "output"),
    Problem: jsonSchema(Problem, "output"),
  };
  return {
    openapi: "3.1.1",
    info: {
      title: "联动 Liandong — 部门联络员接口 (agency liaison API)",
      version: "0.1.0",
      description:
        "Every agency service serves this API for its own officers. Errors are RFC 9457 problem details (`application/problem+json`).",
    },
    security: [{ bearer: [] }],
    paths: {
      "/leads": {
        post: {
          operationId: "registerLead",
          summary: "登记线索 — register a lead; it is shared by the routing table",
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: false,
              schema: { type: "string", minLength: 1, maxLength: 100 },
              description:
                "A retried request with the same key returns the first result and records nothing twice.",
            },
          ],
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
      "/healthz": {
        get: {
          operationId: "healthz",
          security: [],
          responses: { "200": { description: "进程存活", content: json("Health") } },
        },
      },
      "/readyz": {
        get: {
          operationId: "readyz",
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
          security: [],
          responses: {
            "200": {
              description: "Prometheus",
              content: { "text/plain": { schema: { type: "string" } } },
            },
          },
        },
      },
    },
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "联络员令牌 — officer's bearer token",
        },
      },
    },
  };
}
