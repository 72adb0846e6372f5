import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { CountyLockedError, type LockHolder, lockStateDir } from "./state-lock.ts";

const dirs: string[] = [];
const procs: ChildProcess[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill("SIGKILL");
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function stateDir() {
  const d = mkdtempSync(join(tmpdir(), "liandong-lock-"));
  dirs.push(d);
  return d;
}

/** A process that runs until killed, in a process group of its own (as the launcher's children). */
async function sleeper(): Promise<ChildProcess> {
  const p = spawn("sleep", ["600"], { detached: true, stdio: "ignore" });
  procs.push(p);
  await once(p, "spawn");
  return p;
}

const hold = (dir: string, holder: LockHolder) =>
  writeFileSync(join(dir, "county.lock"), JSON.stringify(holder));

it("a second launcher on a folder a live launcher holds is refused, naming its process", async () => {
  const dir = stateDir();
  const other = await sleeper();
  hold(dir, {
    pid: other.pid!,
    command: "sleep 600",
    started: "2026-01-01T00:00:00Z",
    children: [],
  });
  const refusal = await lockStateDir(dir, { waitMs: 0 }).catch((e) => e);
  expect(refusal).toBeInstanceOf(CountyLockedError);
  expect(refusal.message).toContain(`进程 ${other.pid}（sleep 600）`);
  expect(refusal.message).toContain(dir);
});

it("a lock whose launcher is gone, with nothing it started left running, is taken over", async () => {
  const dir = stateDir();
  const gone = await sleeper();
  gone.kill("SIGKILL");
  await once(gone, "exit");
  hold(dir, {
    pid: gone.pid!,
    command: "sleep 600",
    started: "2026-01-01T00:00:00Z",
    children: [],
  });
  const lock = await lockStateDir(dir, { waitMs: 0 });
  const now = JSON.parse(readFileSync(lock.file, "utf8")) as LockHolder;
  expect(now.pid).toBe(process.pid);
  lock.child("nats-server", 4242);
  expect(JSON.parse(readFileSync(lock.file, "utf8")).children).toEqual([
    { name: "nats-server", pgid: 4242 },
  ]);
  lock.release();
  expect(existsSync(lock.file)).toBe(false);
});

it("a pid reused by another program does not hold the folder", async () => {
  const dir = stateDir();
  const unrelated = await sleeper();
  hold(dir, {
    pid: unrelated.pid!,
    command: "node --import tsx services/county/src/main.ts",
    started: "2026-01-01T00:00:00Z",
    children: [],
  });
  const lock = await lockStateDir(dir, { waitMs: 0 });
  lock.release();
});

it("what a killed launcher left still running is waited for, then named", async () => {
  const dir = stateDir();
  const orphan = await sleeper();
  const said: string[] = [];
  hold(dir, {
    pid: 2 ** 22 + 1,
    command: "gone",
    started: "2026-01-01T00:00:00Z",
    children: [{ name: "nats-server", pgid: orphan.pid! }],
  });
  const refusal = await lockStateDir(dir, { waitMs: 300, say: (l) => said.push(l) }).catch(
    (e) => e,
  );
  expect(refusal).toBeInstanceOf(CountyLockedError);
  expect(refusal.message).toContain(`nats-server（进程组 ${orphan.pid}）`);
  expect(said).toEqual(["等待上次运行留下的进程退出…"]);
  // Once it has stopped (as its lifeline makes it), the folder is free.
  const waiting = lockStateDir(dir, { waitMs: 60_000 });
  orphan.kill("SIGTERM");
  const lock = await waiting;
  lock.release();
});
