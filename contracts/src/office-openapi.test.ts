import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { components, paths } from "../generated/office-openapi.d.ts";
import type { TrackedReferralView, Trail, UiConfig } from "./api-office.ts";
import type { MonthlyReportView, StatisticsView } from "./api-report.ts";
import type { SupervisionOrderRequest } from "./api-supervision.ts";
import type { InspectionPlanRequest } from "./events-inspection.ts";
import { officeOpenApiDocument } from "./openapi.ts";
import {
  type CheckedDocument,
  expectNamedOnceAndResolved,
  expectTokenEverywhereBut,
} from "./openapi-checks.ts";

const doc = officeOpenApiDocument() as CheckedDocument & {
  paths: Record<
    string,
    Record<string, { parameters?: { name: string; in: string; required: boolean }[] }>
  >;
};

describe("the office's OpenAPI document", () => {
  it("needs an office officer's token everywhere but the page, the public keys, the signed heads, the neighbours' co-signatures and the probes", () => {
    const open = [
      "GET /",
      "GET /ui/app.js",
      "GET /ui/style.css",
      "GET /ui/config.json",
      "GET /audit/keys",
      "GET /audit/heads",
      "GET /audit/witnesses",
      "GET /healthz",
      "GET /readyz",
      "GET /metrics",
    ];
    expectTokenEverywhereBut(doc, open);
  });

  it("names every operation once, summarises it, and every $ref resolves", () => {
    expectNamedOnceAndResolved(doc);
  });

  it("the monthly report in JSON and CSV, the tracker's filters as query parameters", () => {
    const json = doc.paths["/reports/{month}.json"]?.get;
    const csv = doc.paths["/reports/{month}.csv"]?.get;
    expect(json?.responses["200"]?.content?.["application/json"]?.schema.$ref).toBe(
      "#/components/schemas/MonthlyReportView",
    );
    expect(Object.keys(csv?.responses["200"]?.content ?? {})).toEqual(["text/csv"]);
    const filters = doc.paths["/tracker/referrals"]?.get?.parameters ?? [];
    expect(filters.map((p) => p.name)).toEqual([
      "agency",
      "status",
      "violation",
      "since",
      "until",
      "overdue",
      "lead",
      "limit",
      "offset",
    ]);
    for (const p of filters) expect([p.in, p.required]).toEqual(["query", false]);
    const month = doc.paths["/statistics"]?.get?.parameters ?? [];
    expect(month).toEqual([expect.objectContaining({ name: "month", required: true })]);
  });
});

/** `A` fits where `B` is expected. */
type Fits<A, B> = [A] extends [B] ? true : false;

describe("the office's generated types agree with the zod schemas", () => {
  type Schemas = components["schemas"];
  it("for what the office answers and what it is sent", () => {
    expectTypeOf<keyof Schemas["TrackedReferralView"]>().toEqualTypeOf<
      keyof z.output<typeof TrackedReferralView>
    >();
    expectTypeOf<keyof Schemas["MonthlyReportView"]>().toEqualTypeOf<
      keyof z.output<typeof MonthlyReportView>
    >();
    expectTypeOf<
      Fits<Schemas["StatisticsView"], z.output<typeof StatisticsView>>
    >().toEqualTypeOf<true>();
    expectTypeOf<Fits<Schemas["UiConfig"], z.output<typeof UiConfig>>>().toEqualTypeOf<true>();
    expectTypeOf<keyof Schemas["Trail"]>().toEqualTypeOf<keyof z.output<typeof Trail>>();
    expectTypeOf<
      Fits<Schemas["SupervisionOrderRequest"], z.input<typeof SupervisionOrderRequest>>
    >().toEqualTypeOf<true>();
    expectTypeOf<
      Fits<Schemas["InspectionPlanRequest"], z.input<typeof InspectionPlanRequest>>
    >().toEqualTypeOf<true>();
  });
  it("type each path's answer", () => {
    expectTypeOf<
      paths["/reports/{month}.json"]["get"]["responses"]["200"]["content"]["application/json"]
    >().toEqualTypeOf<Schemas["MonthlyReportView"]>();
    expectTypeOf<
      paths["/tracker/referrals"]["get"]["responses"]["200"]["content"]["application/json"]
    >().toEqualTypeOf<Schemas["TrackerPage"]>();
  });
});
