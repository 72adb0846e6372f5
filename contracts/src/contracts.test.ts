import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { DEFAULT_AGENCIES } from "./agency.ts";
import { asyncApiDocument } from "./asyncapi.ts";
import {
  type BusEvent,
  CATALOGUE,
  EVENT_TYPES,
  type EventData,
  type EventType,
} from "./catalogue.ts";
import { CountyConfig, recipientsFor } from "./config.ts";
import { CountyCode } from "./county.ts";
import { Envelope } from "./envelope.ts";
import { SAMPLE_EVENT, SAMPLE_LEAD_ID } from "./fixtures.ts";
import { LeadSource } from "./lead.ts";
import { parseEvent } from "./parse-event.ts";

const leadId = SAMPLE_LEAD_ID;
const event = SAMPLE_EVENT;

describe("parseEvent", () => {
  it("accepts a valid event", () => {
    expect(parseEvent(event)).toMatchObject({ ok: true, event: { type: "lead.dismissed" } });
  });
  it("returns failures as data naming the field", () => {
    expect(parseEvent({ ...event, type: "lead.teleported" })).toMatchObject({
      ok: false,
      reason: "unknown-type",
      issues: [{ path: "type" }],
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
    expect(parseEvent({ ...event, aggregate: { kind: "lead" } })).toMatchObject({
      ok: false,
      reason: "invalid-envelope",
      issues: [{ path: "aggregate.id" }],
    });
    // A lead's dismissal recorded on a referral would move that referral's chain: refused.
    expect(
      parseEvent({ ...event, aggregate: { kind: "referral", id: event.aggregate.id } }),
    ).toMatchObject({ ok: false, reason: "wrong-aggregate", issues: [{ path: "aggregate.kind" }] });
  });
  it("answers as the envelope and the catalogue's schema do, step by step", () => {
    const reported = {
      ...event,
      type: "lead.reported",
      data: {
        leadId,
        source: "public-tip",
        violations: ["intermediary"],
        target: { kind: "person", name: "  某中介  ", county: "441723" },
        summary: "举报",
        evidence: [],
        informant: { ref: `inf_${"a".repeat(32)}`, rewardEligible: true },
        targetKey: "b".repeat(64),
        recipients: ["public-security"],
      },
      unknownField: 1,
    };
    const dismissed = { ...event, to: "commerce", data: { leadId, reason: "  重复  " } };
    for (const raw of [event, reported, dismissed]) {
      const env = Envelope.parse(raw);
      const data = CATALOGUE[env.type as EventType].parse(env.data);
      expect(parseEvent(raw)).toEqual({ ok: true, event: { ...env, data } });
    }
    // Defaults and trims are applied as the schemas say.
    expect(parseEvent(reported)).toMatchObject({
      event: { data: { handling: [], target: { name: "某中介" } } },
    });
    expect(parseEvent(dismissed)).toMatchObject({ event: { data: { reason: "重复" } } });
  });
  it("never throws, whatever arrives", () => {
    for (const raw of [undefined, null, 42, "lead.dismissed", [], { ...event, data: undefined }])
      expect(parseEvent(raw).ok).toBe(false);
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
  it("never includes the originator, for any source and agency", () => {
    const config = CountyConfig.parse({ county: "441723" });
    for (const source of LeadSource.options)
      for (const { code } of DEFAULT_AGENCIES) {
        const to = recipientsFor(config, source, code);
        expect(to, `${source} from ${code}`).not.toContain(code);
        expect(new Set(to).size).toBe(to.length);
      }
  });
  it("never includes the originator or an agency the county does not have", () => {
    const config = CountyConfig.parse({ county: "441723", routing: { "public-tip": ["health"] } });
    expect(recipientsFor(config, "public-tip", "health")).toEqual([]);
    // A default row naming agencies a county configured without: only those it has.
    const withWf = CountyConfig.parse({
      county: "441723",
      agencies: [{ code: "womens-federation", name: "妇女联合会", shortName: "妇联" }],
    });
    expect(recipientsFor(withWf, "public-tip", "public-security")).toEqual([]);
    const routed = CountyConfig.parse({
      county: "441723",
      routing: { "public-tip": ["womens-federation"] },
      agencies: [{ code: "womens-federation", name: "妇女联合会", shortName: "妇联" }],
    });
    expect(recipientsFor(routed, "public-tip", "public-security")).toEqual(["womens-federation"]);
  });
});

type AsyncDoc = {
  asyncapi: string;
  channels: Record<
    string,
    { address: string; parameters: Record<string, { $ref?: string; enum?: string[] }> }
  >;
  operations: Record<string, { action: string; channel: { $ref: string } }>;
  components: {
    messages: Record<
      string,
      {
        name: string;
        headers: { properties: Record<string, { const?: string }>; required: string[] };
        payload: {
          required: string[];
          properties: Record<string, { const?: string }> & { data: unknown };
        };
      }
    >;
  };
};

describe("AsyncAPI document", () => {
  const doc = asyncApiDocument() as AsyncDoc;
  it("is AsyncAPI 3.0 with a channel, message and send/receive operations per event type", () => {
    expect(doc.asyncapi).toBe("3.0.0");
    expect(Object.keys(doc.channels)).toHaveLength(EVENT_TYPES.length + 1);
    for (const t of EVENT_TYPES) {
      const name = t.replace(/\./g, "-");
      const channel = doc.channels[name];
      expect(channel?.address, t).toBe(
        "ld.ev.{county}.{agency}.{aggregateKind}.{aggregateId}.{to}",
      );
      expect(Object.keys(channel?.parameters ?? {}).sort()).toEqual(
        ["agency", "aggregateId", "aggregateKind", "county", "to"].sort(),
      );
      expect(channel?.parameters.aggregateKind?.enum).toEqual([t.split(".")[0]]);
      expect(doc.operations[`send-${name}`]).toMatchObject({
        action: "send",
        channel: { $ref: `#/channels/${name}` },
      });
      expect(doc.operations[`receive-${name}`]?.action).toBe("receive");
    }
  });

  it("carries the envelope with the type's data and the namespaced message id", () => {
    for (const t of EVENT_TYPES) {
      const m = doc.components.messages[t.replace(/\./g, "-")]!;
      expect(m.name).toBe(t);
      expect(m.payload.properties.type?.const).toBe(t);
      expect(m.payload.required).toEqual(expect.arrayContaining(["type", "data", "county"]));
      const { $schema: _, ...data } = z.toJSONSchema(CATALOGUE[t], {
        target: "draft-07",
        io: "output",
      });
      expect(m.payload.properties.data).toEqual(data);
      expect(m.headers.required.sort()).toEqual(["Liandong-Event-Type", "Nats-Msg-Id"]);
      expect(m.headers.properties["Liandong-Event-Type"]?.const).toBe(t);
    }
  });

  it("uses draft-07 schemas, which AsyncAPI 3.0's schema format extends", () => {
    expect(JSON.stringify(doc)).not.toMatch(/"(prefixItems|\$defs|unevaluated\w+|dependent\w+)"/);
  });

  it("has the dead-letter channel", () => {
    expect(doc.channels["dead-letters"]?.address).toBe("ld.dlq.{agency}.{reason}");
    expect(doc.operations["send-dead-letter"]?.action).toBe("send");
  });
});

describe("types", () => {
  it("derive from the catalogue", () => {
    expectTypeOf<EventData<"lead.shared">["to"]>().toEqualTypeOf<string>();
    expectTypeOf<EventData<"lead.shared">>().toHaveProperty("lead");
    expectTypeOf<BusEvent<"lead.dismissed">["data"]>().toEqualTypeOf<EventData<"lead.dismissed">>();
  });
});
