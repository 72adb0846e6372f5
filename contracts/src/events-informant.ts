import { z } from "zod";
import { InformantRef } from "./lead.ts";

/*
 * Steps about a sealed informant, recorded on the shared log by the holding agency. None
 * carries the informant's identity: only the opaque reference, amounts, and who acted (the
 * envelope's actor).
 */
export const RewardApproved = z.object({
  informantRef: InformantRef,
  leadId: z.uuid(),
  amountYuan: z.number().int().positive(),
  reason: z.string().trim().min(1).max(1000),
});
export const RewardPaid = z.object({
  informantRef: InformantRef,
  leadId: z.uuid(),
  amountYuan: z.number().int().positive(),
});
export const UnsealRequested = z.object({
  informantRef: InformantRef,
  requestId: z.uuid(),
  reason: z.string().trim().min(1).max(1000),
});
export const UnsealApproved = z.object({ informantRef: InformantRef, requestId: z.uuid() });
/** Two different supervisors of the holding agency approved: the identity was read. */
export const InformantUnsealed = z.object({
  informantRef: InformantRef,
  requestId: z.uuid(),
  approvers: z.tuple([z.string(), z.string()]),
});
/**
 * A supervisor of the holding agency destroyed the informant's identity (PIPL deletion): the data
 * key that sealed it is gone, so no one can unseal it again. Only the reason is recorded.
 */
export const InformantShredded = z.object({
  informantRef: InformantRef,
  reason: z.string().trim().min(1).max(1000),
});
