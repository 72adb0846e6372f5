import { describe, expect, it } from "vitest";
import { rewriteOf } from "./stream-rewrites.ts";

/** An API audit advisory as nats-server sends it (`io.nats.jetstream.advisory.v1.api_audit`). */
const advisory = (subject: string, response: unknown, user = "UBREAKGLASS") => ({
  type: "io.nats.jetstream.advisory.v1.api_audit",
  server: "liandong-441723",
  client: { acc: "$G", user, name: "liandong-break-glass" },
  subject,
  request: "{}",
  response: JSON.stringify(response),
});

describe("rewriteOf", () => {
  it("names each rewrite carried out, its stream and its caller, under a domain's API too", () => {
    for (const [subject, api] of [
      ["$JS.API.STREAM.DELETE.EVENTS", "STREAM.DELETE"],
      ["$JS.API.STREAM.PURGE.KV_agency_health", "STREAM.PURGE"],
      ["$JS.API.STREAM.MSG.DELETE.INBOX_health", "STREAM.MSG.DELETE"],
      ["$JS.c441723.API.STREAM.UPDATE.EVENTS", "STREAM.UPDATE"],
    ] as const)
      expect(rewriteOf(advisory(subject, { success: true })), subject).toMatchObject({
        api,
        stream: subject.split(".").at(-1),
        key: "UBREAKGLASS",
        server: "liandong-441723",
      });
  });

  it("ignores calls that rewrite nothing, and rewrites the stream refused", () => {
    for (const subject of [
      "$JS.API.STREAM.INFO.EVENTS",
      "$JS.API.STREAM.CREATE.EVENTS",
      "$JS.API.CONSUMER.DELETE.EVENTS.office_1",
      "$JS.API.STREAM.MSG.GET.EVENTS",
    ])
      expect(rewriteOf(advisory(subject, { success: true })), subject).toBeUndefined();
    const refused = { error: { code: 400, description: "message delete not permitted" } };
    expect(rewriteOf(advisory("$JS.API.STREAM.MSG.DELETE.EVENTS", refused))).toBeUndefined();
    expect(rewriteOf({ subject: 7 })).toBeUndefined();
  });
});
