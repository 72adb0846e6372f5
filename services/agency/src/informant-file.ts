/** What the holding agency knows of a sealed informant's reward and unsealing, besides the identity. */
export type InformantFile = {
  ref: string;
  leadId: string;
  reward?: { amountYuan: number; approvedBy: string; paid: boolean };
  requests: {
    requestId: string;
    requestedBy: string;
    reason: string;
    approvers: string[];
    unsealed: boolean;
  }[];
};

export type UnsealDecision =
  | { ok: true; approvers: string[]; unseals: boolean }
  | { ok: false; status: 403 | 404 | 409; message: string };

/**
 * Pure: a supervisor's approval of an unsealing request. Two different supervisors, neither
 * of them the requester, unseal the identity; nobody approves twice.
 */
export function decideApproval(
  file: InformantFile,
  requestId: string,
  officer: { id: string; supervisor: boolean },
): UnsealDecision {
  const request = file.requests.find((r) => r.requestId === requestId);
  if (!request) return { ok: false, status: 404, message: "no such request" };
  if (!officer.supervisor)
    return { ok: false, status: 403, message: "only a supervisor approves unsealing" };
  if (officer.id === request.requestedBy)
    return { ok: false, status: 409, message: "the requester cannot approve their own request" };
  if (request.approvers.includes(officer.id))
    return { ok: false, status: 409, message: "already approved by this supervisor" };
  if (request.unsealed) return { ok: false, status: 409, message: "already unsealed" };
  const approvers = [...request.approvers, officer.id];
  return { ok: true, approvers, unseals: approvers.length >= 2 };
}
