// Typed publish is a compile-time promise (DESIGN.md, Events): publishing an unknown event
// type or data of the wrong shape does not compile. `tsc` checks this file; each
// `@ts-expect-error` fails the check if the call below it ever compiles. The calls never run.
import type { EventData, EventType } from "@liandong/contracts";
import { describe, expectTypeOf, it } from "vitest";
import type { AggregateLog } from "./aggregate-log.ts";
import type { EventPublisher, PublishRequest } from "./publisher.ts";

const leadId = "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a";
const lead = { kind: "lead", id: leadId } as const;
const reported: EventData<"lead.reported"> = {
  leadId,
  source: "record-audit",
  violations: ["sex-selective-termination"],
  target: { kind: "institution", name: "阳东县某镇卫生院", county: "441723" },
  summary: "同一姓名一年内五次引产记录",
  evidence: [],
  handling: [],
  targetKey: "0".repeat(64),
  recipients: ["public-security"],
};
const { recipients: _recipients, ...withoutRecipients } = reported;

/** Never called: only compiled. */
function publishes(p: EventPublisher, log: AggregateLog) {
  const entry = { actor: "health.liaison", aggregate: lead } as const;
  const base = { ...entry, prev: null } as const;

  // Compiles: a catalogued type with data of its shape.
  void p.publish({ ...base, type: "lead.reported", data: reported });
  void p.publish({ ...base, type: "lead.dismissed", data: { leadId, reason: "重复" } });
  void log.append({ ...entry, type: "lead.dismissed", data: { leadId, reason: "重复" } });

  // An event type the catalogue does not know.
  // @ts-expect-error "lead.teleported" is not an EventType
  void p.publish({ ...base, type: "lead.teleported", data: { leadId, reason: "重复" } });
  // @ts-expect-error the same through the aggregate log
  void log.append({ ...entry, type: "lead.teleported", data: { leadId, reason: "重复" } });

  // lead.reported without a field its schema requires.
  // @ts-expect-error recipients is missing
  void p.publish({ ...base, type: "lead.reported", data: withoutRecipients });
  // A field of the wrong type.
  // @ts-expect-error reason is a string
  void p.publish({ ...base, type: "lead.dismissed", data: { leadId, reason: 42 } });
  // One type's data under another type.
  // @ts-expect-error lead.dismissed data is { leadId, reason }
  void p.publish({ ...base, type: "lead.dismissed", data: reported });
  // A value outside the field's enum.
  // @ts-expect-error "rumour" is not a LeadSource
  void p.publish({ ...base, type: "lead.reported", data: { ...reported, source: "rumour" } });
}

describe("typed publish", () => {
  it("takes a catalogued type and the data its schema derives", () => {
    expectTypeOf(publishes).toBeFunction();
    expectTypeOf<Parameters<EventPublisher["publish"]>[0]["type"]>().toEqualTypeOf<EventType>();
    expectTypeOf<PublishRequest<"lead.dismissed">["data"]>().toEqualTypeOf<{
      leadId: string;
      reason: string;
    }>();
    expectTypeOf<PublishRequest<"lead.reported">["data"]>().toEqualTypeOf<
      EventData<"lead.reported">
    >();
  });
});
