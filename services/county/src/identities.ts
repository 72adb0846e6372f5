import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createUser, fromSeed } from "@nats-io/nkeys";

export type Identity = { name: string; publicKey: string; seedFile: string };
export type Identities = { admin: Identity; agencies: Record<string, Identity> };

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
 * One NATS nkey identity per agency (and `admin` for provisioning and audits). Seeds stay in
 * `dir` (git-ignored, mode 0600) and are reused, so identities survive restarts.
 */
export async function ensureIdentities(
  dir: string,
  agencies: readonly string[],
): Promise<Identities> {
  return {
    admin: ensure(dir, "admin"),
    agencies: Object.fromEntries(agencies.map((a) => [a, ensure(dir, a)])),
  };
}
