// The official CloudEvents SDK (a dev dependency only) judges the mapping of every event type.
import { CloudEvent, ValidationError } from "cloudevents";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "./catalogue.ts";
import {
  CLOUDEVENT_EXTENSIONS,
  CLOUDEVENT_TYPE_PREFIX,
  fromCloudEvent,
  toCloudEvent,
} from "./cloudevent.ts";
import { AggregateKind, Envelope } from "./envelope.ts";

const HASH = "a".repeat(64);

/** An envelope of `type` with every optional attribute set, or none of them. */
function envelope(type: string, full: boolean): Envelope {
  const kind = AggregateKind.safeParse(type.split(".")[0]);
  return Envelope.parse({
    specversion: "1.0",
    id: crypto.randomUUID(),
    source: "liandong:620702:health",
    type,
    time: "2025-03-01T08:00:00.000+08:00",
    subject: "4f1c2d3e-0000-4000-8000-000000000001",
    county: "620702",
    agency: "health",
    actor: "health.liaison",
    aggregate: {
      kind: kind.success ? kind.data : "lead",
      id: "4f1c2d3e-0000-4000-8000-000000000001",
    },
    correlationId: crypto.randomUUID(),
    prev: full ? HASH : null,
    data: { any: "payload" },
    ...(full
      ? {
          dataschema: `https://liandong.example/schemas/${type}`,
          to: "public-security",
          toCounty: "620602",
          causationId: crypto.randomUUID(),
        }
      : {}),
  });
}

describe("the envelope as a CloudEvent", () => {
  it("the native envelope does not pass: camel-case attribute names are not CloudEvents extensions", () => {
    // As the SDK receives JSON from the wire: any object.
    const native = JSON.parse(JSON.stringify(envelope("lead.reported", true))) as object;
    expect(() => new CloudEvent(native)).toThrow(ValidationError);
    expect(() => new CloudEvent(native)).toThrow(/invalid extension name/);
  });

  it.each(
    EVENT_TYPES.flatMap((t) => [
      [t, true],
      [t, false],
    ]),
  )("%s (every optional attribute: %s) passes the SDK's validation", (type, full) => {
    const ce = toCloudEvent(envelope(type, full));
    const event = new CloudEvent(ce, true);
    expect(event.validate()).toBe(true);
    expect(event.type).toBe(`cn.liandong.${type}`);
  });

  it("types are reverse-DNS; extensions are short lower-case strings", () => {
    expect(CLOUDEVENT_TYPE_PREFIX).toMatch(/^[a-z]{2,}\.[a-z0-9-]+\.$/);
    const ce = toCloudEvent(envelope("referral.referred-on", true)) as Record<string, unknown>;
    const standard = new Set([
      "specversion",
      "id",
      "source",
      "type",
      "time",
      "subject",
      "datacontenttype",
      "dataschema",
      "data",
    ]);
    const extensions = Object.keys(ce).filter((k) => !standard.has(k));
    expect(extensions.sort()).toEqual(Object.values(CLOUDEVENT_EXTENSIONS).sort());
    for (const name of extensions) {
      expect(name).toMatch(/^[a-z0-9]{1,20}$/);
      // CloudEvents' type system has no objects or nulls in attributes.
      expect(typeof ce[name], name).toBe("string");
    }
  });

  it("maps back to the same envelope, with or without the optional attributes", () => {
    for (const full of [true, false]) {
      const e = envelope("supervision.ordered", full);
      const back = fromCloudEvent(toCloudEvent(e));
      expect(back.success).toBe(true);
      expect(back.data).toEqual(e);
    }
  });

  it("a CloudEvent missing an envelope attribute does not map back", () => {
    const ce = toCloudEvent(envelope("case.opened", false));
    delete ce[CLOUDEVENT_EXTENSIONS.actor];
    const back = fromCloudEvent(ce);
    expect(back.success).toBe(false);
    expect(back.error?.issues[0]?.path).toEqual(["actor"]);
  });
});
