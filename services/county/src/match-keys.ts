import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { oprfKeysFromSeed } from "@liandong/runtime";

/** The comparison service's probe port on loopback (`fixed` ports). */
export const COMPARISON_PORT = 7190;

/** The agencies that hold registers of people (数据比对) and are given the tag key. */
export const MATCH_HOLDERS: readonly string[] = ["health", "family-planning"];

/**
 * The keys of 数据比对, made when the county is first set up and kept: the comparison service's
 * OPRF seed (its file is given to that service only), and the holders' tag key (given to the
 * holders of registers of people only). With both, a party could name a pseudonym by guessing
 * ID numbers; nobody is given both.
 */
export function ensureMatchKeys(secrets: string): {
  oprfKeyFile: string;
  tagKeyFile: string;
  /** The comparison service's OPRF public key (hex): the key the agencies pin its proofs to. */
  oprfPublicKey: string;
} {
  const make = (name: string) => {
    const file = join(secrets, name);
    if (!existsSync(file))
      writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    return file;
  };
  const oprfKeyFile = make("comparison-oprf.key");
  const seed = Buffer.from(readFileSync(oprfKeyFile, "utf8").trim(), "hex");
  return {
    oprfKeyFile,
    tagKeyFile: make("match-tag.key"),
    oprfPublicKey: Buffer.from(oprfKeysFromSeed(seed).publicKey).toString("hex"),
  };
}
