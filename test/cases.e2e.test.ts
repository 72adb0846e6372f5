// Cases end to end: a case handed over to another agency (移交案件), a transfer to the judiciary
// (移送司法机关) under decree No. 310's filing deadline in a county whose ordinary acceptance
// deadline is 5 days, and sanctions by what each agency may impose (commerce's 吊销营业执照 and
// 取缔; a 检察院 added by configuration, with its sanctions configured).
import { DEFAULT_AGENCIES } from "@liandong/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startTestCounty, type TestCounty } from "./support/county.ts";

type Referral = {
  referralId: string;
  kind: string;
  status: string;
  about: { kind: string; id: string };
  acceptBy: string;
  completeBy: string;
  history: { at: string }[];
};
type Case = { caseId: string; status: string; sanctions: { kind: string }[] };
type Problem = { status: number; errors: { field: string }[] };

const H = 3_600_000;
let county: TestCounty;
let leadId: string;
let caseId: string;

beforeAll(async () => {
  county = await startTestCounty({
    deadlines: { acceptanceDays: 5 },
    agencies: [
      ...DEFAULT_AGENCIES,
      { code: "procuratorate", name: "人民检察院", shortName: "检察院" },
    ],
    sanctions: { procuratorate: ["transfer-to-judiciary"] },
  });
  const health = county.as("health");
  const lead = await health.post<{ leadId: string }>("/leads", {
    source: "record-audit",
    violations: ["sex-selective-termination"],
    target: { kind: "institution", name: "某私人诊所（案件移交）", county: "441723" },
    summary: "病历显示该诊所未经批准实施引产",
  });
  leadId = lead.body.leadId;
  const opened = await health.post<Case>("/cases", {
    title: "某私人诊所未经批准引产案",
    leads: [leadId],
    violations: ["sex-selective-termination", "unlicensed-practice"],
    target: { kind: "institution", name: "某私人诊所（案件移交）", county: "441723" },
  });
  expect(opened.status).toBe(201);
  caseId = opened.body.caseId;
});
afterAll(async () => {
  await county?.cleanup();
});

/** Offers a referral and reads the clock around it: the deadline counts from the offer. */
async function refer(body: Record<string, unknown>, from = "health") {
  const before = Date.now();
  const r = await county.as(from).post<Referral & Problem>("/referrals", body);
  return { r, before, after: Date.now() };
}

async function waitingAt(agency: string, referralId: string): Promise<Referral> {
  return eventually(async () => {
    const r = await county.as(agency).get<Referral>(`/referrals/${referralId}`);
    return r.status === 200 ? r.body : undefined;
  });
}

