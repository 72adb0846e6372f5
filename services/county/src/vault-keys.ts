import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { CountyConfig } from "@liandong/contracts";
import { ensureVaultKeyFile } from "@liandong/runtime";

/** Where the agencies' vault keys live: a folder of their own among the secrets (0700). */
export const vaultDir = (secrets: string) => join(secrets, "vault");

/**
 * One vault key file per agency (not the office, which holds no informant), made once (mode
 * 0600) and kept, in a folder of that agency's own (`vault/<agency>/key.json`, 0700): each is
 * given to that agency's service only (`LIANDONG_VAULT_KEY_FILE`; compose mounts the folder,
 * writable, since the service rewrites the file as it rotates), never to the bus. Answers
 * each agency's file.
 */
export function ensureVaultKeys(
  secrets: string,
  agencies: CountyConfig["agencies"],
): Record<string, string> {
  const dir = vaultDir(secrets);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const files: Record<string, string> = {};
  for (const a of agencies) {
    if (a.role !== "agency") continue;
    const own = join(dir, a.code);
    mkdirSync(own, { recursive: true, mode: 0o700 });
    chmodSync(own, 0o700);
    const file = join(own, "key.json");
    ensureVaultKeyFile(file);
    files[a.code] = file;
  }
  return files;
}
