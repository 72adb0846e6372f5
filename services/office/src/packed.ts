/**
 * A compact binary form of plain data (the office's snapshot): each distinct string and each
 * object shape (its keys, in order) written once and referred to by number after, so that the
 * ids, agency codes, instants and field names a year of projections repeat hundreds of thousands
 * of times cost a few bytes each. Keeps what JSON loses: `undefined` (a key present with no
 * value stays present: the tracker's objects keep their one shape), Maps, and integers exact.
 * Objects come back with their keys in the order they were written, as plain objects (one
 * without a prototype too); nothing else (no classes). An object or array referred to twice is
 * written twice, as JSON does, unless frozen: a frozen one (the domain's interned lists, the
 * tracker's one empty `overdue`) is written once and referred to by number after, and comes back
 * frozen, one object wherever it was one — a year of referrals holds a handful of lists of
 * violations, not a million copies of them.
 */

const UNDEFINED = 0;
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const UINT = 4;
const NEGATIVE = 5;
const FLOAT = 6;
const STRING_NEW = 7;
const STRING_REF = 8;
const HEX_NEW = 9;
const ARRAY = 10;
const SHAPE_NEW = 11;
const SHAPE_REF = 12;
const MAP = 13;
/**
 * A map whose values can be passed over at no cost (`PackedWriter.lazyMap`): its size; an array
 * of the strings and shapes its values write first (so that no value defines any); then each
 * entry: its key, the byte length of its value (four bytes, little-endian), its value.
 */
const LAZY_MAP = 14;
/** A frozen object or array seen for the first time: numbered, then written as any other. */
const FROZEN_NEW = 15;
/** A frozen object or array written before: its number. */
const FROZEN_REF = 16;

const CHUNK = 1 << 20;
/** Lowercase hex of even length, long enough to halve: SHA-256 digests, hash prefixes. */
const HEX = /^(?:[0-9a-f]{2}){8,}$/;

type ShapeNode = { id: number; next?: Map<string, ShapeNode> };
/** What the values of a lazy map write first (`PackedWriter.lazyMap`). */
type Found = { strings: Set<string>; shapes: Map<ShapeNode, string[]>; frozen: Set<object> };

/** Writes values one after another; the strings and shapes already written are referred to. */
export class PackedWriter {
  #chunks: Buffer[] = [];
  #buf = Buffer.allocUnsafe(CHUNK);
  #at = 0;
  #strings = new Map<string, number>();
  /** The shapes written, as a tree of their keys in order; `id` where one ends. */
  #shapes: ShapeNode = { id: -1 };
  #shapeCount = 0;
  /** The frozen objects and arrays written, by number. */
  #frozen = new Map<object, number>();

