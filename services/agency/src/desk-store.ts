import type {
  EventData,
  InboxItem,
  InspectionFindings,
  LeadView,
  ReferralView,
  SupervisionOrderView,
} from "@liandong/contracts";
import {
  type ConsentRecord,
  type InformantRecord,
  inboxItem,
  type Lead,
  leadView,
} from "@liandong/domain";
import type { Bucket, SealedBox } from "@liandong/runtime";
import type { CaseRecord } from "./case-record.ts";
import { type DeskState, emptyDesk, indexTarget } from "./lead-desk.ts";

/**
 * An informant's record in the agency's bucket: the file's facts in clear, the identity only
 * sealed (see InformantVault), or, once destroyed, who destroyed it in its place.
 */
export type SealedInformant = {
  leadId: string;
  recordedBy: string;
  recordedAt: string;
  rewardEligible: boolean;
  /** Name, phone, ID number under the file's data key, itself wrapped with the vault key. */
  identity?: SealedBox;
  /** The identity destroyed (crypto-shredding): the box and its data key are gone. */
  destroyed?: { by: string; at: string; reason: string };
};

const enc = (v: unknown) => JSON.stringify(v);
const dec = <T>(b: Uint8Array): T => JSON.parse(new TextDecoder().decode(b)) as T;

/** Every value a bucket holds under `prefix.`, as it was written, with its key. */
export async function* storedUnder<T>(kv: Bucket, prefix: string): AsyncGenerator<[string, T]> {
  for await (const key of await kv.keys(`${prefix}.>`)) {
    const e = await kv.get(key);
    if (e?.operation === "PUT") yield [key, dec<T>(e.value)];
  }
}

/**
 * The agency's own records, in its private bucket (only its NATS identity may read it):
 * leads it registered, its inbox, idempotency results, sealed informants. Kept in memory
 * too; loaded from the bucket at start so that a restart loses nothing.
 */
/** A joint inspection as one participating agency holds it. */
export type AgencyInspection = {
  inspectionId: string;
  title: string;
  agencies: string[];
  targets: { kind: string; name: string; county: string }[];
  startsOn: string;
  endsOn: string;
  findings?: InspectionFindings & { recordedAt: string };
};

/** A consent as an agency keeps it; the asking agency keeps the offer it will make. */
export type StoredConsent = ConsentRecord & {
  offer?: { data: EventData<"referral.offered">; actor: string };
};

export class DeskStore {
  readonly state: DeskState = emptyDesk();
  /** Referrals this agency is a party to (sender or addressee). */
  readonly referrals = new Map<string, ReferralView>();
  /**
   * Consents to restricted leads crossing a county line: asked by this agency (with the offer to
   * make once given), or asked of it as the lead's originator.
   */
  readonly consents = new Map<string, StoredConsent>();
  /** Reward and unsealing files of the informants this agency holds sealed (no identity). */
  readonly informantFiles = new Map<string, InformantRecord>();
  /** Cases this agency opened. */
  readonly cases = new Map<string, CaseRecord>();
  /** Supervision orders (督办) the office addressed to this agency. */
  readonly orders = new Map<string, SupervisionOrderView>();
  /** Joint inspections this agency takes part in, with its findings once recorded. */
  readonly inspections = new Map<string, AgencyInspection>();
  readonly #kv: Bucket;
  /** Told of every referral change: live feeds and long polls. */
  readonly #listeners = new Set<(r: ReferralView) => void>();
  /** Told of every change to the inbox (a lead shared with this agency, or its later steps). */
  readonly #inboxListeners = new Set<(item: InboxItem) => void>();
  readonly #referralWrites = new Map<string, Promise<void>>();
  /**
   * The ids of the returned or withdrawn referrals about each lead or case (`about.id`): what a
   * new offer about it may resume. A few at most, where all the referrals about a lead may be
   * hundreds.
   */
  readonly #ended = new Map<string, Set<string>>();
  /** The ids of the referrals some referral held here resumes (`resumesReferralId`). */
  readonly #resumed = new Set<string>();
  /** Referrals whose copy in memory is newer than the bucket's (a write failed). */
  readonly #unwritten = new Set<string>();

