import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { components, paths } from "../generated/city-office-openapi.d.ts";
import type { CityOrderRequest, MajorCaseAcknowledgement } from "./events-city.ts";
import { cityOfficeOpenApiDocument } from "./openapi.ts";

type Operation = {
  operationId: string;
  summary?: string;
  security?: unknown[];
  responses: Record<string, unknown>;
};
const doc = cityOfficeOpenApiDocument() as {
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
};
const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, o]) => ({ where: `${method.toUpperCase()} ${path}`, o })),
);

describe("the city office's OpenAPI document", () => {
  it("needs a city office officer's token everywhere but the page and the probes", () => {
    const open = ["GET /", "GET /ui/city.js", "GET /healthz", "GET /readyz", "GET /metrics"];
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const { where, o } of ops) {
      if (open.includes(where)) expect(o.security, where).toEqual([]);
      else {
        expect(o.security, where).toBeUndefined();
        expect(Object.keys(o.responses), where).toEqual(expect.arrayContaining(["401", "403"]));
      }
    }
  });

  it("names every operation once, summarises it, and every $ref resolves", () => {
    const ids = ops.map(({ o }) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { where, o } of ops) expect(o.summary, where).toBeTruthy();
    for (const r of JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []) {
      const name = r.slice('"$ref":"#/components/schemas/'.length, -1);
      expect(doc.components.schemas[name], r).toBeDefined();
    }
  });

  it("the generated types are the zod contracts' (what a client sends)", () => {
    type Schemas = components["schemas"];
    expectTypeOf<Schemas["CityOrderRequest"]>().toEqualTypeOf<z.input<typeof CityOrderRequest>>();
    expectTypeOf<Schemas["MajorCaseAcknowledgement"]>().toEqualTypeOf<
      z.input<typeof MajorCaseAcknowledgement>
    >();
    expectTypeOf<keyof paths>().toEqualTypeOf<
      | "/me"
      | "/healthz"
      | "/readyz"
      | "/metrics"
      | "/city/reports/{file}"
      | "/major-cases"
      | "/major-cases/{county}/{caseId}/acknowledge"
      | "/orders"
      | "/"
      | "/ui/city.js"
    >();
  });
});
