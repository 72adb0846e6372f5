import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { type OprfKeys, oprfKeysFromSeed } from "@liandong/runtime";

/**
 * The comparison service's OPRF key: a 32-byte seed in a file of its own (mode 0600), made at
 * its first start (or by the county's setup: the launcher, docker-compose.yml's init) and kept,
 * so that pseudonyms stay the same across restarts. Only this service is given the file.
 */
export function ensureOprfKey(path: string): OprfKeys {
  if (!existsSync(path))
    writeFileSync(path, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  // Only when needed: under docker-compose.yml the file is a read-only secret init made 0600.
  if ((statSync(path).mode & 0o777) !== 0o600) chmodSync(path, 0o600);
  const hex = readFileSync(path, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`比对密钥文件格式不对：${path}`);
  return oprfKeysFromSeed(Buffer.from(hex, "hex"));
}
