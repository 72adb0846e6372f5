import { createHash, createHmac } from "node:crypto";
import {
  type AgencyCode,
  identityInput,
  type LedgerSaleFact,
  type PregnancyFact,
  REGISTERS,
  type RegisterName,
  type RegisterRow,
} from "@liandong/contracts";
import { factsOf, type PregnancyRegister, saleOf } from "@liandong/domain";
import type { Bucket, ComparisonPort, Signer } from "@liandong/runtime";

const PREGNANCY_REGISTERS: readonly PregnancyRegister[] = [
  "ultrasound",
  "delivery",
  "termination",
  "follow-up",
  "approval",
];

/**
 * An agency's side of 数据比对 at its desk: its own registers read from its own bucket, each
 * identity turned into a pseudonym through the comparison service, and only pseudonyms and the
 * facts the rules need handed over; each row named by a reference only this agency can make
 * (a keyed hash under a key derived from its own signing key), so that only it can turn its
 * side of a finding back into a row.
 */
export class ComparisonDesk {
  readonly #agency: AgencyCode;
  readonly #kv: Bucket;
  readonly #port: ComparisonPort | undefined;
  readonly #signer: Signer;
  #refKey: Buffer | undefined;

  constructor(deps: { agency: AgencyCode; kv: Bucket; signer: Signer; port?: ComparisonPort }) {
    this.#agency = deps.agency;
    this.#kv = deps.kv;
    this.#port = deps.port;
    this.#signer = deps.signer;
  }

  /** The registers of this agency. */
  get registers(): RegisterName[] {
    return (Object.keys(REGISTERS) as RegisterName[]).filter(
      (r) => REGISTERS[r].holder === this.#agency,
    );
  }

  get available(): boolean {
    return this.#port !== undefined;
  }

  /** The agency's reference to one of its rows (32 hex digits, opaque to anyone else). */
  refOf(register: RegisterName, recordId: string): string {
    // Ed25519 signatures are deterministic: the same key always derives the same reference key.
    this.#refKey ??= createHash("sha256")
      .update(this.#signer.sign("liandong 数据比对 record reference key v1"))
      .digest();
    return createHmac("sha256", this.#refKey)
      .update(`${register}\u0000${recordId}`)
      .digest("hex")
      .slice(0, 32);
  }

  /** Every row this agency keeps of one register. */
  async rows<R extends RegisterName>(register: R): Promise<RegisterRow<R>[]> {
    const out: RegisterRow<R>[] = [];
    for await (const key of await this.#kv.keys(`register.${register}.*`)) {
      const e = await this.#kv.get(key);
      if (e && e.operation === "PUT") out.push(e.json<RegisterRow<R>>());
    }
    return out;
  }

  /**
   * Hands this agency's facts to the comparison service: pregnancy facts of its registers of
   * people by pseudonym, or its ledger's sales. Nothing of a row's identity leaves: the blinded
   * elements are random to the service, and the facts carry pseudonyms and references only.
   */
  async submit(): Promise<{ submitted: number; pseudonymised: number }> {
    const port = this.#need();
    const mine = this.registers;
    const people = PREGNANCY_REGISTERS.filter((r) => mine.includes(r));
    const facts: PregnancyFact[] = [];
    let pseudonymised = 0;
    if (people.length > 0) {
      const rows = new Map<PregnancyRegister, RegisterRow<PregnancyRegister>[]>();
      const inputs = new Set<string>();
      for (const r of people) {
        const list = await this.rows(r);
        rows.set(r, list);
        for (const row of list) {
          const input = identityInput(row);
          if (input !== undefined) inputs.add(input);
        }
      }
      const ordered = [...inputs];
      const names = await port.pseudonyms(ordered);
      pseudonymised = ordered.length;
      const byInput = new Map(ordered.map((input, i) => [input, names[i]!]));
      for (const [r, list] of rows)
        facts.push(
          ...factsOf(
            r,
            list,
            (i) => byInput.get(i),
            (id) => this.refOf(r, id),
          ),
        );
    }
    const sales: LedgerSaleFact[] = [];
    if (mine.includes("drug-sale"))
      for (const row of await this.rows("drug-sale"))
        sales.push(saleOf(row, this.refOf("drug-sale", row.recordId)));
    if (people.length === 0 && !mine.includes("drug-sale")) return { submitted: 0, pseudonymised };
    await port.submit({ facts, sales });
    return { submitted: facts.length + sales.length, pseudonymised };
  }

  /** The findings this agency originates, over every agency's latest facts. */
  findings() {
    return this.#need().findings();
  }

  /** The row of this agency's own behind `ref`, if it is one of its own. */
  async find(
    ref: string,
  ): Promise<{ register: RegisterName; row: RegisterRow<RegisterName> } | undefined> {
    for (const register of this.registers)
      for (const row of await this.rows(register))
        if (this.refOf(register, row.recordId) === ref) return { register, row };
    return undefined;
  }

  #need(): ComparisonPort {
    if (!this.#port) throw new Error("比对服务不可用（本服务未连接总线）");
    return this.#port;
  }
}
