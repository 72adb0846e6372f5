import { z } from "zod";
import { AuditPublicKey } from "./events-audit.ts";

/** What the break-glass identity may be used for, one action per use (`liandong break-glass`). */
export const BreakGlassAction = z.enum([
  "delete-stream",
  "purge-stream",
  "delete-message",
  /** Bring the county's streams to this version's configuration (an update: it may drop messages). */
  "provision",
]);
export type BreakGlassAction = z.infer<typeof BreakGlassAction>;

/** A JetStream stream name as this county names its streams. */
export const StreamName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "stream name");

/**
 * The break-glass identity is about to be used (动用紧急权限): recorded on the log by the office,
 * sealed like any of its events, before the action is taken. Who is the envelope's actor (an
 * office supervisor); what is `action` on `stream` (`seq`: the message deleted; `subject`: what
 * a purge is limited to); why is `reason`; `key` names the break-glass identity used.
 */
export const BreakGlassUsed = z.object({
  action: BreakGlassAction,
  stream: StreamName.optional(),
  seq: z.number().int().positive().optional(),
  subject: z.string().min(1).max(256).optional(),
  reason: z.string().trim().min(4, "理由至少 4 个字").max(500),
  key: AuditPublicKey,
});
export type BreakGlassUsed = z.infer<typeof BreakGlassUsed>;
