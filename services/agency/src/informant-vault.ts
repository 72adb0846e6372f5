import type { InformantDetails } from "@liandong/contracts";
import {
  type Logger,
  openSecret,
  ProblemError,
  rewrapSecret,
  SealedBox,
  sealSecret,
  type VaultKeyring,
} from "@liandong/runtime";
import type { DeskStore, SealedInformant } from "./desk-store.ts";

/** Who the informant is: what is sealed, never stored as it was entered. */
export type InformantIdentity = Pick<InformantDetails, "name" | "phone" | "idNumber">;

/** Who destroyed an identity, when, why. */
export type Destruction = { by: string; at: string; reason: string };

export type Unsealed =
  | { identity: InformantIdentity }
  | { destroyed: Destruction }
  | { missing: true };

/**
 * Lets sealing go on side by side, and a rotation alone: no data key is wrapped with a key the
 * rotation has already passed over, nor while it retires the old ones.
 */
class RotationGate {
  #rotation: Promise<void> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.#rotation) await this.#rotation;
    const p = work();
    this.#inFlight.add(p);
    try {
      return await p;
    } finally {
      this.#inFlight.delete(p);
    }
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.#rotation) await this.#rotation;
    let done!: () => void;
    this.#rotation = new Promise((resolve) => {
      done = resolve;
    });
    try {
      await Promise.allSettled([...this.#inFlight]);
      return await work();
    } finally {
      this.#rotation = undefined;
      done();
    }
  }
}

/**
 * The agency's informant vault (举报人身份保密库): each identity sealed (AES-256-GCM) under a
 * data key of its own, the data key wrapped with the agency's vault key, which is never in the
 * bucket nor on the bus; what the bucket holds reveals no one without it. The identity is opened
 * only for the answer to the approval that unseals it. Destroying a file's identity drops its
 * sealed box and wrapped data key, then rotates the vault key: every copy of that wrapped key
 * left anywhere (the bucket's history, the disk, a backup of the data folder) was wrapped with a
 * key that no longer exists.
 */
export class InformantVault {
  readonly #store: DeskStore;
  readonly #keyring: VaultKeyring | undefined;
  readonly #agency: string;
  readonly #logger: Logger | undefined;
  readonly #gate = new RotationGate();

  constructor(
    store: DeskStore,
    keyring: VaultKeyring | undefined,
    agency: string,
    logger?: Logger,
  ) {
    this.#store = store;
    this.#keyring = keyring;
    this.#agency = agency;
    this.#logger = logger;
  }

