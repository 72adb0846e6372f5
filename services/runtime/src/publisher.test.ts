import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { envelopeBytes, inPlace, readAck } from "./publisher.ts";

// Text of every kind an event carries: Chinese, emoji (surrogate pairs), lone surrogates,
// control characters, and long enough now and then to pass a slab's half.
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.string({
    unit: fc.constantFrom("查", "阅", "😀", "\ud800", "\udc00", "a", '"', "\\", "\n"),
    maxLength: 3000,
  }),
);

describe("an event's bytes, written in place", () => {
  it("are the bytes of the whole envelope's JSON, and stay so as later events are written", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            head: fc.dictionary(text, text, { minKeys: 1, maxKeys: 4 }),
            data: fc.jsonValue(),
          }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        (events) => {
          const made = events.map(({ head, data }) => ({
            bytes: envelopeBytes(JSON.stringify(head), JSON.stringify(data)),
            expected: Buffer.from(JSON.stringify({ ...head, data })),
          }));
          // Every event's bytes checked after all were written: none overwrote another's.
          for (const m of made) expect(m.bytes.equals(m.expected)).toBe(true);
        },
      ),
    );
  });

  it("join header lines as Buffer.from would", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(text, text, text, text), { minLength: 1, maxLength: 40 }),
        (parts) => {
          const made = parts.map((p) => ({
            bytes: inPlace(...p),
            expected: Buffer.from(p.join("")),
          }));
          for (const m of made) expect(m.bytes.equals(m.expected)).toBe(true);
        },
      ),
    );
  });
});

describe("a publish ack", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it("is read from its bytes as JSON.parse reads it", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            stream: fc.string({ minLength: 1, maxLength: 20 }),
            domain: fc.string({ maxLength: 10 }),
            seq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
            duplicate: fc.constant(true),
          },
          { requiredKeys: ["stream", "seq"] },
        ),
        (ack) => {
          const read = readAck(bytes(JSON.stringify(ack)));
          expect(read).toMatchObject({
            stream: ack.stream,
            seq: ack.seq,
            ...(ack.duplicate ? { duplicate: true } : {}),
          });
          if (!ack.duplicate) expect(read.duplicate ?? false).toBe(false);
        },
      ),
    );
  });

  it("with an error, or of any other shape, is parsed as JSON", () => {
    const error = {
      error: { code: 400, err_code: 10071, description: "wrong last sequence: 3" },
      stream: "EVENTS",
    };
    expect(readAck(bytes(JSON.stringify(error)))).toEqual(error);
    expect(readAck(bytes('{"stream":"EVENTS","seq":7,"val":"1"}'))).toEqual({
      stream: "EVENTS",
      seq: 7,
      val: "1",
    });
    expect(readAck(bytes('{"stream":"EV\\"X","seq":7}'))).toEqual({ stream: 'EV"X', seq: 7 });
    expect(() => readAck(bytes('{"stream":"EVENTS","seq":'))).toThrow();
    expect(() => readAck(bytes("nonsense"))).toThrow();
  });

  it("names each stream it comes from, one after another", () => {
    expect(readAck(bytes('{"stream":"EVENTS","seq":1}')).stream).toBe("EVENTS");
    expect(readAck(bytes('{"stream":"INBOX_health","seq":2}')).stream).toBe("INBOX_health");
    expect(readAck(bytes('{"stream":"EVENTS","seq":3,"duplicate":true}'))).toEqual({
      stream: "EVENTS",
      seq: 3,
      duplicate: true,
    });
  });
});
