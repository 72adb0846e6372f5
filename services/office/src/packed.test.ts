// The snapshot's packed form: whatever plain data is written reads back the same, keys in their
// order, `undefined` and Maps kept; bytes cut short or changed are refused, not misread.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LazyMap, PackedReader, PackedWriter } from "./packed.ts";

const hex = fc
  .uint8Array({ minLength: 8, maxLength: 40 })
  .map((b) => Buffer.from(b).toString("hex"));
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom("health", "offered", "某镇卫生院", "__proto__", "", "ABCDEF0123456789ABCD"),
  hex,
  fc.uuid(),
);
const { data } = fc.letrec<{ data: unknown }>((tie) => ({
  data: fc.oneof(
    { depthSize: "small" },
    text,
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double(),
    fc.constantFrom(undefined, null, true, false, -0, 2 ** 60, -(2 ** 53)),
    fc.array(tie("data"), { maxLength: 5 }),
    fc.dictionary(text, tie("data"), { maxKeys: 5, noNullPrototype: true }),
    fc.array(fc.tuple(text, tie("data")), { maxLength: 4 }).map((e) => new Map(e)),
    // Frozen (written once, referred to after): one of them, and twice the same one.
    fc.array(tie("data"), { maxLength: 3 }).map((a) => Object.freeze(a)),
    fc.dictionary(text, tie("data"), { maxKeys: 3, noNullPrototype: true }).map((o) => {
      const f = Object.freeze(o);
      return [f, f];
    }),
  ),
}));

const pack = (values: unknown[]) => {
  const w = new PackedWriter();
  for (const v of values) w.value(v);
  return Buffer.concat(w.finish());
};
const unpack = (buf: Buffer) => {
  const r = new PackedReader(buf);
  const out: unknown[] = [];
  while (!r.done) out.push(r.value());
  return out;
};
/** Keys in order, `undefined` present: what `toEqual` alone does not tell apart. */
const keysOf = (v: unknown): unknown =>
  v instanceof Map
    ? [...v].map(([k, x]) => [k, keysOf(x)])
    : Array.isArray(v)
      ? v.map(keysOf)
      : v && typeof v === "object"
        ? Object.entries(v).map(([k, x]) => [k, keysOf(x)])
        : v;

