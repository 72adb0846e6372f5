// Each refusal of DESIGN.md's permission model, proven against a real nats-server with the
// county's generated configuration: an agency acts only as itself and reads only its own.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventSubject, STREAMS } from "@liandong/contracts";
import {
  connectBus,
  createLogger,
  EventPublisher,
  messageIdKey,
  natsBus,
  provisionCounty,
  uuidFromName,
} from "@liandong/runtime";
import { AckPolicy, type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createUser } from "@nats-io/nkeys";
import { connect, headers, type NatsConnection, nkeyAuthenticator } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureIdentities } from "../services/county/src/identities.ts";
import { renderAuthorization } from "../services/county/src/server-config.ts";
import { eventually } from "./support/county.ts";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";
import { violation } from "./support/violation.ts";

const AGENCIES = [
  "health",
  "family-planning",
  "public-security",
  "drug-regulation",
  "commerce",
  "office",
];
const COUNTY = "441723";
const LEAD = "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a";
let server: NatsServer;
let dir: string;
const conns: NatsConnection[] = [];
const logger = createLogger("test", "silent");

async function as(agency: string): Promise<NatsConnection> {
  const nc = await connectBus({
    servers: server.url,
    agency,
    seedFile: join(dir, `${agency}.nk`),
    waitOnFirstConnect: false,
  });
  conns.push(nc);
  return nc;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "liandong-ids-"));
  const identities = await ensureIdentities(dir, AGENCIES);
  server = await startNatsServer({ config: renderAuthorization("441723", identities) });
  const admin = await as("admin");
  await provisionCounty(admin, { county: "441723", agencies: AGENCIES });
});

afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("connecting", () => {
  it("refuses a connection without credentials", async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(
      /authorization/i,
    );
  });
  it("refuses an unknown nkey", async () => {
    const stranger = createUser();
    await expect(
      connect({
        servers: server.url,
        reconnect: false,
        authenticator: nkeyAuthenticator(stranger.getSeed()),
      }),
    ).rejects.toThrow(/authorization/i);
  });
});

