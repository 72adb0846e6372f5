// The stream's duplicate window is shared by every agency. An event whose id is derived from
// what it is about (a fan-out copy, a checkpoint, an office order) has an id another agency can
// derive too: publishing first under that message id, from its own subjects, would get our
// event dropped as a duplicate. Keyed with the agency's secret, the message id is unknowable.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventSubject, STREAMS } from "@liandong/contracts";
import {
  connectBus,
  EventPublisher,
  messageIdKey,
  provisionCounty,
  uuidFromName,
} from "@liandong/runtime";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ensureIdentities } from "../services/county/src/identities.ts";
import { renderAuthorization } from "../services/county/src/server-config.ts";
import { type NatsServer, startNatsServer } from "./support/nats-server.ts";

const COUNTY = "441723";
const AGENCIES = ["health", "public-security"];
let server: NatsServer;
let dir: string;
const conns: NatsConnection[] = [];
const publishers: EventPublisher[] = [];

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
  dir = mkdtempSync(join(tmpdir(), "liandong-msgids-"));
  const identities = await ensureIdentities(dir, AGENCIES);
  server = await startNatsServer({ config: renderAuthorization(COUNTY, identities) });
  await provisionCounty(await as("admin"), { county: COUNTY, agencies: AGENCIES });
});

afterAll(async () => {
  for (const p of publishers) await p.close();
  for (const nc of conns) await nc.close().catch(() => undefined);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
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
