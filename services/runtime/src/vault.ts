import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { z } from "zod";

/**
 * An agency's vault keys (保密库密钥): what it wraps the data key of each secret it keeps with.
 * They live outside the bus (a file in the county's secrets, given to that agency's service
 * only), never in a bucket or a stream. Rotation makes a new key current and keeps the old ones
 * until every data key is wrapped again (`retire`).
 */
export interface VaultKeyring {
  /** The key new data keys are wrapped with. */
  current(): { id: string; key: Buffer };
  /** A key by its id, while it is held. */
  key(id: string): Buffer | undefined;
  /** The ids of the keys held, the current one among them. */
  ids(): string[];
  /** Makes a new key current, keeping the others until `retire`; answers its id. */
  rotate(): string;
  /** Destroys every key but the current one. */
  retire(): void;
}

/** A secret under its own data key, the data key wrapped with a vault key (envelope encryption). */
export type SealedBox = {
  v: 1;
  alg: "A256GCM";
  /** The vault key that wraps the data key. */
  keyId: string;
  /** The data key under the vault key: nonce ‖ ciphertext ‖ tag, base64. */
  wrappedKey: string;
  /** The nonce of the secret under the data key, base64. */
  nonce: string;
  /** The secret under the data key: ciphertext ‖ tag, base64. */
  ciphertext: string;
};

export const SealedBox = z.object({
  v: z.literal(1),
  alg: z.literal("A256GCM"),
  keyId: z.string().min(1),
  wrappedKey: z.string().min(1),
  nonce: z.string().min(1),
  ciphertext: z.string().min(1),
});

/** The key file's content: the current key's id and every key held, base64. */
const KeyFile = z.object({
  current: z.string().min(1),
  keys: z.record(z.string(), z.string()),
});
type KeyFile = z.infer<typeof KeyFile>;

export class VaultError extends Error {}

const newKeyId = () => `vk_${randomBytes(8).toString("hex")}`;

/** A new key file's content (JSON): one fresh 256-bit key, current. */
export function newVaultKeyFile(): string {
  const id = newKeyId();
  return `${JSON.stringify({ current: id, keys: { [id]: randomBytes(32).toString("base64") } })}\n`;
}