  constructor(kv: Bucket) {
    this.#kv = kv;
  }

  async load(): Promise<void> {
    const kv = this.#kv;
    for await (const [, r] of storedUnder<ReferralView>(kv, "referral")) this.#holdReferral(r);
    for await (const [, c] of storedUnder<StoredConsent>(kv, "consent"))
      this.consents.set(c.referralId, c);
    for await (const [, f] of storedUnder<InformantRecord>(kv, "informant-file"))
      this.informantFiles.set(f.ref, f);
    for await (const [, k] of storedUnder<CaseRecord>(kv, "case")) this.cases.set(k.caseId, k);
    for await (const [, i] of storedUnder<AgencyInspection>(kv, "inspection"))
      this.inspections.set(i.inspectionId, i);
    for await (const [, o] of storedUnder<SupervisionOrderView>(kv, "supervision"))
      this.orders.set(o.orderId, o);
    for await (const [, l] of storedUnder<Lead>(kv, "lead")) this.#remember(l);
    for await (const [, l] of storedUnder<Lead>(kv, "inbox")) this.#rememberInbox(l);
  }

  /** A lead this agency registered, as its originator sees it. */
  lead(id: string): LeadView | undefined {
    const lead = this.state.leads.get(id);
    return lead && leadView(lead);
  }

  /** A lead shared with this agency, as its inbox shows it. */
  inboxItem(id: string): InboxItem | undefined {
    const lead = this.state.inbox.get(id);
    return lead && inboxItem(lead);
  }

  /** A lead this agency registered, after the events of it this agency holds. */
  async saveLead(lead: Lead): Promise<void> {
    await this.#kv.put(`lead.${lead.leadId}`, enc(lead));
    this.#remember(lead);
  }

