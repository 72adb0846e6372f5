// One party of the hand-off's CPU floor (see handoff-floor.ts), a process of its own: the least
// code that gives a hand-off its guarantees, on the same client library and node as the county.
//   sender:    HTTP (bearer token, JSON body checked) → event sealed (SHA-256, ed25519) →
//              published with its id (deduplicated) and the aggregate's expected last sequence →
//              the stream's ack → its copy in its bucket → 201.
//   addressee: pulls the event → checks its seal → its copy in its bucket (acked) → acks the
//              event → pushes it on its live feed (server-sent events).
//   office:    pulls the event → checks its seal → acks it (the county's audit reads every event).
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  sign,
  timingSafeEqual,
  verify,
} from "node:crypto";
import { createServer, type ServerResponse } from "node:http";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, headers as natsHeaders } from "@nats-io/transport-node";

export type FloorParty = {
  role: "sender" | "addressee" | "office";
  natsUrl: string;
  /** PEM: the sender's private key (signs), the others' public key (check). */
  key: string;
  token: string;
  stream: string;
  subjectRoot: string;
  /** The bucket its copies go to (sender, addressee). */
  bucket?: string;
  /** The durable pull consumer it reads (addressee, office). */
  durable?: string;
};

const party = JSON.parse(process.argv[2]!) as FloorParty;
const nc = await connect({ servers: party.natsUrl, name: `floor-${party.role}` });
const js = jetstream(nc);
const kv = party.bucket ? await new Kvm(nc).open(party.bucket) : undefined;
const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest();

if (party.role === "sender") {
  const key = createPrivateKey(party.key);
  const expected = Buffer.from(`Bearer ${party.token}`);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const auth = Buffer.from(req.headers.authorization ?? "");
        if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
          res.writeHead(401).end();
          return;
        }
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        if (typeof body.to !== "string" || typeof body.reason !== "string") {
          res.writeHead(422).end();
          return;
        }
        const id = crypto.randomUUID();
        const event = JSON.stringify({
          id,
          type: "referral.offered",
          time: new Date().toISOString(),
          data: { referralId: id, ...body },
        });
        const seal = sign(null, sha256(event), key).toString("base64url");
        const subject = `${party.subjectRoot}.${id}`;
        const headers = natsHeaders();
        headers.set("Ld-Seal", seal);
        const ack = await js.publish(subject, event, {
          msgID: id,
          expect: { lastSubjectSequence: 0 },
          headers,
        });
        await kv!.put(`referral.${id}`, event);
        const answer = JSON.stringify({ referralId: id, seq: ack.seq });
        res.writeHead(201, { "content-type": "application/json" }).end(answer);
      })().catch((err) => {
        process.stderr.write(`${err}\n`);
        res.writeHead(500).end();
      });
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const a = server.address();
    process.send?.(typeof a === "object" && a ? a.port : 0);
  });
} else {
  const key = createPublicKey(party.key);
  const feeds = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(": \n\n");
    feeds.add(res);
    req.on("close", () => feeds.delete(res));
  });
  server.listen(0, "127.0.0.1", () => {
    const a = server.address();
    process.send?.(typeof a === "object" && a ? a.port : 0);
  });
  const consumer = await js.consumers.get(party.stream, party.durable!);
  const messages = await consumer.consume();
  for await (const m of messages) {
    const seal = m.headers?.get("Ld-Seal") ?? "";
    if (!verify(null, sha256(m.data), key, Buffer.from(seal, "base64url"))) {
      m.term();
      continue;
    }
    const event = JSON.parse(m.string()) as { id: string; data: unknown };
    if (kv) await kv.put(`referral.${event.id}`, m.data);
    m.ack();
    if (party.role === "addressee") {
      const line = `event: referral\ndata: ${JSON.stringify(event.data)}\nid: ${event.id}\n\n`;
      for (const f of feeds) f.write(line);
    }
  }
}
process.on("disconnect", () => process.exit(0));
