import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createUser, fromSeed } from "@nats-io/nkeys";

export type Identity = { name: string; publicKey: string; seedFile: string };

/**
 * A county's NATS identities (README, 审计 › 身份与权限). Everyday ones: each agency's (the office
 * is one), `admin` (the launcher's provisioning, the operator's inspection), `auditor` (reads
 * the log, nothing else: `liandong export`/`verify`) and `keeper` (restarts a region link's
 * stuck sources). None of them can delete, purge or reconfigure a stream of the record; only
 * `breakGlass` can, and its seed is kept apart from the others.
 */
export type Identities = {
  admin: Identity;
  auditor: Identity;
  keeper: Identity;
  breakGlass: Identity;
  /** The comparison service (数据比对): evaluates blinded identities, records each request. */
  comparison: Identity;
  agencies: Record<string, Identity>;
};

/** Identities that are not an agency's: their names may not be taken by an agency's code. */
export const OPERATOR_IDENTITIES = [
  "admin",
  "auditor",
  "keeper",
  "break-glass",
  "comparison",
] as const;

/** Where the break-glass seed lives: a folder of its own among the secrets, mounted nowhere. */
export const breakGlassDir = (secrets: string) => join(secrets, "break-glass");

export function readSeed(seedFile: string): Uint8Array {
  return new TextEncoder().encode(readFileSync(seedFile, "utf8").trim());
}

function ensure(dir: string, name: string): Identity {
  const seedFile = join(dir, `${name}.nk`);
  if (!existsSync(seedFile)) {
    writeFileSync(seedFile, `${new TextDecoder().decode(createUser().getSeed())}\n`, {
      mode: 0o600,
    });
  }
  chmodSync(seedFile, 0o600);
  return { name, publicKey: fromSeed(readSeed(seedFile)).getPublicKey(), seedFile };
}

/**
 * One NATS nkey identity per agency, and the operators' (see `Identities`). Seeds stay in
 * `dir` (git-ignored, mode 0600) and are reused, so identities survive restarts. The
 * break-glass seed goes to `dir/break-glass/`, a folder of its own (0700) that no service and
 * no compose container is given.
 */
export async function ensureIdentities(
  dir: string,
  agencies: readonly string[],
): Promise<Identities> {
  const taken = agencies.filter((a) => (OPERATOR_IDENTITIES as readonly string[]).includes(a));
  if (taken.length > 0) throw new Error(`部门代码与运维身份重名：${taken.join("、")}`);
  const apart = breakGlassDir(dir);
  mkdirSync(apart, { recursive: true, mode: 0o700 });
  chmodSync(apart, 0o700);
  return {
    admin: ensure(dir, "admin"),
    auditor: ensure(dir, "auditor"),
    keeper: ensure(dir, "keeper"),
    breakGlass: ensure(apart, "break-glass"),
    comparison: ensure(dir, "comparison"),
    agencies: Object.fromEntries(agencies.map((a) => [a, ensure(dir, a)])),
  };
}