  /** Everything written so far, the last chunk cut to its length. */
  finish(): Buffer[] {
    this.#written += this.#at;
    if (this.#at > 0) this.#chunks.push(this.#buf.subarray(0, this.#at));
    this.#buf = Buffer.allocUnsafe(0);
    this.#at = 0;
    return this.#chunks;
  }

  #room(n: number) {
    if (this.#at + n <= this.#buf.length) return;
    this.#written += this.#at;
    if (this.#at > 0) this.#chunks.push(this.#buf.subarray(0, this.#at));
    this.#buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.#at = 0;
  }

  #byte(b: number) {
    this.#room(1);
    this.#buf[this.#at++] = b;
  }

  /** A non-negative safe integer, seven bits a byte. */
  #varint(n: number) {
    this.#room(8);
    const buf = this.#buf;
    let at = this.#at;
    while (n >= 0x80) {
      buf[at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[at++] = n;
    this.#at = at;
  }

  #string(s: string) {
    const known = this.#strings.get(s);
    if (known !== undefined) {
      this.#byte(STRING_REF);
      this.#varint(known);
      return;
    }
    this.#strings.set(s, this.#strings.size);
    if (HEX.test(s)) {
      this.#byte(HEX_NEW);
      this.#varint(s.length / 2);
      this.#room(s.length / 2);
      this.#at += this.#buf.write(s, this.#at, "hex");
      return;
    }
    const most = s.length * 3;
    this.#byte(STRING_NEW);
    if (most < 0x80) {
      // One byte of length, filled in once the bytes are written.
      this.#room(1 + most);
      const lengthAt = this.#at++;
      const n = this.#buf.write(s, this.#at, "utf8");
      this.#buf[lengthAt] = n;
      this.#at += n;
      return;
    }
    const n = Buffer.byteLength(s, "utf8");
    this.#varint(n);
    this.#room(n);
    this.#at += this.#buf.write(s, this.#at, "utf8");
  }

  value(v: unknown): void {
    switch (typeof v) {
      case "undefined":
        this.#byte(UNDEFINED);
        return;
      case "boolean":
        this.#byte(v ? TRUE : FALSE);
        return;
      case "string":
        this.#string(v);
        return;
      case "number":
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
          this.#byte(v >= 0 ? UINT : NEGATIVE);
          this.#varint(v >= 0 ? v : -v);
          return;
        }
        this.#byte(FLOAT);
        this.#room(8);
        this.#at = this.#buf.writeDoubleLE(v, this.#at);
        return;
      case "object": {
        if (v === null) {
          this.#byte(NULL);
          return;
        }
        if (!(v instanceof Map) && Object.isFrozen(v)) {
          const known = this.#frozen.get(v);
          if (known !== undefined) {
            this.#byte(FROZEN_REF);
            this.#varint(known);
            return;
          }
          this.#frozen.set(v, this.#frozen.size);
          this.#byte(FROZEN_NEW);
        }
        if (Array.isArray(v)) {
          this.#byte(ARRAY);
          this.#varint(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i]);
          return;
        }
        if (v instanceof Map) {
          this.#byte(MAP);
          this.#varint(v.size);
          for (const [k, x] of v) {
            this.value(k);
            this.value(x);
          }
          return;
        }
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null)
          throw new Error(`not plain data: ${proto?.constructor?.name ?? "an object"}`);
        // Its shape found key by key (nothing made for an object of a shape written before).
        const o = v as Record<string, unknown>;
        let node = this.#shapes;
        for (const k in o) {
          if (!Object.hasOwn(o, k)) continue;
          let next = node.next?.get(k);
          if (!next) {
            next = { id: -1 };
            node.next ??= new Map();
            node.next.set(k, next);
          }
          node = next;
        }
        if (node.id >= 0) {
          this.#byte(SHAPE_REF);
          this.#varint(node.id);
        } else {
          node.id = this.#shapeCount++;
          const keys = Object.keys(o);
          this.#byte(SHAPE_NEW);
          this.#varint(keys.length);
          for (const k of keys) this.#string(k);
        }
        for (const k in o) if (Object.hasOwn(o, k)) this.value(o[k]);
        return;
      }
      default:
        throw new Error(`not plain data: a ${typeof v}`);
    }
  }

  /** Bytes written so far. */
  #written = 0;

  /**
   * A Map written so that its values can be read one by one when asked for (`LAZY_MAP`): the
   * strings, shapes and frozen values they write first are written before them, together; each
   * value after its byte length. A step of the generator every `every` entries.
   */
  *lazyMap(m: ReadonlyMap<unknown, unknown>, every: number): Generator<void> {
    const found: Found = { strings: new Set(), shapes: new Map(), frozen: new Set() };
    const { strings, shapes, frozen } = found;
    let n = 0;
    for (const v of m.values()) {
      this.#collect(v, found);
      if (++n % every === 0) yield;
    }
    this.#byte(LAZY_MAP);
    this.#varint(m.size);
    // Written as one array: each string, an object of each shape (its values undefined), each
    // frozen value (one inside another first).
    this.#byte(ARRAY);
    this.#varint(strings.size + shapes.size + frozen.size);
    for (const str of strings) this.#string(str);
    for (const keys of shapes.values()) {
      const o: Record<string, unknown> = {};
      for (const k of keys)
        Object.defineProperty(o, k, {
          value: undefined,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      this.value(o);
    }
    for (const f of frozen) this.value(f);
    yield;
    n = 0;
    for (const [k, v] of m) {
      this.value(k);
      this.#room(4);
      const buf = this.#buf;
      const lengthAt = this.#at;
      this.#at += 4;
      const from = this.#written + this.#at;
      this.value(v);
      buf.writeUInt32LE(this.#written + this.#at - from, lengthAt);
      if (++n % every === 0) yield;
    }
  }

  /** The strings, shapes and frozen values `v` would write first, in the order it would. */
  #collect(v: unknown, found: Found): void {
    if (typeof v === "string") {
      if (!this.#strings.has(v)) found.strings.add(v);
      return;
    }
    if (typeof v !== "object" || v === null) return;
    if (v instanceof Map) {
      for (const [k, x] of v) {
        this.#collect(k, found);
        this.#collect(x, found);
      }
      return;
    }
    const frozen = Object.isFrozen(v);
    if (frozen && (this.#frozen.has(v) || found.frozen.has(v))) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) this.#collect(v[i], found);
    } else {
      const o = v as Record<string, unknown>;
      let node = this.#shapes;
      const keys: string[] = [];
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue;
        keys.push(k);
        let next = node.next?.get(k);
        if (!next) {
          next = { id: -1 };
          node.next ??= new Map();
          node.next.set(k, next);
        }
        node = next;
      }
      if (node.id < 0 && !found.shapes.has(node)) found.shapes.set(node, keys);
      for (const k of keys) this.#collect(o[k], found);
    }
    // After what it holds: written after them, it refers to them.
    if (frozen) found.frozen.add(v);
  }

  /** A Map written as `value` writes it, a step of the generator every `every` entries. */
  *map(m: ReadonlyMap<unknown, unknown>, every: number): Generator<void> {
    this.#byte(MAP);
    this.#varint(m.size);
    let n = 0;
    for (const [k, v] of m) {
      this.value(k);
      this.value(v);
      if (++n % every === 0) yield;
    }
  }

  /** An array written as `value` writes it, a step of the generator every `every` items. */
  *array(a: readonly unknown[], every: number): Generator<void> {
    this.#byte(ARRAY);
    this.#varint(a.length);
    for (let i = 0; i < a.length; i++) {
      this.value(a[i]);
      if ((i + 1) % every === 0) yield;
    }
  }
}

type Shape = {
  keys: string[];
  template: Record<string, unknown>;
  /** Reads an object of the shape as one literal (one hidden class, no copy): see `literal`. */
  read: ((r: PackedReader) => Record<string, unknown>) | undefined;
};

/**
 * An object of these keys read as one object literal, its values read in order: several times
 * faster than a template copied and filled. The keys are written into the code as JSON strings
 * (nothing of them is run); a shape with a key `__proto__` has none (a literal would set the
 * prototype by it): it is read key by key.
 */
function literal(keys: readonly string[]): Shape["read"] {
  if (keys.includes("__proto__")) return undefined;
  const fields = keys.map((k) => `${JSON.stringify(k)}: r.value()`).join(", ");
  return new Function("r", `return { ${fields} };`) as Shape["read"];
}

/** Reads what a `PackedWriter` wrote, value after value; throws on anything else. */
export class PackedReader {
  #buf: Buffer;
  #at = 0;
  /** The strings written so far, by number; `null` for one passed over (`skip`) and not yet read. */
  #strings: (string | null)[] = [];
  /** Where each string was written (its tag): a string passed over is read from there when asked. */
  #stringAt: number[] = [];
  #shapes: Shape[] = [];
  /** Where each shape was written, by its tag's offset: read again, it is not a new one. */
  #shapeAt = new Map<number, number>();
  /** The frozen values written so far, by number; `PASSED` for one passed over and not yet read. */
  #frozen: unknown[] = [];
  /** Where each frozen value was written (its tag), and where it ends. */
  #frozenAt: number[] = [];
  #frozenEnd: number[] = [];
  /** Each frozen value's number, by its tag's offset: read again, it is not a new one. */
  #frozenByOffset = new Map<number, number>();
  /** Reading again a value passed over (`at`): the strings and shapes in it are known already. */
  #again = false;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get done(): boolean {
    return this.#at >= this.#buf.length;
  }

  #varint(): number {
    const buf = this.#buf;
    // Most are one byte.
    const first = buf[this.#at];
    if (first !== undefined && first < 0x80) {
      this.#at++;
      return first;
    }
    let n = 0;
    let scale = 1;
    for (;;) {
      if (this.#at >= buf.length) throw new Error("cut short");
      const b = buf[this.#at++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new Error("integer too long");
    }
  }

  #bytes(n: number): number {
    const from = this.#at;
    if (from + n > this.#buf.length) throw new Error("cut short");
    this.#at = from + n;
    return from;
  }

  #ref<T>(table: T[]): T {
    const i = this.#varint();
    if (i >= table.length) throw new Error("refers to nothing written before");
    return table[i]!;
  }

  #stringRef(): string {
    const i = this.#varint();
    if (i >= this.#strings.length) throw new Error("refers to nothing written before");
    return this.#strings[i] ?? this.#passedOver(i);
  }

  /** A string passed over (`skip`), read where it was written. */
  #passedOver(i: number): string {
    const back = this.#at;
    this.#at = this.#stringAt[i]!;
    const tag = this.#buf[this.#at++];
    const n = this.#varint();
    const from = this.#bytes(n);
    this.#at = back;
    const s = this.#buf.toString(tag === HEX_NEW ? "hex" : "utf8", from, from + n);
    this.#strings[i] = s;
    return s;
  }

  /**
   * Moves past one value without making it: only the strings and shapes it writes first are
   * numbered (a string is read when first asked for). Returns where the value starts, for `at`.
   */
  skip(): number {
    const start = this.#at;
    if (start >= this.#buf.length) throw new Error("cut short");
    const tag = this.#buf[this.#at++];
    switch (tag) {
      case UNDEFINED:
      case NULL:
      case FALSE:
      case TRUE:
        return start;
      case UINT:
      case NEGATIVE:
        this.#varint();
        return start;
      case FLOAT:
        this.#bytes(8);
        return start;
      case STRING_NEW:
      case HEX_NEW:
        this.#bytes(this.#varint());
        this.#strings.push(null);
        this.#stringAt.push(start);
        return start;
      case STRING_REF:
        if (this.#varint() >= this.#strings.length)
          throw new Error("refers to nothing written before");
        return start;
      case ARRAY: {
        const n = this.#varint();
        if (n > this.#buf.length - this.#at) throw new Error("cut short");
        for (let i = 0; i < n; i++) this.skip();
        return start;
      }
      case MAP: {
        const n = this.#varint();
        if (n > this.#buf.length - this.#at) throw new Error("cut short");
        for (let i = 0; i < 2 * n; i++) this.skip();
        return start;
      }
      case SHAPE_NEW: {
        const shape = this.#newShape(start);
        for (let i = 0; i < shape.keys.length; i++) this.skip();
        return start;
      }
      case SHAPE_REF: {
        const shape = this.#ref(this.#shapes);
        for (let i = 0; i < shape.keys.length; i++) this.skip();
        return start;
      }
      case LAZY_MAP: {
        const n = this.#lazyHead();
        this.skip();
        for (let i = 0; i < n; i++) {
          this.skip();
          this.#bytes(this.#length());
        }
        return start;
      }
      case FROZEN_NEW: {
        if (this.#again) {
          this.#at = this.#frozenEnd[this.#frozenNumber(start)]!;
          return start;
        }
        const i = this.#newFrozen(start);
        this.skip();
        this.#frozenEnd[i] = this.#at;
        return start;
      }
      case FROZEN_REF:
        if (this.#varint() >= this.#frozen.length)
          throw new Error("refers to nothing written before");
        return start;
      default:
        throw new Error(`unknown tag ${tag} at byte ${start}`);
    }
  }

  /** A frozen value's number, when written at `start` (its tag). */
  #newFrozen(start: number): number {
    const i = this.#frozen.length;
    this.#frozen.push(PASSED);
    this.#frozenAt.push(start);
    this.#frozenEnd.push(start);
    this.#frozenByOffset.set(start, i);
    return i;
  }

  /** The number of the frozen value written at `start`, read (or passed over) before. */
  #frozenNumber(start: number): number {
    const i = this.#frozenByOffset.get(start);
    if (i === undefined) throw new Error("a frozen value not read before");
    return i;
  }

  /** A frozen value, read at its tag (`start`): made once, the same object wherever referred to. */
  #frozenValue(start: number): unknown {
    if (this.#again) {
      const i = this.#frozenNumber(start);
      const known = this.#frozen[i];
      if (known !== PASSED) {
        this.#at = this.#frozenEnd[i]!;
        return known;
      }
      this.#frozen[i] = READING;
      const v = Object.freeze(this.#shareable(this.value()));
      this.#frozen[i] = v;
      return v;
    }
    const i = this.#newFrozen(start);
    this.#frozen[i] = READING;
    const v = Object.freeze(this.#shareable(this.value()));
    this.#frozen[i] = v;
    this.#frozenEnd[i] = this.#at;
    return v;
  }

  /** What a frozen value's tag may stand before: an array or an object (not a Map, nothing else). */
  #shareable(v: unknown): object {
    if (typeof v !== "object" || v === null || v instanceof Map)
      throw new Error("a frozen value that is not an object or array");
    return v;
  }

  /** A frozen value referred to by number: read where it was written, if it was passed over. */
  #frozenRef(): unknown {
    const i = this.#varint();
    if (i >= this.#frozen.length) throw new Error("refers to nothing written before");
    const v = this.#frozen[i];
    if (v === READING) throw new Error("a frozen value inside itself");
    return v !== PASSED ? v : this.at(this.#frozenAt[i]!);
  }

  /** The value passed over at `start` (`skip`), read now; the reader's place is kept. */
  at(start: number): unknown {
    const back = this.#at;
    const again = this.#again;
    this.#at = start;
    this.#again = true;
    try {
      return this.value();
    } finally {
      this.#at = back;
      this.#again = again;
    }
  }

  /**
   * A Map's entries put into `target` (cleared first), as `value` reads them; with `lazy`, each
   * value is passed over (`skip`) and put as where it is, which its map reads when asked for.
   */
  mapInto(target: Map<unknown, unknown>, lazy?: boolean): void {
    if (lazy && !(target instanceof LazyMap)) throw new Error("read lazily into a plain Map");
    const tag = this.#buf[this.#at];
    if (tag !== LAZY_MAP) {
      if (tag !== MAP) throw new Error("not a map");
      this.#at++;
      const n = this.#varint();
      if (n > this.#buf.length - this.#at) throw new Error("cut short");
      if (lazy) (target as LazyMap<unknown, unknown>).readFrom(this);
      else target.clear();
      for (let i = 0; i < n; i++) {
        const k = this.value();
        if (lazy) (target as LazyMap<unknown, unknown>).passedOver(k, this.skip());
        else target.set(k, this.value());
      }
      if (target.size !== n) throw new Error("a key written twice");
      return;
    }
    this.#at++;
    const n = this.#lazyHead();
    // The strings, shapes and frozen values first: numbered, each read when first asked for.
    this.skip();
    if (lazy) (target as LazyMap<unknown, unknown>).readFrom(this);
    else target.clear();
    for (let i = 0; i < n; i++) {
      const k = this.value();
      const length = this.#length();
      if (lazy) {
        // Passed over: its bytes are all there (a value longer than them is refused when read).
        const from = this.#bytes(length);
        (target as LazyMap<unknown, unknown>).passedOver(k, from);
      } else target.set(k, this.value());
    }
    if (target.size !== n) throw new Error("a key written twice");
  }

  /** A lazy map's size (its tag read). */
  #lazyHead(): number {
    const n = this.#varint();
    if (n > this.#buf.length - this.#at) throw new Error("cut short");
    return n;
  }

  /** A lazy map's value's byte length. */
  #length(): number {
    const from = this.#bytes(4);
    return this.#buf.readUInt32LE(from);
  }

  /** The keys of a shape written at `start` (its tag), numbered; or known, read again. */
  #newShape(start: number): Shape {
    const n = this.#varint();
    if (n > this.#buf.length - this.#at) throw new Error("cut short");
    const keys: string[] = [];
    for (let i = 0; i < n; i++) keys.push(this.#key());
    if (this.#again) {
      const known = this.#shapeAt.get(start);
      if (known === undefined) throw new Error("a shape not read before");
      return this.#shapes[known]!;
    }
    // Defined, not assigned: a key `__proto__` is a key like another (copied as such, and
    // then assigned as an own property, not the prototype).
    const template: Record<string, unknown> = {};
    for (const k of keys)
      if (k === "__proto__")
        Object.defineProperty(template, k, {
          value: undefined,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else template[k] = undefined;
    const shape = { keys, template, read: literal(keys) };
    this.#shapeAt.set(start, this.#shapes.length);
    this.#shapes.push(shape);
    return shape;
  }

  #key(): string {
    const k = this.value();
    if (typeof k !== "string") throw new Error("a key that is not a string");
    return k;
  }

  value(): unknown {
    const start = this.#at;
    if (start >= this.#buf.length) throw new Error("cut short");
    const tag = this.#buf[this.#at++];
    switch (tag) {
      case UNDEFINED:
        return undefined;
      case NULL:
        return null;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case UINT:
        return this.#varint();
      case NEGATIVE:
        return -this.#varint();
      case FLOAT:
        return this.#buf.readDoubleLE(this.#bytes(8));
      case STRING_NEW: {
        const n = this.#varint();
        const from = this.#bytes(n);
        const s = this.#buf.toString("utf8", from, from + n);
        if (!this.#again) {
          this.#strings.push(s);
          this.#stringAt.push(start);
        }
        return s;
      }
      case HEX_NEW: {
        const n = this.#varint();
        const from = this.#bytes(n);
        const s = this.#buf.toString("hex", from, from + n);
        if (!this.#again) {
          this.#strings.push(s);
          this.#stringAt.push(start);
        }
        return s;
      }
      case STRING_REF:
        return this.#stringRef();
      case ARRAY: {
        const n = this.#varint();
        if (n > this.#buf.length - this.#at) throw new Error("cut short");
        const a = new Array(n);
        for (let i = 0; i < n; i++) a[i] = this.value();
        return a;
      }
      case MAP: {
        const n = this.#varint();
        if (n > this.#buf.length - this.#at) throw new Error("cut short");
        const m = new Map();
        for (let i = 0; i < n; i++) {
          const k = this.value();
          m.set(k, this.value());
        }
        return m;
      }
      case SHAPE_NEW:
        return this.#object(this.#newShape(start));
      case LAZY_MAP: {
        const n = this.#lazyHead();
        this.value();
        const m = new Map();
        for (let i = 0; i < n; i++) {
          const k = this.value();
          this.#bytes(4);
          m.set(k, this.value());
        }
        return m;
      }
      case SHAPE_REF:
        return this.#object(this.#ref(this.#shapes));
      case FROZEN_NEW:
        return this.#frozenValue(start);
      case FROZEN_REF:
        return this.#frozenRef();
      default:
        throw new Error(`unknown tag ${tag} at byte ${this.#at - 1}`);
    }
  }

  /** An object of a shape: its template copied (keys in order, one hidden class), then filled. */
  #object(shape: Shape): Record<string, unknown> {
    if (shape.read) return shape.read(this);
    const o: Record<string, unknown> = { ...shape.template };
    const keys = shape.keys;
    for (let i = 0; i < keys.length; i++) o[keys[i]!] = this.value();
    return o;
  }
}

/** A frozen value numbered but not read yet (passed over). */
const PASSED: unique symbol = Symbol("passed over");
/** A frozen value being read: one that refers to itself is refused. */
const READING: unique symbol = Symbol("being read");

/** A number put into a `LazyMap`, boxed: a bare number there is a value not read yet. */
class Boxed {
  constructor(readonly value: number) {}
}

/** A value as a `LazyMap` keeps it. */
const kept = (v: unknown): unknown => (typeof v === "number" ? new Boxed(v) : v);

/**
 * A Map whose values may not be read yet (`PackedReader.mapInto`, lazy): each is read the first
 * time it is asked for (by key, or in going through the map), then kept. Otherwise a Map: its
 * order, size and keys are there from the start. A value not read yet is kept as where its
 * reader passed over it, a bare number (no object for each of a quarter of a million); a
 * number put in is kept boxed.
 */
export class LazyMap<K, V> extends Map<K, V> {
  /** Values not read yet. */
  #pending = 0;
  /** Where the values not read yet are. */
  #reader: PackedReader | undefined;

  #read(k: K, v: V): V {
    if (typeof v === "number") {
      const read = this.#reader!.at(v) as V;
      super.set(k, kept(read) as V);
      this.#pending--;
      return read;
    }
    return v instanceof Boxed ? (v.value as V) : v;
  }

  /** Emptied, to take values `reader` passes over (`passedOver`). */
  readFrom(reader: PackedReader): void {
    this.clear();
    this.#reader = reader;
  }

  /**
   * A value its reader passed over at `at`, put under a key not in the map (`PackedReader.mapInto`,
   * a quarter of a million at a start): `set` without its checks.
   */
  passedOver(k: K, at: number): void {
    this.#pending++;
    super.set(k, at as V);
  }

  override set(k: K, v: V): this {
    if (this.#pending > 0 && typeof super.get(k) === "number") this.#pending--;
    return super.set(k, kept(v) as V);
  }

  override delete(k: K): boolean {
    if (this.#pending > 0 && typeof super.get(k) === "number") this.#pending--;
    return super.delete(k);
  }

  override clear(): void {
    this.#pending = 0;
    this.#reader = undefined;
    super.clear();
  }

  /** How many values are not read yet. */
  get pending(): number {
    return this.#pending;
  }

  override get(k: K): V | undefined {
    const v = super.get(k);
    return v === undefined ? v : this.#read(k, v);
  }

  override *entries(): MapIterator<[K, V]> {
    for (const [k, v] of super.entries()) yield [k, this.#read(k, v)];
  }

  override *values(): MapIterator<V> {
    for (const [k, v] of super.entries()) yield this.#read(k, v);
  }

  override [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  override forEach(fn: (v: V, k: K, m: Map<K, V>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  /**
   * Reads up to `n` values not read yet (the first ones still pending): to read them all a
   * little at a time, between other work. Answers how many are left.
   */
  readSome(n: number): number {
    if (this.#pending === 0) return 0;
    // Where the last call stopped (a Map's iterator goes on past changes made meanwhile).
    this.#cursor ??= super.entries();
    let wrapped = false;
    for (let left = n; left > 0; ) {
      const next = this.#cursor.next();
      if (next.done) {
        this.#cursor = super.entries();
        if (wrapped) break;
        wrapped = true;
        continue;
      }
      const [k, v] = next.value;
      if (typeof v !== "number") continue;
      this.#read(k, v);
      left--;
      if (this.#pending === 0) break;
    }
    return this.#pending;
  }

  #cursor: MapIterator<[K, V]> | undefined;
}
