import type { AgencyCode, BusEvent, CountyConfig } from "@liandong/contracts";
import {
  type InformantContext,
  type InformantRecord,
  isInformantEvent,
  openInformantFile,
  recordInformant,
  refuse,
} from "@liandong/domain";
import { deadLetterError, notEntitledError, type Officers } from "@liandong/runtime";

/** Who an officer id is, revoked or not: a step approved before a revocation still stands. */
export type OfficerLookup = Pick<Officers, "find">;

import type { DeskStore } from "./desk-store.ts";
import type { InformantVault } from "./informant-vault.ts";

/** Who of this agency's officers approves, and the county's range of a reward: for replaying steps. */
export function informantContext(
  officers: OfficerLookup,
  agency: AgencyCode,
  config: CountyConfig,
): InformantContext {
  return {
    officer: (id) => {
      const o = officers.find(id);
      return { id, supervisor: o?.agency === agency && o.supervisor };
    },
    rewardRangeYuan: config.rewardRangeYuan,
  };
}

/**
 * The file of an informant this agency holds sealed: as recorded, or as its lead opened it (the
 * lead's registration sealed the identity and put the informant on file, before any step).
 */
export async function informantFile(
  store: DeskStore,
  agency: AgencyCode,
  ref: string,
): Promise<InformantRecord | undefined> {
  const recorded = store.informantFiles.get(ref);
  if (recorded) return recorded;
  const sealed = await store.sealed(ref);
  if (!sealed) return undefined;
  return openInformantFile({
    type: "lead.reported",
    time: sealed.recordedAt,
    actor: sealed.recordedBy,
    agency,
    data: { leadId: sealed.leadId, informant: { ref, rewardEligible: sealed.rewardEligible } },
  });
}

/**
 * Records this agency's own informant steps from the bus (its own-events consumer) in its
 * copy of the file, through the domain's record: a step the stream holds but the copy missed
 * (the service stopped in between) is caught up, so that no reward is approved or paid twice. A
 * step no officer of this agency could have taken is dead-lettered.
 */
export function informantEventsHandler(deps: {
  agency: AgencyCode;
  store: DeskStore;
  context: InformantContext;
  vault: InformantVault;
}) {
  const { agency, store, context, vault } = deps;
  return async (e: BusEvent, seq: number, hash: string): Promise<void> => {
    if (!isInformantEvent(e)) return;
    const current = await informantFile(store, agency, e.aggregate.id);
    if (!current)
      throw deadLetterError(
        "unknown-informant",
        refuse("conflict", "informant.unknown", { ref: e.aggregate.id }),
      );
    const recorded = recordInformant(current, e, { seq, hash }, context);
    if (!recorded.ok) {
      if ("refused" in recorded) throw notEntitledError(recorded.refused);
      throw new Error(`informant ${e.aggregate.id}: ${recorded.waiting}`);
    }
    if (recorded.record !== current) await store.saveInformantFile(recorded.record);
    // A destruction on the record is carried out, whether or not its route got that far.
    const { shredded } = recorded.record;
    if (e.type === "informant.shredded" && shredded) await vault.shred(e.aggregate.id, shredded);
  };
}
