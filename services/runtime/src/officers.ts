import { createHash, randomBytes } from "node:crypto";
import {
  type Officer,
  type OfficerName,
  officerRegisterSubjects,
  SEAL_HEADER,
  STREAMS,
} from "@liandong/contracts";
import {
  isOfficerEvent,
  isSupervisor,
  type OfficerAccount,
  type OfficerBusEvent,
  OfficerRegister,
  type TokenRefusal,
} from "@liandong/domain";
import { checkMessage } from "./check-message.ts";
import type { Clock } from "./clock.ts";
import type { Logger } from "./logger.ts";
import type { Bus } from "./ports.ts";
import type { SealKeys } from "./seal.ts";

export const tokenSha256 = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * A new bearer token: 24 random bytes in base64url, never beginning with `-` (one in 64 did). On a
 * command line such a token can be taken for an option: the CLI's parser read `--token -V…` as
 * its version flag, printed the version and exited 0 having done nothing (one token in 4,096:
 * break-glass.e2e's office liaison once, in CI, "refused" with 0).
 */
export function bearerToken(): string {
  for (;;) {
    const token = randomBytes(24).toString("base64url");
    if (!token.startsWith("-")) return token;
  }
}

/** A named officer's account as the routes see an officer: `supervisor` from the role. */
export function officerOf(a: OfficerAccount): Officer {
  return {
    id: a.id,
    agency: a.agency,
    name: a.name,
    tokenSha256: a.tokenSha256,
    supervisor: isSupervisor(a),
    role: a.role,
  };
}

/**
 * Who may call a service: the configured role tokens (the demo's, from a file; they do not
 * expire) and the named officers of the county's register, which every service follows on the
 * bus (the office's `officer.*` events): a revocation reaches every service as soon as it is
 * recorded. An event on the register's subjects that the office did not seal is not taken.
 */
export class Officers {
  readonly #configured: Map<string, Officer>;
  readonly #byId: Map<string, Officer>;
  readonly #register = new OfficerRegister();
  readonly #clock: Clock;
  #ready = false;

  constructor(configured: readonly Officer[], clock: Clock) {
    this.#configured = new Map(configured.map((o) => [o.tokenSha256, o]));
    this.#byId = new Map(configured.map((o) => [o.id, o]));
    this.#clock = clock;
  }

  /** Whether the register has been read up to what the bus held when following began. */
  get ready(): boolean {
    return this.#ready;
  }

  /** The register's named accounts, revoked and expired ones too. */
  accounts(): OfficerAccount[] {
    return this.#register.all();
  }

  /** An officer by id, revoked or not (a step recorded before a revocation still stands). */
  find(id: string): Officer | undefined {
    const a = this.#register.get(id);
    return a ? officerOf(a) : this.#byId.get(id);
  }

  /** The person a named officer's id stands for (name and role), as the events they make say. */
  nameOf(id: string): OfficerName | undefined {
    const a = this.#register.get(id);
    return a ? { name: a.name, role: a.role } : undefined;
  }

  /** The officer a bearer token belongs to, or why it is refused. */
  authenticate(
    token: string,
  ): { ok: true; officer: Officer } | { ok: false; refused: TokenRefusal } {
    const hash = tokenSha256(token);
    const configured = this.#configured.get(hash);
    if (configured) return { ok: true, officer: configured };
    const r = this.#register.authenticate(hash, this.#clock());
    return r.ok ? { ok: true, officer: officerOf(r.account) } : r;
  }

  /**
   * The register's account of `id`, revoked and expired ones too. (A role token is no account.)
   */
  account(id: string): OfficerAccount | undefined {
    return this.#register.get(id);
  }

  /**
   * Folds a step on the register its keeper (the office) has just appended, before the bus
   * brings it back: the office answers with the register as it now is. Folding it twice is
   * folding it once.
   */
  record(e: OfficerBusEvent): void {
    this.#register.apply(e);
  }

  /** Reads the register off the bus, then each change as it is recorded; resolves once caught up. */
  async follow(
    bus: Bus,
    opts: { county: string; namePrefix: string; seals?: SealKeys | undefined; logger: Logger },
  ): Promise<{ stop(): Promise<void> }> {
    let caughtUp!: () => void;
    const done = new Promise<void>((r) => {
      caughtUp = r;
    });
    const following = await bus.follow(STREAMS.events, {
      namePrefix: opts.namePrefix,
      filterSubject: officerRegisterSubjects(opts.county),
      onMessage: (m) => {
        const seal = m.headers?.get(SEAL_HEADER) || undefined;
        const verdict = checkMessage(m.subject, m.data, opts.seals, seal);
        if (!verdict.ok) {
          opts.logger.warn(
            { seq: m.seq, reason: verdict.reason, detail: verdict.detail },
            "an event on the officers' register not taken",
          );
          return undefined;
        }
        if (isOfficerEvent(verdict.event)) this.#register.apply(verdict.event);
        return undefined;
      },
      onCaughtUp: () => {
        this.#ready = true;
        caughtUp();
      },
    });
    await done;
    return following;
  }
}
