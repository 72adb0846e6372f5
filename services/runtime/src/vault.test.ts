import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import {
  ensureVaultKeyFile,
  fileKeyring,
  memoryKeyring,
  openSecret,
  rewrapSecret,
  SealedBox,
  sealSecret,
  VaultError,
} from "./vault.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("a secret sealed in the vault", () => {
  it("opens to what was sealed, in its own context only, and shows nothing of it", () => {
    const keyring = memoryKeyring();
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), fc.string(), (secret, ctx, other) => {
        const box = sealSecret(keyring, bytes(secret), ctx);
        expect(SealedBox.parse(box)).toEqual(box);
        expect(text(openSecret(keyring, box, ctx))).toBe(secret);
        if (secret.length >= 4) expect(JSON.stringify(box)).not.toContain(secret);
        if (other !== ctx) expect(() => openSecret(keyring, box, other)).toThrow(VaultError);
      }),
    );
  });

  it("uses a fresh data key and nonce each time", () => {
    const keyring = memoryKeyring();
    const a = sealSecret(keyring, bytes("陈某某"), "f1");
    const b = sealSecret(keyring, bytes("陈某某"), "f1");
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it("refuses a box altered anywhere, or one whose vault key is not held", () => {
    const keyring = memoryKeyring();
    const box = sealSecret(keyring, bytes("44172319900202456X"), "f1");
    for (const field of ["wrappedKey", "nonce", "ciphertext"] as const) {
      const raw = Buffer.from(box[field], "base64");
      raw[raw.length - 1]! ^= 1;
      const altered = { ...box, [field]: raw.toString("base64") };
      expect(() => openSecret(keyring, altered, "f1"), field).toThrow(VaultError);
    }
    expect(() => openSecret(memoryKeyring(), box, "f1")).toThrow(/not held/);
    // The key id is bound too: a box cannot claim another key of the ring.
    const other = keyring.rotate();
    expect(() => openSecret(keyring, { ...box, keyId: other }, "f1")).toThrow(VaultError);
  });

  it("opens after rotation once re-wrapped, and never again with the old key retired unwrapped", () => {
    const keyring = memoryKeyring();
    const first = keyring.current().id;
    const kept = sealSecret(keyring, bytes("甲"), "kept");
    const left = sealSecret(keyring, bytes("乙"), "left");
    const second = keyring.rotate();
    expect(second).not.toBe(first);
    expect(keyring.ids().sort()).toEqual([first, second].sort());
    // Until retired, both open.
    expect(text(openSecret(keyring, left, "left"))).toBe("乙");
    const rewrapped = rewrapSecret(keyring, kept, "kept");
    expect(rewrapped.keyId).toBe(second);
    expect(rewrapped.ciphertext).toBe(kept.ciphertext);
    expect(rewrapped.wrappedKey).not.toBe(kept.wrappedKey);
    expect(rewrapSecret(keyring, rewrapped, "kept")).toBe(rewrapped);
    keyring.retire();
    expect(keyring.ids()).toEqual([second]);
    expect(text(openSecret(keyring, rewrapped, "kept"))).toBe("甲");
    expect(() => openSecret(keyring, left, "left")).toThrow(VaultError);
    expect(() => openSecret(keyring, kept, "kept")).toThrow(VaultError);
  });
});

describe("a vault key file", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is made once, mode 0600, and keeps its rotations across a restart", () => {
    dir = mkdtempSync(join(tmpdir(), "liandong-vault-"));
    const path = join(dir, "health.json");
    ensureVaultKeyFile(path);
    const made = readFileSync(path, "utf8");
    ensureVaultKeyFile(path);
    expect(readFileSync(path, "utf8")).toBe(made);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const keyring = fileKeyring(path);
    const box = sealSecret(keyring, bytes("13700001111"), "f");
    const next = keyring.rotate();
    const moved = rewrapSecret(keyring, box, "f");
    keyring.retire();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = fileKeyring(path);
    expect(again.current().id).toBe(next);
    expect(again.ids()).toEqual([next]);
    expect(text(openSecret(again, moved, "f"))).toBe("13700001111");
    expect(() => openSecret(again, box, "f")).toThrow(VaultError);
  });
});