describe("a case is handed over (移交案件)", () => {
  it("health hands its case to commerce, which closes its own with a business licence revoked and the operator closed", async () => {
    const { r, before, after } = await refer({
      to: "commerce",
      about: { kind: "case", id: caseId },
      reason: "该诊所无营业执照，请市场监管部门依法查处",
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: "handling", about: { kind: "case", id: caseId } });
    // The county's ordinary deadline: 5 days.
    const acceptBy = Date.parse(r.body.acceptBy);
    expect(acceptBy).toBeGreaterThanOrEqual(before + 5 * 24 * H);
    expect(acceptBy).toBeLessThanOrEqual(after + 5 * 24 * H);

    const commerce = county.as("commerce");
    const seen = await waitingAt("commerce", r.body.referralId);
    expect(seen.about).toEqual({ kind: "case", id: caseId });
    expect((await commerce.post(`/referrals/${r.body.referralId}/acceptance`, {})).status).toBe(
      200,
    );
    const theirs = await commerce.post<Case>("/cases", {
      title: "某私人诊所无照经营案",
      referrals: [r.body.referralId],
      violations: ["unlicensed-practice"],
      target: { kind: "institution", name: "某私人诊所（案件移交）", county: "441723" },
    });
    expect(theirs.status).toBe(201);
    const closed = await commerce.post<Case>(`/cases/${theirs.body.caseId}/closure`, {
      summary: "无照经营，依法取缔，吊销其关联门店营业执照",
      sanctions: [
        { kind: "close-unlicensed-operator", against: "某私人诊所" },
        { kind: "revoke-business-licence", against: "某私人诊所关联门店" },
      ],
    });
    expect(closed.status).toBe(200);
    expect(closed.body.sanctions.map((s) => s.kind)).toEqual([
      "close-unlicensed-operator",
      "revoke-business-licence",
    ]);
    // Commerce's case is commerce's: health can neither see nor close it.
    expect((await county.as("health").get(`/cases/${theirs.body.caseId}`)).status).toBe(404);
  });

  it("refuses a case the agency does not hold, naming about.id", async () => {
    const { r } = await refer(
      { to: "health", about: { kind: "case", id: caseId }, reason: "不是本部门的案件" },
      "commerce",
    );
    expect(r.status).toBe(422);
    expect(r.body.errors[0]?.field).toBe("about.id");
  });

  it("health may not revoke a business licence", async () => {
    const refused = await county.as("health").post<Problem>(`/cases/${caseId}/closure`, {
      summary: "x",
      sanctions: [{ kind: "revoke-business-licence", against: "某私人诊所" }],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors.map((e) => e.field)).toEqual(["sanctions.0.kind"]);
  });
});

describe("a transfer to the judiciary (移送司法机关, decree No. 310)", () => {
  it("is a case transfer: refused for a lead, naming about.kind", async () => {
    const { r } = await refer({
      to: "public-security",
      kind: "judiciary",
      about: { kind: "lead", id: leadId },
      reason: "涉嫌非法行医罪",
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0]?.field).toBe("about.kind");
  });

  it("refuses an acceptance deadline later than the decree's", async () => {
    const { r } = await refer({
      to: "public-security",
      kind: "judiciary",
      about: { kind: "case", id: caseId },
      reason: "涉嫌非法行医罪",
      acceptBy: new Date(Date.now() + 5 * 24 * H).toISOString(),
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0]?.field).toBe("acceptBy");
  });

  it("keeps 72 h for public security's filing decision in a county whose acceptance deadline is 5 days", async () => {
    const { r, before, after } = await refer({
      to: "public-security",
      kind: "judiciary",
      about: { kind: "case", id: caseId },
      reason: "涉嫌非法行医罪，依法移送公安机关",
    });
    expect(r.status).toBe(201);
    const acceptBy = Date.parse(r.body.acceptBy);
    expect(acceptBy).toBeGreaterThanOrEqual(before + 72 * H);
    expect(acceptBy).toBeLessThanOrEqual(after + 72 * H);

    // Public security sees the same deadline; so does the office's tracker.
    const seen = await waitingAt("public-security", r.body.referralId);
    expect(seen).toMatchObject({ kind: "judiciary", acceptBy: r.body.acceptBy });
    const tracked = await eventually(async () => {
      const t = await county
        .as("office")
        .get<{ kind: string; acceptBy: string }>(`/tracker/referrals/${r.body.referralId}`);
      return t.status === 200 ? t.body : undefined;
    });
    expect(tracked).toMatchObject({ kind: "judiciary", acceptBy: r.body.acceptBy });
    expect(
      (await county.as("public-security").post(`/referrals/${r.body.referralId}/acceptance`, {}))
        .status,
    ).toBe(200);
  });
});

describe("an agency added by configuration (检察院)", () => {
  it("imposes the sanctions its county configured for it, and no other", async () => {
    const { r } = await refer({
      to: "procuratorate",
      about: { kind: "case", id: caseId },
      reason: "请检察机关依法监督",
    });
    expect(r.status).toBe(201);
    const procuratorate = county.as("procuratorate");
    await waitingAt("procuratorate", r.body.referralId);
    await procuratorate.post(`/referrals/${r.body.referralId}/acceptance`, {});
    const theirs = await procuratorate.post<Case>("/cases", {
      title: "某私人诊所未经批准引产案（检察监督）",
      referrals: [r.body.referralId],
      violations: ["sex-selective-termination"],
      target: { kind: "institution", name: "某私人诊所（案件移交）", county: "441723" },
    });
    expect(theirs.status).toBe(201);
    const fine = await procuratorate.post<Problem>(`/cases/${theirs.body.caseId}/closure`, {
      summary: "x",
      sanctions: [{ kind: "fine", amountYuan: 10000, against: "某私人诊所" }],
    });
    expect(fine.status).toBe(422);
    expect(fine.body.errors[0]?.field).toBe("sanctions.0.kind");
    const closed = await procuratorate.post<Case>(`/cases/${theirs.body.caseId}/closure`, {
      summary: "依法移送",
      sanctions: [{ kind: "transfer-to-judiciary", against: "某私人诊所负责人" }],
    });
    expect(closed.body).toMatchObject({
      status: "closed",
      sanctions: [{ kind: "transfer-to-judiciary" }],
    });
  });
});
