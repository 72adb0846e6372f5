import { type BusEvent, OFFICE } from "@liandong/contracts";
import { isOfKind, type KindEvent } from "../bus-events.ts";
import { accountStatus, type OfficerAccount, officerDecider } from "./officer.ts";

export type OfficerBusEvent = KindEvent<"officer">;
export const isOfficerEvent = (e: BusEvent): e is OfficerBusEvent => isOfKind("officer", e);

/** Why a token is not accepted: unknown to the register, revoked, or past its lifetime. */
export type TokenRefusal = "unknown" | "revoked" | "expired";

/**
 * The county's register of named officers, folded from the office's `officer.*` events with
 * the one `evolve`: every service keeps one, and authenticates bearer tokens against it.
 */
export class OfficerRegister {
  readonly #accounts = new Map<string, OfficerAccount>();
  readonly #byHash = new Map<string, string>();

  /** Folds one of the register's events; an event of another publisher than the office is not the register's. */
  apply(e: OfficerBusEvent): void {
    if (e.agency !== OFFICE) return;
    const before = this.#accounts.get(e.data.officerId);
    const after = officerDecider.evolve(before, e);
    if (!after) return;
    this.#accounts.set(after.id, after);
    this.#byHash.set(after.tokenSha256, after.id);
  }

  get(id: string): OfficerAccount | undefined {
    return this.#accounts.get(id);
  }

  all(): OfficerAccount[] {
    return [...this.#accounts.values()];
  }

  /** The account a token's hash belongs to, if it is accepted at `now`; else why not. */
  authenticate(
    tokenSha256: string,
    now: Date,
  ): { ok: true; account: OfficerAccount } | { ok: false; refused: TokenRefusal } {
    const id = this.#byHash.get(tokenSha256);
    const account = id === undefined ? undefined : this.#accounts.get(id);
    if (!account) return { ok: false, refused: "unknown" };
    const status = accountStatus(account, now);
    return status === "active" ? { ok: true, account } : { ok: false, refused: status };
  }
}