describe("publishing", () => {
  it("an agency publishes its own events", async () => {
    const js = jetstream(await as("health"));
    const ack = await js.publish(`ld.ev.441723.health.lead.${LEAD}._`, "{}", {
      msgID: "health:own-1",
    });
    expect(ack.stream).toBe("EVENTS");
  });

  it("an agency cannot publish as another agency", async () => {
    const nc = await as("health");
    const refused = violation(nc);
    const attempt = jetstream(nc).publish(`ld.ev.441723.public-security.lead.${LEAD}._`, "{}", {
      timeout: 1500,
    });
    await expect(attempt).rejects.toThrow();
    expect(await refused).toMatch(/publish to "ld\.ev\.441723\.public-security/i);
  });

  it("an agency cannot publish as itself in another county", async () => {
    const nc = await as("health");
    const refused = violation(nc);
    await expect(
      jetstream(nc).publish(`ld.ev.620702.health.lead.${LEAD}._`, "{}", { timeout: 1500 }),
    ).rejects.toThrow();
    expect(await refused).toMatch(/permissions violation/i);
  });
});

describe("reading", () => {
  it("an addressed event reaches the addressee's inbox, which it can read", async () => {
    const js = jetstream(await as("health"));
    await js.publish(`ld.ev.441723.health.lead.${LEAD}.public-security`, '{"n":1}', {
      msgID: "health:addr-1",
    });
    const ps = await as("public-security");
    const jsm = await jetstreamManager(ps);
    await jsm.consumers.add("INBOX_public-security", {
      durable_name: "probe",
      ack_policy: AckPolicy.Explicit,
    });
    const m = await (await jetstream(ps).consumers.get("INBOX_public-security", "probe")).next({
      expires: 3000,
    });
    expect(m?.subject).toBe(`ld.ev.441723.health.lead.${LEAD}.public-security`);
    m?.ack();
  });

  it("an agency cannot read another agency's inbox", async () => {
    // The server drops a refused request and says so on the connection: the caller would
    // only time out, so each attempt waits for that violation, on a connection of its own.
    const attempts: [string, (nc: NatsConnection) => Promise<unknown>][] = [
      [
        "durable consumer",
        async (nc) =>
          (await jetstreamManager(nc, { timeout: 1500 })).consumers.add("INBOX_public-security", {
            durable_name: "spy",
            ack_policy: AckPolicy.Explicit,
          }),
      ],
      [
        "ordered consumer",
        (nc) =>
          jetstream(nc, { timeout: 1500 }).consumers.get("INBOX_public-security", {
            name_prefix: "spy",
          }),
      ],
    ];
    for (const [what, attempt] of attempts) {
      const nc = await as("health");
      const refused = violation(nc);
      await expect(attempt(nc), what).rejects.toThrow();
      expect(await refused, what).toMatch(/publish to "\$JS\.API\.[A-Z.]+\.INBOX_public-security/i);
    }
  });

  it("an agency gets messages of its own inbox directly, never of another's", async () => {
    // One message in each inbox: public-security addresses health, health public-security.
    const lead = crypto.randomUUID();
    await jetstream(await as("public-security")).publish(
      `ld.ev.441723.public-security.lead.${lead}.health`,
      '{"n":2}',
      { msgID: `public-security:get-${lead}` },
    );
    await jetstream(await as("health")).publish(
      `ld.ev.441723.health.lead.${lead}.public-security`,
      '{"n":3}',
      { msgID: `health:get-${lead}` },
    );
    const admin = await jetstreamManager(await as("admin"));
    const sourced = (stream: string, subject: string) =>
      eventually(() =>
        admin.streams.getMessage(stream, { last_by_subj: subject }).then((m) => m ?? undefined),
      );
    const own = await sourced("INBOX_health", `ld.ev.441723.public-security.lead.${lead}.health`);
    const theirs = await sourced(
      "INBOX_public-security",
      `ld.ev.441723.health.lead.${lead}.public-security`,
    );

    // Health reads its own inbox by message get and by direct get: the calls work.
    const health = await jetstreamManager(await as("health"), { timeout: 1500 });
    expect((await health.streams.getMessage("INBOX_health", { seq: own.seq }))?.string()).toBe(
      '{"n":2}',
    );
    expect((await health.direct.getMessage("INBOX_health", { seq: own.seq }))?.string()).toBe(
      '{"n":2}',
    );
    expect(
      (
        await health.direct.getMessage("INBOX_health", {
          last_by_subj: `ld.ev.441723.public-security.lead.${lead}.health`,
        })
      )?.seq,
    ).toBe(own.seq);

    // The same calls on public-security's inbox are refused by the server.
    const attempts: [string, RegExp, (jsm: JetStreamManager) => Promise<unknown>][] = [
      [
        "message get",
        /publish to "\$JS\.API\.STREAM\.MSG\.GET\.INBOX_public-security"/i,
        (jsm) => jsm.streams.getMessage("INBOX_public-security", { seq: theirs.seq }),
      ],
      [
        "direct get",
        /publish to "\$JS\.API\.DIRECT\.GET\.INBOX_public-security"/i,
        (jsm) => jsm.direct.getMessage("INBOX_public-security", { seq: theirs.seq }),
      ],
      [
        "direct get by subject",
        /publish to "\$JS\.API\.DIRECT\.GET\.INBOX_public-security\.ld\.ev\./i,
        (jsm) =>
          jsm.direct.getMessage("INBOX_public-security", {
            last_by_subj: `ld.ev.441723.health.lead.${lead}.public-security`,
          }),
      ],
    ];
    for (const [what, subject, attempt] of attempts) {
      const nc = await as("health");
      const jsm = await jetstreamManager(nc, { timeout: 1500 });
      const refused = violation(nc);
      await expect(attempt(jsm), what).rejects.toThrow();
      expect(await refused, what).toMatch(subject);
    }
  });

  it("an agency reads back the last event on its own subjects of EVENTS, never on another's", async () => {
    const lead = crypto.randomUUID();
    const mine = `ld.ev.441723.health.lead.${lead}._`;
    const theirs = `ld.ev.441723.public-security.lead.${lead}._`;
    const ack = await jetstream(await as("health")).publish(mine, '{"n":4}', {
      msgID: `health:last-${lead}`,
    });
    await jetstream(await as("public-security")).publish(theirs, '{"n":5}', {
      msgID: `public-security:last-${lead}`,
    });
    const health = await as("health");
    const bus = natsBus({ nc: health, agency: "health", publisher: undefined as never, logger });
    // Its own: exact, or the whole aggregate as it wrote it.
    expect(await bus.last(STREAMS.events, mine)).toMatchObject({ seq: ack.seq, subject: mine });
    expect(await bus.last(STREAMS.events, `ld.ev.441723.health.lead.${lead}.>`)).toMatchObject({
      seq: ack.seq,
    });
    expect(await bus.last(STREAMS.events, `ld.ev.441723.health.lead.${lead}.x`)).toBeUndefined();
    // Another agency's, or every agency's at once: refused by the server.
    for (const subject of [theirs, `ld.ev.441723.*.lead.${lead}.>`]) {
      const refused = violation(health);
      await expect(bus.last(STREAMS.events, subject), subject).rejects.toThrow();
      expect(await refused, subject).toMatch(/publish to "\$JS\.API\.DIRECT\.GET\.EVENTS\.ld/i);
    }
  });

  it("an agency cannot subscribe to the bus's subjects or another agency's replies", async () => {
    for (const subject of [
      "ld.ev.>",
      "ld.ev.441723.*.lead.*.public-security",
      "_INBOX_public-security.>",
      "$JS.API.>",
    ]) {
      const nc = await as("health");
      const refused = violation(nc);
      nc.subscribe(subject);
      expect(await refused).toMatch(
        new RegExp(`subscription to "${subject.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`, "i"),
      );
    }
  });

  it("an agency reads EVENTS only through its own named consumer, over its own subjects", async () => {
    const nc = await as("health");
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.add("EVENTS", {
      durable_name: "health-sharer",
      ack_policy: AckPolicy.Explicit,
      filter_subject: "ld.ev.441723.health.>",
    });
    const own = await (await jetstream(nc).consumers.get("EVENTS", "health-sharer")).next({
      expires: 3000,
    });
    expect(own?.subject.startsWith("ld.ev.441723.health.")).toBe(true);
    await expect(
      jsm.consumers.add("EVENTS", {
        durable_name: "health-sharer",
        ack_policy: AckPolicy.Explicit,
        filter_subject: "ld.ev.441723.public-security.>",
      }),
    ).rejects.toThrow();
    await expect(
      jsm.consumers.add("EVENTS", {
        durable_name: "health-sharer",
        ack_policy: AckPolicy.Explicit,
      }),
    ).rejects.toThrow();
    await expect(
      jsm.consumers.add("EVENTS", {
        durable_name: "public-security-sharer",
        ack_policy: AckPolicy.Explicit,
        filter_subject: "ld.ev.441723.health.>",
      }),
    ).rejects.toThrow();
  });

  it("the office reads EVENTS through its own consumers, never through an agency's durable", async () => {
    const health = await jetstreamManager(await as("health"));
    await health.consumers.add("EVENTS", {
      durable_name: "health-sealer",
      ack_policy: AckPolicy.Explicit,
      filter_subject: "ld.ev.441723.health.>",
    });
    const nc = await as("office");
    const jsm = await jetstreamManager(nc);
    // Its own reading works: an ordered consumer over the whole log.
    const all = await jetstream(nc).consumers.get("EVENTS", { name_prefix: "office_read" });
    expect((await all.info(true)).config.deliver_policy).toBeDefined();
    // Health's durables are not the office's to delete, replace or pull from.
    await expect(jsm.consumers.delete("EVENTS", "health-sealer")).rejects.toThrow();
    await expect(
      jsm.consumers.add("EVENTS", {
        durable_name: "health-sharer",
        ack_policy: AckPolicy.Explicit,
      }),
    ).rejects.toThrow();
    await expect(
      (await jetstream(nc).consumers.get("EVENTS", "health-sealer")).next({ expires: 1000 }),
    ).rejects.toThrow();
    expect((await health.consumers.info("EVENTS", "health-sealer")).name).toBe("health-sealer");
  });

  it("an agency's bucket is its own: another agency cannot read it", async () => {
    const kv = await new Kvm(await as("family-planning")).open("agency_family-planning");
    await kv.put("informant.inf_0", "李某某 13912345678");
    expect((await kv.get("informant.inf_0"))?.string()).toContain("李某某");
    const spy = await as("public-security");
    await expect(
      (async () => {
        const other = await new Kvm(spy).open("agency_family-planning");
        return other.get("informant.inf_0");
      })(),
    ).rejects.toThrow();
  });
});

describe("the shared log", () => {
  it("refuses deleting or purging events, even for the administrator", async () => {
    const jsm = await jetstreamManager(await as("admin"));
    await expect(jsm.streams.deleteMessage("EVENTS", 1)).rejects.toThrow(/delete/i);
    await expect(jsm.streams.purge("EVENTS")).rejects.toThrow(/purge/i);
  });
});

// The stream's duplicate window is shared by every agency. An event whose id is derived from
// what it is about (a fan-out copy, a checkpoint, an office order) has an id another agency can
// derive too: publishing first under that message id, from its own subjects, would get our
// event dropped as a duplicate. Keyed with the agency's secret, the message id is unknowable.
describe("message ids", () => {
  const publishers: EventPublisher[] = [];
  afterAll(async () => {
    for (const p of publishers) await p.close();
  });

  /** Public security, from its own subjects, publishes first under health's plain message id. */
  async function squat(id: string) {
    const nc = await as("public-security");
    const leadId = crypto.randomUUID();
    const h = headers();
    h.set("Nats-Msg-Id", `health:${id}`);
    const ack = await jetstream(nc).publish(
      eventSubject({ county: COUNTY, agency: "public-security", kind: "lead", id: leadId }),
      new TextEncoder().encode("{}"),
      { headers: h },
    );
    expect(ack.duplicate).toBe(false);
    return ack.seq;
  }

  async function healthPublisher(keyed: boolean) {
    const p = new EventPublisher(await as("health"), {
      county: COUNTY,
      agency: "health",
      ...(keyed ? { idKey: messageIdKey(join(dir, "health.nk")) } : {}),
    });
    publishers.push(p);
    return p;
  }

  const dismissal = (leadId: string, id: string) =>
    ({
      type: "lead.dismissed",
      actor: "health.liaison",
      aggregate: { kind: "lead", id: leadId },
      data: { leadId, reason: "测试" },
      prev: null,
      id,
    }) as const;

  it("unkeyed, another agency's message under our derived id gets our event dropped (what the key prevents)", async () => {
    const leadId = crypto.randomUUID();
    const id = uuidFromName(`${leadId}:dismissed`);
    const theirs = await squat(id);
    const ours = await (await healthPublisher(false)).publish(dismissal(leadId, id));
    expect(ours.duplicate).toBe(true);
    expect(ours.seq).toBe(theirs);
  });

  it("keyed, our event is stored on our own subject, and a resend is still one event", async () => {
    const leadId = crypto.randomUUID();
    const id = uuidFromName(`${leadId}:dismissed`);
    await squat(id);
    const publisher = await healthPublisher(true);
    const ours = await publisher.publish(dismissal(leadId, id));
    expect(ours.duplicate).toBe(false);
    const jsm = await jetstreamManager(await as("admin"));
    const stored = await jsm.streams.getMessage(STREAMS.events, { seq: ours.seq });
    expect(stored?.subject).toBe(ours.subject);
    expect(stored?.subject.startsWith(`ld.ev.${COUNTY}.health.`)).toBe(true);
    const msgId = stored?.header.get("Nats-Msg-Id") ?? "";
    expect(msgId.startsWith("health:")).toBe(true);
    expect(msgId).not.toContain(id);

    // The same key after a restart: a new publisher from the same seed sends the same message id.
    const again = await (await healthPublisher(true)).publish(dismissal(leadId, id));
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(ours.seq);
  });
});
