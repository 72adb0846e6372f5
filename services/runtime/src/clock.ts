import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";

/** Time and ids are injected so that tests and replays can fix them. */
export type Clock = () => Date;
export type IdSource = () => string;

export const systemClock: Clock = () => new Date();
export const randomIds: IdSource = () => randomUUID();

/**
 * A clock shared by every process of a county for drills and tests (`LIANDONG_CLOCK_FILE`):
 * the file holds an offset in milliseconds added to the system time, re-read every
 * `refreshMs`. A missing or unreadable file means no offset; time never runs backwards.
 */
export function fileClock(path: string, refreshMs = 100): Clock & { stop(): void } {
  let offset = 0;
  let last = 0;
  const read = () => {
    try {
      const n = Number(readFileSync(path, "utf8").trim());
      offset = Number.isFinite(n) ? n : 0;
    } catch {
      offset = 0;
    }
  };
  read();
  const timer = setInterval(read, refreshMs);
  timer.unref();
  const clock = () => {
    last = Math.max(last, Date.now() + offset);
    return new Date(last);
  };
  return Object.assign(clock, { stop: () => clearInterval(timer) });
}
