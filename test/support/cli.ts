// The `liandong` command-line tool, as an operator or an auditor runs it: a process of its own.
// Its source bundled by the county's build (services/county/build.mjs, `liandong.mjs` beside the
// services) and run with plain node: through tsx each run cost ≈ 2 s of CPU compiling the same
// sources again. test/cli.e2e runs the shipped entry point (services/cli/bin) itself.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { ensureBuilt } from "../../services/county/build.mjs";
import { ROOT } from "./county.ts";

const run = promisify(execFile);

/** The build, looked up once for the test file (each look hashes every source). */
let built: Promise<string> | undefined;

/** `node <build>/liandong.mjs`: the command and its first arguments, before the CLI's own. */
export async function cliCommand(): Promise<[string, string[]]> {
  built ??= ensureBuilt(ROOT);
  return [process.execPath, [join(await built, "liandong.mjs")]];
}

/** Runs `liandong <args>`; its exit code and what it wrote on stdout (a failure is a code, not a throw). */
export async function liandong(args: string[]): Promise<{ code: number; stdout: string }> {
  const [cmd, first] = await cliCommand();
  const r = await run(cmd, [...first, ...args], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { code: number; stdout: string }) => err);
  return { code: "code" in r && typeof r.code === "number" ? r.code : 0, stdout: r.stdout };
}