  /** A lead shared with this agency, after the events of it addressed to this agency. */
  async saveInbox(lead: Lead): Promise<void> {
    await this.#kv.put(`inbox.${lead.leadId}`, enc(lead));
    this.#rememberInbox(lead);
    if (this.#inboxListeners.size === 0) return;
    const item = inboxItem(lead);
    for (const notify of this.#inboxListeners) notify(item);
  }

  /** Calls `listener` with each inbox item as it changes, from now on; returns the unsubscribe. */
  onInbox(listener: (item: InboxItem) => void): () => void {
    this.#inboxListeners.add(listener);
    return () => this.#inboxListeners.delete(listener);
  }

  /**
   * Visible at once, durable when the promise settles: the state comes from the stream, which
   * holds it already, so reading it before the bucket does is safe (hand-off latency).
   */
  async saveReferral(r: ReferralView): Promise<void> {
    this.#holdReferral(r);
    for (const notify of this.#listeners) notify(r);
    await this.#writeReferral(r.referralId);
  }

  /**
   * Until this agency's copy of the referral, as it stands now, is in the bucket: a write that
   * failed (a leader lost) is made again. What consumes a step already applied waits here before
   * it acknowledges, so that no step acknowledged on the bus is missing from the copy.
   */
  async referralDurable(referralId: string): Promise<void> {
    await this.#referralWrites.get(referralId)?.catch(() => undefined);
    if (this.#unwritten.has(referralId)) await this.#writeReferral(referralId);
  }

  async #writeReferral(referralId: string): Promise<void> {
    const r = this.referrals.get(referralId);
    if (!r) return;
    const write = this.#kv.put(`referral.${referralId}`, enc(r)).then(() => undefined);
    this.#referralWrites.set(referralId, write);
    try {
      await write;
      // Written, unless a newer version is still on its way (it clears the mark itself).
      if (this.referrals.get(referralId) === r) this.#unwritten.delete(referralId);
    } catch (err) {
      // The copy in memory stands (it comes from the stream); the bucket catches up later.
      this.#unwritten.add(referralId);
      throw err;
    } finally {
      if (this.#referralWrites.get(referralId) === write) this.#referralWrites.delete(referralId);
    }
  }

  /**
   * The returned or withdrawn referrals about one lead or case (`about.id`) that no referral held
   * here resumes yet: those a new offer about it may resume, without going through every referral
   * about it.
   */
  resumableAbout(aboutId: string): ReferralView[] {
    const ids = this.#ended.get(aboutId);
    if (!ids) return [];
    const found: ReferralView[] = [];
    for (const id of ids) if (!this.#resumed.has(id)) found.push(this.referrals.get(id)!);
    return found;
  }

  #holdReferral(r: ReferralView) {
    this.referrals.set(r.referralId, r);
    if (r.resumesReferralId !== undefined) this.#resumed.add(r.resumesReferralId);
    const ended = this.#ended.get(r.about.id);
    if (r.status === "returned" || r.status === "withdrawn") {
      if (ended) ended.add(r.referralId);
      else this.#ended.set(r.about.id, new Set([r.referralId]));
    } else if (ended?.delete(r.referralId) && ended.size === 0) this.#ended.delete(r.about.id);
  }

  /** Calls `listener` with each referral as it changes, from now on; returns the unsubscribe. */
  onReferral(listener: (r: ReferralView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The referral once this agency holds a copy of it, waiting up to `ms` for one to arrive;
   * undefined when none arrived in time.
   */
  async waitForReferral(referralId: string, ms: number): Promise<ReferralView | undefined> {
    const now = this.referrals.get(referralId);
    if (now || ms <= 0) return now;
    let off: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<ReferralView | undefined>((resolve) => {
        off = this.onReferral((r) => r.referralId === referralId && resolve(r));
        timer = setTimeout(() => resolve(undefined), ms);
      });
    } finally {
      clearTimeout(timer);
      off?.();
    }
  }

  saveInspection(i: AgencyInspection): Promise<void> {
    return this.#keep(this.inspections, "inspection", i.inspectionId, i);
  }

  saveOrder(o: SupervisionOrderView): Promise<void> {
    return this.#keep(this.orders, "supervision", o.orderId, o);
  }

  saveConsent(c: StoredConsent): Promise<void> {
    return this.#keep(this.consents, "consent", c.referralId, c);
  }

  saveCase(r: CaseRecord): Promise<void> {
    return this.#keep(this.cases, "case", r.caseId, r);
  }

  /** Kept in the bucket under `<kind>.<id>` (what `storedUnder` reads at start), then in memory. */
  async #keep<T>(held: Map<string, T>, kind: string, id: string, value: T): Promise<void> {
    await this.#kv.put(`${kind}.${id}`, enc(value));
    held.set(id, value);
  }

  async seal(ref: string, informant: SealedInformant): Promise<void> {
    await this.#kv.put(`informant.${ref}`, enc(informant));
  }

  async sealed(ref: string): Promise<SealedInformant | undefined> {
    const e = await this.#kv.get(`informant.${ref}`);
    return e?.operation === "PUT" ? dec<SealedInformant>(e.value) : undefined;
  }

  /** Every informant's record, with its key (`informant.<ref>`). */
  sealedAll(): AsyncGenerator<[string, SealedInformant]> {
    return storedUnder<SealedInformant>(this.#kv, "informant");
  }

  async saveInformantFile(f: InformantRecord): Promise<void> {
    // Shown at once: it comes from the stream, which holds it already.
    this.informantFiles.set(f.ref, f);
    await this.#kv.put(`informant-file.${f.ref}`, enc(f));
  }

  #remember(lead: Lead) {
    this.state.leads.set(lead.leadId, lead);
    indexTarget(this.state, lead);
  }

  #rememberInbox(lead: Lead) {
    this.state.inbox.set(lead.leadId, lead);
    indexTarget(this.state, lead);
  }
}
