import { describe, expect, it } from "vitest";
import { decideApproval, type InformantFile } from "./informant-file.ts";

const file: InformantFile = {
  ref: "inf_0123456789abcdef0123456789abcdef",
  leadId: "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a",
  requests: [
    {
      requestId: "r1",
      requestedBy: "fp.liaison",
      reason: "发放奖金",
      approvers: [],
      unsealed: false,
    },
  ],
};
const sup = { id: "fp.supervisor", supervisor: true };
const dep = { id: "fp.deputy", supervisor: true };

describe("decideApproval", () => {
  it("needs two different supervisors, neither the requester", () => {
    expect(decideApproval(file, "r1", { id: "fp.liaison", supervisor: false })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(decideApproval(file, "r1", sup)).toEqual({
      ok: true,
      approvers: ["fp.supervisor"],
      unseals: false,
    });
    const once = { ...file, requests: [{ ...file.requests[0]!, approvers: ["fp.supervisor"] }] };
    expect(decideApproval(once, "r1", sup)).toMatchObject({ ok: false, status: 409 });
    expect(decideApproval(once, "r1", dep)).toEqual({
      ok: true,
      approvers: ["fp.supervisor", "fp.deputy"],
      unseals: true,
    });
    const own = { ...file, requests: [{ ...file.requests[0]!, requestedBy: "fp.supervisor" }] };
    expect(decideApproval(own, "r1", sup)).toMatchObject({ ok: false, status: 409 });
  });
});
