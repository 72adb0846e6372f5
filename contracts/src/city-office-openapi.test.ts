import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { components, paths } from "../generated/city-office-openapi.d.ts";
import type { CityOrderRequest, MajorCaseAcknowledgement } from "./events-city.ts";
import { cityOfficeOpenApiDocument } from "./openapi.ts";
import {
  type CheckedDocument,
  expectNamedOnceAndResolved,
  expectTokenEverywhereBut,
} from "./openapi-checks.ts";

const doc = cityOfficeOpenApiDocument() as CheckedDocument;

describe("the city office's OpenAPI document", () => {
  it("needs a city office officer's token everywhere but the page and the probes", () => {
    const open = ["GET /", "GET /ui/city.js", "GET /healthz", "GET /readyz", "GET /metrics"];
    expectTokenEverywhereBut(doc, open);
  });

  it("names every operation once, summarises it, and every $ref resolves", () => {
    expectNamedOnceAndResolved(doc);
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