/** Writes a fresh vault key file at `path` (mode 0600) unless one is there; the mode fixed either way. */
export function ensureVaultKeyFile(path: string): void {
  if (!existsSync(path)) writeFileSync(path, newVaultKeyFile(), { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
}

class Keyring implements VaultKeyring {
  #file: KeyFile;
  readonly #save: (f: KeyFile) => void;

  constructor(file: KeyFile, save: (f: KeyFile) => void) {
    if (!file.keys[file.current]) throw new VaultError("the current vault key is missing");
    for (const [id, k] of Object.entries(file.keys))
      if (Buffer.from(k, "base64").length !== 32)
        throw new VaultError(`vault key ${id} is not 256 bits`);
    this.#file = file;
    this.#save = save;
  }

  current() {
    const id = this.#file.current;
    return { id, key: Buffer.from(this.#file.keys[id]!, "base64") };
  }

  key(id: string) {
    const k = this.#file.keys[id];
    return k === undefined ? undefined : Buffer.from(k, "base64");
  }

  ids() {
    return Object.keys(this.#file.keys);
  }

  rotate() {
    const id = newKeyId();
    const next = {
      current: id,
      keys: { ...this.#file.keys, [id]: randomBytes(32).toString("base64") },
    };
    // Saved before it is used: no data key is wrapped with a key that could be lost.
    this.#save(next);
    this.#file = next;
    return id;
  }

  retire() {
    const { current } = this.#file;
    const next = { current, keys: { [current]: this.#file.keys[current]! } };
    this.#save(next);
    this.#file = next;
  }
}

/** The keys in a file (`newVaultKeyFile`), rewritten in place (mode 0600) as they rotate. */
export function fileKeyring(path: string): VaultKeyring {
  const parsed = KeyFile.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success) throw new VaultError(`保密库密钥文件 ${path} 格式有误`);
  return new Keyring(parsed.data, (f) => {
    // Written aside then renamed over: a crash leaves the old file or the new one, whole.
    const aside = `${path}.${process.pid}.tmp`;
    writeFileSync(aside, `${JSON.stringify(f)}\n`, { mode: 0o600 });
    renameSync(aside, path);
  });
}

/** Keys held in memory only (tests, the county in memory). */
export function memoryKeyring(): VaultKeyring {
  return new Keyring(JSON.parse(newVaultKeyFile()) as KeyFile, () => {});
}

const NONCE = 12;
const TAG = 16;

function gcmSeal(key: Buffer, plain: Uint8Array, aad: string): { nonce: Buffer; sealed: Buffer } {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(Buffer.from(aad, "utf8"));
  const sealed = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  return { nonce, sealed };
}

function gcmOpen(key: Buffer, nonce: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < TAG) throw new VaultError("sealed data too short");
  const d = createDecipheriv("aes-256-gcm", key, nonce);
  d.setAAD(Buffer.from(aad, "utf8"));
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - TAG)), d.final()]);
  } catch {
    throw new VaultError("sealed data does not open: altered, or not bound to this context");
  }
}

// What each ciphertext is bound to: the context (e.g. the agency and the file) and its role.
const dataAad = (context: string) => `liandong/vault/v1/data\u0000${context}`;
const keyAad = (context: string, keyId: string) =>
  `liandong/vault/v1/key\u0000${context}\u0000${keyId}`;

function wrap(keyring: VaultKeyring, dataKey: Buffer, context: string) {
  const { id, key } = keyring.current();
  const { nonce, sealed } = gcmSeal(key, dataKey, keyAad(context, id));
  return { keyId: id, wrappedKey: Buffer.concat([nonce, sealed]).toString("base64") };
}

function unwrap(keyring: VaultKeyring, box: SealedBox, context: string): Buffer {
  const key = keyring.key(box.keyId);
  if (!key) throw new VaultError(`vault key ${box.keyId} is not held`);
  const raw = Buffer.from(box.wrappedKey, "base64");
  return gcmOpen(key, raw.subarray(0, NONCE), raw.subarray(NONCE), keyAad(context, box.keyId));
}

/**
 * Seals `plain` under a fresh random data key (AES-256-GCM), the data key wrapped with the
 * current vault key (AES-256-GCM). Both are bound to `context`: a box moved to another file
 * does not open.
 */
export function sealSecret(keyring: VaultKeyring, plain: Uint8Array, context: string): SealedBox {
  const dataKey = randomBytes(32);
  try {
    const { nonce, sealed } = gcmSeal(dataKey, plain, dataAad(context));
    return {
      v: 1,
      alg: "A256GCM",
      ...wrap(keyring, dataKey, context),
      nonce: nonce.toString("base64"),
      ciphertext: sealed.toString("base64"),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** The secret a box holds; a `VaultError` when its vault key is gone or it was altered. */
export function openSecret(keyring: VaultKeyring, box: SealedBox, context: string): Buffer {
  const dataKey = unwrap(keyring, box, context);
  try {
    return gcmOpen(
      dataKey,
      Buffer.from(box.nonce, "base64"),
      Buffer.from(box.ciphertext, "base64"),
      dataAad(context),
    );
  } finally {
    dataKey.fill(0);
  }
}

/** The box with its data key wrapped again with the current vault key; the secret untouched. */
export function rewrapSecret(keyring: VaultKeyring, box: SealedBox, context: string): SealedBox {
  if (box.keyId === keyring.current().id) return box;
  const dataKey = unwrap(keyring, box, context);
  try {
    return { ...box, ...wrap(keyring, dataKey, context) };
  } finally {
    dataKey.fill(0);
  }
}