  /** What a box is bound to: this agency's file of this informant. */
  #context(ref: string) {
    return `informant\u0000${this.#agency}\u0000${ref}`;
  }

  #keys(): VaultKeyring {
    if (!this.#keyring)
      throw new ProblemError("vault-unavailable", {
        detail: "LIANDONG_VAULT_KEY_FILE is not set: no informant can be registered or unsealed",
      });
    return this.#keyring;
  }

  /** Seals the identity and puts the file's record in the bucket. */
  async seal(
    ref: string,
    identity: InformantIdentity,
    meta: Omit<SealedInformant, "identity" | "destroyed">,
  ): Promise<void> {
    const keyring = this.#keys();
    return this.#gate.shared(async () => {
      const plain = new TextEncoder().encode(JSON.stringify(identity));
      const box = sealSecret(keyring, plain, this.#context(ref));
      await this.#store.seal(ref, { ...meta, identity: box });
    });
  }

  /** Who the informant is, for the one answer that unseals it; or that it was destroyed. */
  async unseal(ref: string): Promise<Unsealed> {
    const keyring = this.#keys();
    const record = await this.#store.sealed(ref);
    if (!record) return { missing: true };
    if (record.destroyed) return { destroyed: record.destroyed };
    if (!record.identity) return { missing: true };
    const plain = openSecret(keyring, SealedBox.parse(record.identity), this.#context(ref));
    return { identity: JSON.parse(new TextDecoder().decode(plain)) as InformantIdentity };
  }

  /**
   * Destroys the identity (idempotent): the record keeps what the file needs (its lead, the
   * reward's eligibility) and who destroyed it, without the box; then the vault key rotates.
   * Answers whether this call destroyed it.
   */
  shred(ref: string, destruction: Destruction): Promise<boolean> {
    // The route and the consumer folding the same step both come here: whoever comes second
    // waits for the first to have destroyed it and rotated the key (both finding it whole and
    // rotating twice left the second rotation's old key in the file after the first answered).
    const running = this.#shredding.get(ref);
    if (running) return running.then(() => false);
    const once = this.#shredOnce(ref, destruction).finally(() => this.#shredding.delete(ref));
    this.#shredding.set(ref, once);
    return once;
  }
  /** Destructions under way, by reference: each file destroyed, and the key rotated, once. */
  readonly #shredding = new Map<string, Promise<boolean>>();

  async #shredOnce(ref: string, destruction: Destruction): Promise<boolean> {
    const destroyed = await this.#gate.shared(async () => {
      const record = await this.#store.sealed(ref);
      if (!record || record.destroyed) return false;
      const { identity: _gone, ...kept } = record;
      await this.#store.seal(ref, { ...kept, destroyed: destruction });
      return true;
    });
    if (destroyed && this.#keyring) await this.#rotate(this.#keyring);
    return destroyed;
  }

  /**
   * A new vault key: every data key wrapped again with it, then the old keys destroyed.
   * Answers the new key's id and how many data keys were wrapped again.
   */
  rotate(): Promise<{ keyId: string; rewrapped: number; retired: string[] }> {
    return this.#rotate(this.#keys());
  }

  #rotate(keyring: VaultKeyring) {
    return this.#gate.exclusive(async () => {
      const before = keyring.ids();
      const keyId = keyring.rotate();
      const rewrapped = await this.#rewrapAll(keyring);
      keyring.retire();
      this.#logger?.info({ keyId, rewrapped, retired: before }, "vault key rotated");
      return { keyId, rewrapped, retired: before };
    });
  }

  /**
   * At start: a rotation cut short is finished (the old keys are kept until every data key is
   * wrapped with the current one), and an identity stored in clear by an earlier version is sealed.
   */
  async recover(): Promise<void> {
    const keyring = this.#keyring;
    if (!keyring) return;
    await this.#gate.exclusive(async () => {
      const rewrapped = await this.#rewrapAll(keyring);
      if (keyring.ids().length > 1) {
        keyring.retire();
        this.#logger?.info({ rewrapped }, "vault key rotation finished");
      }
    });
  }

  async #rewrapAll(keyring: VaultKeyring): Promise<number> {
    let count = 0;
    const current = keyring.current().id;
    for await (const [key, record] of this.#store.sealedAll()) {
      const ref = key.slice("informant.".length);
      const legacy = record as SealedInformant & Partial<InformantIdentity>;
      if (!record.identity && !record.destroyed && typeof legacy.name === "string") {
        const { name, phone, idNumber, ...meta } = legacy;
        const identity = { name, phone, idNumber };
        const box = sealSecret(
          keyring,
          new TextEncoder().encode(JSON.stringify(identity)),
          this.#context(ref),
        );
        await this.#store.seal(ref, { ...meta, identity: box });
        count++;
        continue;
      }
      if (!record.identity || record.identity.keyId === current) continue;
      let box: SealedBox;
      try {
        box = rewrapSecret(keyring, SealedBox.parse(record.identity), this.#context(ref));
      } catch (err) {
        // Its vault key lost, or the box altered: nothing to wrap again; the others go on.
        this.#logger?.error({ ref, err }, "informant's data key cannot be unwrapped");
        continue;
      }
      await this.#store.seal(ref, { ...record, identity: box });
      count++;
    }
    return count;
  }
}
