import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8Text } from "./utf8.ts";

describe("utf8Text", () => {
  it("reads any bytes as TextDecoder does: malformed sequences replaced, a leading BOM dropped", () => {
    const decoder = new TextDecoder();
    const bom = [0xef, 0xbb, 0xbf];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.string({ unit: "binary" }).map((s) => new TextEncoder().encode(s)),
          fc.uint8Array({ maxLength: 10 }).map((b) => Uint8Array.from([...bom, ...b])),
          fc.uint8Array({ maxLength: 10 }).map((b) => Uint8Array.from([...bom, ...bom, ...b])),
        ),
        fc.nat(8),
        (bytes, pad) => {
          expect(utf8Text(bytes)).toBe(decoder.decode(bytes));
          // Read in place, inside a larger buffer, as the checking thread reads each message.
          const around = new Uint8Array(pad + bytes.length + pad).fill(0x41);
          around.set(bytes, pad);
          expect(utf8Text(around, pad, pad + bytes.length)).toBe(decoder.decode(bytes));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
