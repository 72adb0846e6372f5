import { memoryKeyring, openSecret, rewrapSecret, sealSecret } from "@liandong/runtime";
import type { Figure } from "./run.ts";

/**
 * The informant vault's crypto (services/runtime/src/vault.ts), in memory: sealing `identities`
 * identities (a fresh data key each, wrapped with the vault key), opening each, and a rotation's
 * re-wrapping of every data key. Without the bucket's writes, which a rotation adds one of per file.
 */
export function vaultBench(opts: {
  identities: number;
  log: (s: string) => void;
}): Record<string, Figure> {
  const keyring = memoryKeyring();
  const identity = new TextEncoder().encode(
    JSON.stringify({ name: "陈某某", phone: "13700001111", idNumber: "44172319900202456X" }),
  );
  const n = opts.identities;
  const ctx = (i: number) => `informant\u0000family-planning\u0000inf_${i}`;
  const time = (work: () => void) => {
    const t = process.hrtime.bigint();
    work();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const boxes: ReturnType<typeof sealSecret>[] = [];
  const sealMs = time(() => {
    for (let i = 0; i < n; i++) boxes.push(sealSecret(keyring, identity, ctx(i)));
  });
  const openMs = time(() => {
    for (let i = 0; i < n; i++) openSecret(keyring, boxes[i]!, ctx(i));
  });
  keyring.rotate();
  const rewrapMs = time(() => {
    for (let i = 0; i < n; i++) boxes[i] = rewrapSecret(keyring, boxes[i]!, ctx(i));
  });
  keyring.retire();
  const us = (ms: number) => Math.round((ms * 1000 * 10) / n) / 10;
  opts.log(
    `保密库：封存 ${us(sealMs)} µs/人，解密 ${us(openMs)} µs/人，轮换 ${n} 个数据密钥 ${Math.round(rewrapMs)} ms`,
  );
  return {
    vault_seal_us: { value: us(sealMs), unit: "µs per identity" },
    vault_open_us: { value: us(openMs), unit: "µs per identity" },
    vault_rewrap_ms: { value: Math.round(rewrapMs * 10) / 10, unit: `ms per ${n} data keys` },
  };
}
