import type { ReferralStatus } from "./referral.ts";

/** Which deadline of a referral: acceptance while it is offered, feedback while it is accepted. */
export type ReferralDeadline = "acceptance" | "feedback";

type Due = {
  status: ReferralStatus;
  acceptBy: string;
  completeBy: string;
  /** Deadlines already on the record as passed, with the instant they were due. */
  overdue: Partial<Record<ReferralDeadline, string>>;
};

/** Pure: the deadlines a referral has passed at `now` that are not yet on the record. */
export function duePassed(r: Due, now: Date): { deadline: ReferralDeadline; dueAt: string }[] {
  const out: { deadline: ReferralDeadline; dueAt: string }[] = [];
  const t = now.getTime();
  if (r.status === "offered" && !r.overdue.acceptance && Date.parse(r.acceptBy) <= t)
    out.push({ deadline: "acceptance", dueAt: r.acceptBy });
  if (r.status === "accepted" && !r.overdue.feedback && Date.parse(r.completeBy) <= t)
    out.push({ deadline: "feedback", dueAt: r.completeBy });
  return out;
}

/** Pure: whether a referral is overdue now: a recorded deadline passed and its step not yet taken. */
export function isOverdue(r: Pick<Due, "status" | "overdue">): boolean {
  return (
    (r.status === "offered" && r.overdue.acceptance !== undefined) ||
    (r.status === "accepted" && r.overdue.feedback !== undefined)
  );
}
