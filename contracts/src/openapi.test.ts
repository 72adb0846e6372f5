import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { components, paths } from "../generated/openapi.d.ts";
import type { LeadRegistered, LeadRegistration, LeadView } from "./api.ts";
import { openApiDocument } from "./openapi.ts";
import {
  expectNamedOnceAndResolved,
  expectTokenEverywhereBut,
  problemStatuses,
} from "./openapi-checks.ts";

type Schema = {
  $ref?: string;
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: string[];
  maxLength?: number;
};
type Content = Record<string, { schema: Schema }>;
type Operation = {
  operationId: string;
  summary?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required: boolean; schema: Schema }[];
  requestBody?: { required: boolean; content: Content };
  responses: Record<string, { description: string; content?: Content }>;
};
type Doc = {
  openapi: string;
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; scheme: string }>;
  };
};

const doc = openApiDocument() as Doc;
const op = (path: string, method: string): Operation => {
  const o = doc.paths[path]?.[method];
  if (!o) throw new Error(`no ${method.toUpperCase()} ${path}`);
  return o;
};
const schemaOf = (content: Content | undefined, type = "application/json") =>
  content?.[type]?.schema.$ref?.replace("#/components/schemas/", "");
const bodyOf = (path: string, method: string, status: string) =>
  schemaOf(op(path, method).responses[status]?.content);
describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with its schemas under components", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    for (const name of [
      "LeadRegistration",
      "LeadRegistered",
      "LeadView",
      "LeadDismissal",
      "InboxPage",
      "Health",
      "Problem",
    ])
      expect(doc.components.schemas[name], name).toBeDefined();
  });

  it("POST /leads: a registration, 201 (200 on a reused Idempotency-Key), problems", () => {
    const o = op("/leads", "post");
    expect(o.requestBody?.required).toBe(true);
    expect(schemaOf(o.requestBody?.content)).toBe("LeadRegistration");
    expect(bodyOf("/leads", "post", "201")).toBe("LeadRegistered");
    expect(bodyOf("/leads", "post", "200")).toBe("LeadRegistered");
    expect(problemStatuses(o)).toEqual(["400", "401", "403", "409", "413", "415", "422"]);
    expect(o.parameters).toContainEqual(
      expect.objectContaining({
        name: "Idempotency-Key",
        in: "header",
        required: false,
        schema: expect.objectContaining({ type: "string", maxLength: 100 }),
      }),
    );
  });

  it("GET /leads lists this agency's leads with a total", () => {
    expect(bodyOf("/leads", "get", "200")).toBe("LeadList");
    const list = doc.components.schemas.LeadList!;
    expect(list.required).toEqual(expect.arrayContaining(["items", "total"]));
    expect(list.properties?.items?.items).toEqual(doc.components.schemas.LeadView);
  });

  it("GET /leads/{leadId}: the lead, 403 or 404", () => {
    const o = op("/leads/{leadId}", "get");
    expect(bodyOf("/leads/{leadId}", "get", "200")).toBe("LeadView");
    expect(problemStatuses(o)).toEqual(expect.arrayContaining(["403", "404"]));
    expect(o.parameters).toContainEqual(expect.objectContaining({ name: "leadId", in: "path" }));
  });

  it("POST /leads/{leadId}/dismissal: a reason, the dismissed lead, 403/404/409", () => {
    const o = op("/leads/{leadId}/dismissal", "post");
    expect(schemaOf(o.requestBody?.content)).toBe("LeadDismissal");
    expect(bodyOf("/leads/{leadId}/dismissal", "post", "200")).toBe("LeadView");
    expect(problemStatuses(o)).toEqual(expect.arrayContaining(["403", "404", "409"]));
  });

  it("GET /inbox: filtered by status and paged", () => {
    const o = op("/inbox", "get");
    expect(bodyOf("/inbox", "get", "200")).toBe("InboxPage");
    const query = Object.fromEntries(
      (o.parameters ?? []).filter((p) => p.in === "query").map((p) => [p.name, p]),
    );
    expect(Object.keys(query).sort()).toEqual(["limit", "offset", "status"]);
    expect(query.status?.schema.enum).toEqual(["open", "dismissed"]);
    for (const p of Object.values(query)) expect(p.required).toBe(false);
  });

  it("health endpoints and metrics, open to anyone; everything else needs a bearer token", () => {
    expect(bodyOf("/healthz", "get", "200")).toBe("Health");
    expect(bodyOf("/readyz", "get", "200")).toBe("Health");
    expect(bodyOf("/readyz", "get", "503")).toBe("Health");
    expect(op("/metrics", "get").responses["200"]?.content).toHaveProperty("text/plain");
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expectTokenEverywhereBut(doc, ["GET /healthz", "GET /readyz", "GET /metrics"]);
  });

  it("names every operation once, summarises it, and every $ref resolves", () => {
    expectNamedOnceAndResolved(doc);
  });

  it("requests are read as input (defaults optional), responses as output (defaults present)", () => {
    const reg = doc.components.schemas.LeadRegistration!;
    expect(reg.required?.sort()).toEqual(["source", "summary", "target", "violations"]);
    expect(doc.components.schemas.LeadView?.required).toContain("handling");
  });
});

/** `A` fits where `B` is expected (not distributed over unions). */
type Fits<A, B> = [A] extends [B] ? true : false;

describe("generated OpenAPI types", () => {
  type Schemas = components["schemas"];
  // Same keys, and a value of the generated type passes for the zod type. (The other way
  // round differs only in that zod writes an optional field as `?: T | undefined`.)
  it("agree with the zod schemas they come from", () => {
    type Reg = z.input<typeof LeadRegistration>;
    expectTypeOf<keyof Schemas["LeadRegistration"]>().toEqualTypeOf<keyof Reg>();
    expectTypeOf<Fits<Schemas["LeadRegistration"], Reg>>().toEqualTypeOf<true>();
    type Registered = z.output<typeof LeadRegistered>;
    expectTypeOf<keyof Schemas["LeadRegistered"]>().toEqualTypeOf<keyof Registered>();
    expectTypeOf<Fits<Schemas["LeadRegistered"], Registered>>().toEqualTypeOf<true>();
    expectTypeOf<Schemas["LeadRegistered"]["sharedWith"]>().toEqualTypeOf<string[]>();
    type View = z.output<typeof LeadView>;
    expectTypeOf<keyof Schemas["LeadView"]>().toEqualTypeOf<keyof View>();
    expectTypeOf<Fits<Schemas["LeadView"], View>>().toEqualTypeOf<true>();
  });
  it("do not require a client to send what has a default", () => {
    type Minimal = {
      source: "public-tip";
      violations: ["intermediary"];
      target: { kind: "institution"; name: string; county: string };
      summary: string;
    };
    expectTypeOf<Fits<Minimal, Schemas["LeadRegistration"]>>().toEqualTypeOf<true>();
  });
  it("type each path's operations", () => {
    expectTypeOf<
      paths["/leads"]["post"]["responses"]["201"]["content"]["application/json"]
    >().toEqualTypeOf<Schemas["LeadRegistered"]>();
  });
});
