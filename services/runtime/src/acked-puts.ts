import type { KV } from "@nats-io/kv";
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import { inboxPrefixOf } from "./connect.ts";
import { readAck } from "./publisher.ts";

/** How long a bucket write waits for the stream's answer (the client's own default). */
const PUT_TIMEOUT_MS = 5000;

type Waiting = { resolve: (seq: number) => void; reject: (err: Error) => void; expires: number };

/** The stream's refusal of a write whose expected last sequence is not the subject's. */
const WRONG_LAST_SEQUENCE = new Set([10071, 10164]);

/** A bucket write the stream refused, with the stream's error code. */
class RefusedWrite extends Error {
  override readonly name = "RefusedWrite";
  constructor(
    message: string,
    readonly errCode: number | undefined,
  ) {
    super(message);
  }
}

/** What of the client's bucket a write needs: its own key encoding, checks and subject. */
type KvInternals = {
  encodeKey(key: string): string;
  validateKey(key: string): void;
  subjectForKey(key: string, edit: boolean): string;
  codec: { value: { encode(value: unknown): Uint8Array } };
};

/**
 * A bucket whose plain writes (`put(key, value)`, no options) go out as the publisher sends
 * events: each a message on the key's subject with its reply on one subscription the bucket
 * shares, and one timer sweeping for answers not come, running only while some are awaited.
 * The client's own write makes a request of each (a reply subscription entry, a timer, a race
 * of promises, and an error object with its stack trace, made on every answer to cancel what
 * is settled already): the agency's writes are a hand-off's and a lead's most frequent bus
 * round trips. So do creates of a key the subject holds nothing of (a fact counted once). The
 * subject, key checks and value encoding are the client's own; a write with options (an
 * expected revision) is the client's as before. A failure is the client's
 * kind of failure (time-out, no responders, the stream's refusal), so that `retryingPuts` tries
 * the transient ones again as ever.
 */
export function ackedPuts(kv: KV, nc: NatsConnection, agency: string): KV {
  const internals = kv as unknown as Partial<KvInternals>;
  if (
    typeof internals.encodeKey !== "function" ||
    typeof internals.validateKey !== "function" ||
    typeof internals.subjectForKey !== "function" ||
    typeof internals.codec?.value?.encode !== "function"
  )
    return kv;
  const bucket = internals as KvInternals;
  const inbox = createInbox(inboxPrefixOf(agency));
  const waiting = new Map<string, Waiting>();
  let next = 0;
  let sweep: NodeJS.Timeout | undefined;
  const settle = (token: string) => {
    const w = waiting.get(token);
    waiting.delete(token);
    return w;
  };
  nc.subscribe(`${inbox}.*`, {
    callback: (_err, msg: Msg) => {
      const w = settle(msg.subject.slice(inbox.length + 1));
      if (!w) return;
      if (msg.headers?.code === 503) {
        w.reject(new Error("503 no responders: no stream answered the bucket write"));
        return;
      }
      let body: ReturnType<typeof readAck>;
      try {
        body = readAck(msg.data);
      } catch (cause) {
        w.reject(new Error("unreadable answer to a bucket write", { cause }));
        return;
      }
      if (body.error)
        w.reject(
          new RefusedWrite(
            `${body.error.description ?? "bucket write refused"} (${body.error.code ?? "?"})`,
            body.error.err_code,
          ),
        );
      else w.resolve(body.seq ?? 0);
    },
  });
  const expire = () => {
    if (waiting.size === 0) {
      clearInterval(sweep);
      sweep = undefined;
      return;
    }
    const now = Date.now();
    for (const [token, w] of waiting)
      if (w.expires <= now) {
        waiting.delete(token);
        w.reject(new Error("timeout: no answer to a bucket write in time"));
      }
  };
  /** Sends a write on the key's subject; settles with the stream's answer. */
  const send = (key: string, value: unknown, h?: MsgHdrs): Promise<number> => {
    let subject: string;
    let data: Uint8Array;
    try {
      const encoded = bucket.encodeKey(key);
      bucket.validateKey(encoded);
      subject = bucket.subjectForKey(encoded, true);
      data = bucket.codec.value.encode(value);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<number>((resolve, reject) => {
      const token = (next++).toString(36);
      waiting.set(token, { resolve, reject, expires: Date.now() + PUT_TIMEOUT_MS });
      sweep ??= setInterval(expire, 100).unref();
      try {
        nc.publish(subject, data, { reply: `${inbox}.${token}`, ...(h ? { headers: h } : {}) });
      } catch (err) {
        settle(token);
        reject(err as Error);
      }
    });
  };
  const put = kv.put.bind(kv);
  kv.put = (key: string, value: Parameters<KV["put"]>[1], opts?: Parameters<KV["put"]>[2]) =>
    opts && Object.keys(opts).length > 0 ? put(key, value, opts) : send(key, value);
  // A key created (a fact counted once, say) is one the subject holds nothing of, most often: that
  // write goes out as above. Refused because the subject holds something (a value, or a deletion,
  // which may be created again), the client's own create decides, as it always did.
  const create = kv.create.bind(kv);
  kv.create = (key: string, value: Parameters<KV["create"]>[1], markerTTL?: string) => {
    if (markerTTL !== undefined) return create(key, value, markerTTL);
    const h = natsHeaders();
    h.set("Nats-Expected-Last-Subject-Sequence", "0");
    return send(key, value, h).catch((err: unknown) => {
      if (err instanceof RefusedWrite && WRONG_LAST_SEQUENCE.has(err.errCode ?? 0))
        return create(key, value);
      throw err;
    });
  };
  return kv;
}
