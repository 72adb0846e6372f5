import { z } from "zod";
import { AuditPublicKey } from "./events-audit.ts";
import { STREAM_REWRITE_APIS } from "./subjects.ts";

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

/**
 * A stream was rewritten (监测到改写流): the office saw nats-server execute one of
 * `STREAM_REWRITE_APIS` (its API audit advisory) and records it, whoever made the call. `key`:
 * the caller's nkey, as the server names it; `announced`: the `break-glass.used` event that
 * announced this use, when the office holds one for the same key and action (none: the
 * break-glass identity was used without going through `liandong break-glass`).
 */
export const BreakGlassObserved = z.object({
  api: z.enum(STREAM_REWRITE_APIS),
  stream: StreamName,
  key: z.string().max(128),
  server: z.string().max(128),
  /** The call's request as the server received it (truncated). */
  request: z.string().max(2000),
  announced: z.uuid().optional(),
});
export type BreakGlassObserved = z.infer<typeof BreakGlassObserved>;

/** The rewrite each break-glass action makes (`provision` updates streams). */
export const BREAK_GLASS_API: Record<BreakGlassAction, (typeof STREAM_REWRITE_APIS)[number]> = {
  "delete-stream": "STREAM.DELETE",
  "purge-stream": "STREAM.PURGE",
  "delete-message": "STREAM.MSG.DELETE",
  provision: "STREAM.UPDATE",
};
