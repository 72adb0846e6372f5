import { describe, expect, it } from "vitest";
import { KeyedLock } from "./keyed-lock.ts";

/** A promise and the function that settles it, for work the test finishes when it chooses. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { opened, open };
}

describe("a keyed lock", () => {
  it("runs work on one key one at a time, in order, and work on another key meanwhile", async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const first = gate();
    const a1 = lock.run("a", async () => {
      order.push("a1 start");
      await first.opened;
      order.push("a1 end");
    });
    const a2 = lock.run("a", async () => {
      order.push("a2");
    });
    await lock.run("b", async () => {
      order.push("b");
    });
    first.open();
    await Promise.all([a1, a2]);
    expect(order).toEqual(["a1 start", "b", "a1 end", "a2"]);
  });

  it("goes on with the next work on a key after one fails, and answers each its own result", async () => {
    const lock = new KeyedLock();
    const failed = lock.run("a", async () => {
      throw new Error("refused");
    });
    const next = lock.run("a", async () => 42);
    await expect(failed).rejects.toThrow("refused");
    await expect(next).resolves.toBe(42);
  });
});
