// The `liandong` command-line tool, as an operator or an auditor runs it: a process of its own.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT } from "./county.ts";

const run = promisify(execFile);

/** Runs `liandong <args>`; its exit code and what it wrote on stdout (a failure is a code, not a throw). */
export async function liandong(args: string[]): Promise<{ code: number; stdout: string }> {
  const r = await run(
    process.execPath,
    ["--import", "tsx", join(ROOT, "services/cli/src/main.ts"), ...args],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  ).catch((err: { code: number; stdout: string }) => err);
  return { code: "code" in r && typeof r.code === "number" ? r.code : 0, stdout: r.stdout };
}