describe("packed data", () => {
  it("reads back every value written, the same", () => {
    fc.assert(
      fc.property(fc.array(data, { maxLength: 6 }), (values) => {
        const back = unpack(pack(values));
        expect(back).toStrictEqual(values);
        expect(keysOf(back)).toStrictEqual(keysOf(values));
      }),
      { numRuns: 500 },
    );
  });

  it("writes a string or a shape written before as a reference to it", () => {
    const id = "4f444a8c-1cd6-4a8a-b0c4-cd52edadc7f7";
    const one = pack([{ referralId: id, status: "offered", about: id }]).length;
    const many = pack(
      Array.from({ length: 100 }, () => ({ referralId: id, status: "offered", about: id })),
    ).length;
    // Eight bytes each: the shape, and each field a reference.
    expect(many - one).toBe(99 * 8);
    // A SHA-256 digest in hex: half its length.
    expect(pack(["ab".repeat(32)]).length).toBeLessThan(40);
  });

  it("refuses bytes cut short, and is never misled into reading past them", () => {
    fc.assert(
      fc.property(fc.array(data, { minLength: 1, maxLength: 4 }), fc.nat(), (values, cut) => {
        const bytes = pack(values);
        const at = cut % bytes.length;
        const short = bytes.subarray(0, at);
        let back: unknown[] | undefined;
        try {
          back = unpack(short);
        } catch (err) {
          expect(String(err)).toMatch(/cut short|refers to nothing|unknown tag|not a string/);
          return;
        }
        // Cut between two values: the values before the cut, whole.
        expect(back).toStrictEqual(values.slice(0, back.length));
      }),
      { numRuns: 300 },
    );
  });

  it("reads a map lazily the same: each value when asked for, in any order, the rest after", () => {
    const entries = fc.uniqueArray(fc.tuple(text, data), { selector: ([k]) => k, maxLength: 8 });
    fc.assert(
      fc.property(
        entries,
        entries,
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.nat({ max: 3 }),
        (lazyOnes, after, asked, some) => {
          const first = new Map(lazyOnes);
          const second = new Map(after);
          // Strings and shapes a lazy value writes first are referred to by what follows it.
          const bytes = pack(["before", first, second, [...first.values()]]);
          const r = new PackedReader(bytes);
          expect(r.value()).toBe("before");
          const lazy = new LazyMap<unknown, unknown>();
          r.mapInto(lazy, true);
          expect(lazy.pending).toBe(first.size);
          expect([...lazy.keys()]).toStrictEqual([...first.keys()]);
          // What follows is read at once, the lazy values passed over.
          expect(r.value()).toStrictEqual(second);
          expect(r.value()).toStrictEqual([...first.values()]);
          const keys = [...first.keys()];
          for (const i of asked) {
            const k = keys[i % Math.max(1, keys.length)];
            if (k === undefined) continue;
            expect(keysOf(lazy.get(k))).toStrictEqual(keysOf(first.get(k)));
          }
          lazy.readSome(some);
          expect(keysOf([...lazy])).toStrictEqual(keysOf([...first]));
          expect(lazy.pending).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("writes a map for lazy reading: read lazily, at once, or passed over, the same", () => {
    const entries = fc.uniqueArray(fc.tuple(text, data), { selector: ([k]) => k, maxLength: 8 });
    fc.assert(
      fc.property(
        entries,
        data,
        fc.array(fc.nat(), { maxLength: 10 }),
        (lazyOnes, after, asked) => {
          const m = new Map(lazyOnes);
          const w = new PackedWriter();
          w.value("before");
          const steps = w.lazyMap(m, 2);
          while (!steps.next().done);
          // What follows refers to the strings and shapes the lazy values wrote.
          w.value([after, [...m.values()]]);
          const bytes = Buffer.concat(w.finish());
          // At once.
          const all = unpack(bytes);
          expect(keysOf(all)).toStrictEqual(keysOf(["before", m, [after, [...m.values()]]]));
          // Lazily, each value when asked for.
          const r = new PackedReader(bytes);
          r.value();
          const lazy = new LazyMap<unknown, unknown>();
          r.mapInto(lazy, true);
          expect(keysOf(r.value())).toStrictEqual(keysOf([after, [...m.values()]]));
          const keys = [...m.keys()];
          for (const i of asked) {
            const k = keys[i % Math.max(1, keys.length)];
            if (k !== undefined) expect(keysOf(lazy.get(k))).toStrictEqual(keysOf(m.get(k)));
          }
          expect(keysOf([...lazy])).toStrictEqual(keysOf([...m]));
          // Passed over whole.
          const s = new PackedReader(bytes);
          s.value();
          s.skip();
          expect(keysOf(s.value())).toStrictEqual(keysOf([after, [...m.values()]]));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("writes a frozen value once: read back frozen, one object wherever it was one", () => {
    const list = Object.freeze(["illegal-sex-determination", "illegal-abortion"]);
    const none = Object.freeze({});
    const outer = Object.freeze({ list, note: "x" });
    const records = new Map(
      Array.from({ length: 6 }, (_, i) => [`r${i}`, { violations: list, overdue: none, outer }]),
    );
    const plain = new Map([["p", { violations: list, copy: ["illegal-sex-determination"] }]]);
    const check = (back: Map<string, Record<string, unknown>>) => {
      const values = [...back.values()];
      for (const v of values) {
        expect(v.violations).toBe(values[0]!.violations);
        expect(v.overdue).toBe(values[0]!.overdue);
        expect((v.outer as { list: unknown }).list).toBe(v.violations);
      }
      expect(Object.isFrozen(values[0]!.violations)).toBe(true);
      expect(Object.isFrozen(values[0]!.overdue)).toBe(true);
      expect(values[0]!.violations).toStrictEqual(list);
    };
    const w = new PackedWriter();
    const steps = w.lazyMap(records, 2);
    while (!steps.next().done);
    w.value(plain);
    w.value([list, none]);
    const bytes = Buffer.concat(w.finish());
    // At once.
    const [all, plainBack, last] = unpack(bytes) as [
      Map<string, Record<string, unknown>>,
      Map<string, Record<string, unknown>>,
      unknown[],
    ];
    check(all);
    expect(plainBack.get("p")!.violations).toBe(all.get("r0")!.violations);
    // Not frozen, not shared: a copy as written.
    expect(Object.isFrozen(plainBack.get("p")!.copy)).toBe(false);
    expect(last[0]).toBe(all.get("r0")!.violations);
    // Lazily, in any order: the same objects.
    const r = new PackedReader(bytes);
    const lazy = new LazyMap<string, Record<string, unknown>>();
    r.mapInto(lazy as Map<unknown, unknown>, true);
    const after = r.value() as Map<string, Record<string, unknown>>;
    const lastLazy = r.value() as unknown[];
    expect(lazy.get("r4")!.violations).toBe(lastLazy[0]);
    expect(after.get("p")!.violations).toBe(lastLazy[0]);
    check(lazy);
    // A plain map read lazily: its frozen values passed over, read when referred to.
    const p = new PackedReader(bytes);
    p.skip();
    const passed = new LazyMap<string, Record<string, unknown>>();
    p.mapInto(passed as Map<unknown, unknown>, true);
    const tail = p.value() as unknown[];
    expect(passed.get("p")!.violations).toBe(tail[0]);
  });

  it("keeps numbers put into a lazy map as numbers, not as values still to read", () => {
    const bytes = pack([
      new Map<string, unknown>([
        ["a", 7],
        ["b", { n: 8 }],
        ["c", 9],
      ]),
    ]);
    const r = new PackedReader(bytes);
    const lazy = new LazyMap<string, unknown>();
    r.mapInto(lazy as Map<unknown, unknown>, true);
    expect(lazy.pending).toBe(3);
    lazy.set("b", 3);
    lazy.set("d", 0);
    expect(lazy.pending).toBe(2);
    expect(lazy.get("b")).toBe(3);
    expect(lazy.get("d")).toBe(0);
    lazy.delete("c");
    expect(lazy.pending).toBe(1);
    expect([...lazy]).toStrictEqual([
      ["a", 7],
      ["b", 3],
      ["d", 0],
    ]);
    expect(lazy.pending).toBe(0);
    expect(lazy.readSome(5)).toBe(0);
  });

  it("refuses what is not plain data", () => {
    expect(() => pack([new Date()])).toThrow(/plain data/);
    expect(() => pack([() => 1])).toThrow(/plain data/);
  });
});
