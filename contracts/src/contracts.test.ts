import { describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { components } from "../generated/openapi.d.ts";
import type { LeadRegistered } from "./api.ts";
import { asyncApiDocument } from "./asyncapi.ts";
import { EVENT_TYPES, type EventData } from "./catalogue.ts";
import { CountyConfig, recipientsFor } from "./config.ts";
import { CountyCode } from "./county.ts";
import { openApiDocument } from "./openapi.ts";
import { parseEvent } from "./parse-event.ts";

const leadId = "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a";
const event = {
  specversion: "1.0",
  id: "6a1f7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
  source: "liandong:441723:health",
  type: "lead.dismissed",
  time: "2026-11-01T08:00:00.000Z",
  subject: leadId,
  county: "441723",
  agency: "health",
  actor: "health.liaison",
  aggregate: { kind: "lead", id: leadId },
  correlationId: "6a1f7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
  prev: null,
  data: { leadId, reason: "重复" },
};

describe("parseEvent", () => {
  it("accepts a valid event", () => {
    expect(parseEvent(event)).toMatchObject({ ok: true, event: { type: "lead.dismissed" } });
  });
  it("returns failures as data naming the field", () => {
    expect(parseEvent({ ...event, type: "lead.teleported" })).toMatchObject({
      ok: false,
      reason: "unknown-type",
    });
    expect(parseEvent({ ...event, data: { leadId } })).toMatchObject({
      ok: false,
      reason: "invalid-data",
      issues: [{ path: "data.reason" }],
    });
    expect(parseEvent({ ...event, county: "999999" })).toMatchObject({
      ok: false,
      reason: "invalid-envelope",
      issues: [{ path: "county" }],
    });
  });
});

describe("CountyCode", () => {
  it("accepts county-level GB/T 2260 codes only", () => {
    expect(CountyCode.safeParse("620702").success).toBe(true);
    for (const bad of ["999999", "620000", "12345", "62070a"])
      expect(CountyCode.safeParse(bad).success).toBe(false);
  });
});

describe("recipientsFor", () => {
  it("never includes the originator or an agency the county does not have", () => {
    const config = CountyConfig.parse({
      county: "441723",
      routing: { "public-tip": ["health", "womens-federation"] },
    });
    expect(recipientsFor(config, "public-tip", "health")).toEqual([]);
    const withWf = CountyConfig.parse({
      county: "441723",
      routing: { "public-tip": ["health", "womens-federation"] },
      agencies: [{ code: "womens-federation", name: "妇女联合会", shortName: "妇联" }],
    });
    expect(recipientsFor(withWf, "public-tip", "public-security")).toEqual(["womens-federation"]);
  });
});

describe("OpenAPI document", () => {
  const doc = openApiDocument() as {
    openapi: string;
    paths: Record<string, Record<string, { responses: object }>>;
  };
  it("is OpenAPI 3.1 with every endpoint and problem responses", () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/leads",
        "/leads/{leadId}",
        "/leads/{leadId}/dismissal",
        "/inbox",
        "/healthz",
        "/readyz",
        "/metrics",
      ]),
    );
    expect(Object.keys(doc.paths["/leads"]!.post!.responses)).toEqual(
      expect.arrayContaining(["201", "200", "400", "401", "403", "413", "415", "422"]),
    );
  });
  it("requires what a lead registration requires", () => {
    const s = (
      openApiDocument() as { components: { schemas: { LeadRegistration: { required: string[] } } } }
    ).components.schemas.LeadRegistration;
    expect(s.required).toEqual(
      expect.arrayContaining(["source", "violations", "target", "summary"]),
    );
  });
});

describe("AsyncAPI document", () => {
  it("is AsyncAPI 3.0 with a channel per event type and the dead-letter channel", () => {
    const doc = asyncApiDocument() as {
      asyncapi: string;
      channels: Record<string, { address: string }>;
    };
    expect(doc.asyncapi).toBe("3.0.0");
    for (const t of EVENT_TYPES)
      expect(doc.channels[t.replace(/\./g, "-")]?.address).toContain("ld.ev.");
    expect(doc.channels["dead-letters"]?.address).toBe("ld.dlq.{agency}.{reason}");
  });
});

describe("types", () => {
  it("derive from the catalogue and agree with the generated OpenAPI types", () => {
    expectTypeOf<EventData<"lead.shared">["to"]>().toEqualTypeOf<string>();
    expectTypeOf<components["schemas"]["LeadRegistered"]["leadId"]>().toEqualTypeOf<
      z.output<typeof LeadRegistered>["leadId"]
    >();
    expectTypeOf<components["schemas"]["LeadRegistered"]["sharedWith"]>().toEqualTypeOf<string[]>();
  });
});
