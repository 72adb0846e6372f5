import { acrossRestart, agencyDesks, type List, registerTip } from "@liandong/agency/testing";
import { type BusEvent, STREAMS } from "@liandong/contracts";
import { type MemoryCounty, memoryCounty } from "@liandong/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { office } from "./office.ts";
import { attemptReason } from "./trail.ts";

type Tracked = {
  referralId: string;
  status: string;
  from: string;
  to: string;
  holder: string;
  awaiting?: string;
  about: { kind: string; id: string };
  violations: string[];
  overdueNow: boolean;
};
type Trail = {
  verification: { ok: boolean; checked: number };
  steps: {
    type: string;
    agency: string;
    actor: string;
    to?: string;
    reason?: string;
    attempted?: string;
  }[];
};

const services = { ...agencyDesks(), office };

// One county for the file: the office bundles its web page once, at its start.
let county: MemoryCounty;
beforeAll(async () => {
  county = await memoryCounty({
    config: { county: "441723", routing: { "public-tip": ["public-security"] } },
    services,
  });
});
afterAll(async () => {
  await county?.stop();
});

/** A tip commerce registered, offered by it to health: the referral's id. */
const offered = async (name: string, reason = "请核查") => {
  const leadId = await registerTip(county, "commerce", name);
  const r = await county.as("commerce").post<{ referralId: string }>("/referrals", {
    to: "health",
    about: { kind: "lead", id: leadId },
    reason,
  });
  return { leadId, id: r.body.referralId };
};

const tracked = async (id: string) =>
  (await county.as("office").get<Tracked>(`/tracker/referrals/${id}`)).body;

describe("the office's tracker", () => {
  it("follows a referral from offer to completion, with its trail verified", async () => {
    const { leadId, id } = await offered("某镇甲诊所", "请核查该诊所执业情况");
    await county.settle();
    expect(await tracked(id)).toMatchObject({
      status: "offered",
      from: "commerce",
      to: "health",
      about: { kind: "lead", id: leadId },
      violations: ["illegal-sex-determination"],
      overdueNow: false,
    });

    await county.as("health").post(`/referrals/${id}/acceptance`, {});
    await county.settle();
    expect(await tracked(id)).toMatchObject({ status: "accepted", holder: "health" });

    await county.as("health").post(`/referrals/${id}/completion`, {
      actions: "现场检查，查获便携式B超机一台",
      outcome: "没收设备，移送公安机关",
    });
    await county.settle();
    expect((await tracked(id)).status).toBe("completed");

    const list = await county
      .as("office")
      .get<{ items: Tracked[]; total: number }>("/tracker/referrals?agency=health");
    expect(list.body.items.map((r) => r.referralId)).toContain(id);

    const trail = await county.as("office").get<Trail>(`/trail/referral/${id}`);
    expect(trail.status).toBe(200);
    expect(trail.body.verification).toMatchObject({ ok: true, checked: 3 });
    expect(trail.body.steps.map((s) => [s.type, s.agency, s.actor, s.to])).toEqual([
      ["referral.offered", "commerce", "commerce.liaison", "health"],
      ["referral.accepted", "health", "health.liaison", "commerce"],
      ["referral.completed", "health", "health.liaison", "commerce"],
    ]);
    expect(trail.body.steps[0]?.reason).toBe("请核查该诊所执业情况");
  });

  it("shows a refused step on the trail, and the lead with whom it was shared", async () => {
    const { leadId, id } = await offered("某镇乙诊所");
    await county.settle();
    expect((await county.as("commerce").post(`/referrals/${id}/acceptance`, {})).status).toBe(403);
    await county.settle();
    const trail = await county.as("office").get<Trail>(`/trail/referral/${id}`);
    expect(trail.body.verification.ok).toBe(true);
    expect(
      trail.body.steps.filter((s) => s.type === "attempt.refused").map((s) => s.attempted),
    ).toEqual(["accept"]);
    // Why, as the officer was told it: in Chinese, on the record for whoever reads the trail.
    expect(trail.body.steps.find((s) => s.type === "attempt.refused")?.reason).toBe(
      "只有接收部门可以接收或退回该移交",
    );
    const attempt = county.streams
      .messages(STREAMS.events)
      .map((m) => JSON.parse(Buffer.from(m.data).toString()) as BusEvent)
      .find((e) => e.type === "attempt.refused");
    expect(attempt?.data).toMatchObject({ refused: "forbidden", code: "referral.not-addressee" });
    // For an English reader, from the record's code: the same reason in English.
    const english = await county
      .as("office")
      .request(`/trail/referral/${id}`, { headers: { "accept-language": "en" } });
    expect(
      ((await english.json()) as Trail).steps.find((s) => s.type === "attempt.refused")?.reason,
    ).toBe("only the addressee accepts or returns");

    const lead = await county
      .as("office")
      .get<{ originator: string; sharedWith: string[] }>(`/leads/${leadId}`);
    expect(lead.body).toMatchObject({ originator: "commerce", sharedWith: ["public-security"] });
  });

  it("a refused attempt's reason with parameters in the reader's language; an older record's as it was told", async () => {
    const { id } = await offered("某镇丙诊所");
    await county.settle();
    expect((await county.as("health").post(`/referrals/${id}/acceptance`, {})).status).toBe(200);
    await county.settle();
    const late = await county
      .as("commerce")
      .post(`/referrals/${id}/withdrawal`, { reason: "撤回" });
    expect(late.status).toBe(409);
    await county.settle();
    const reasonIn = async (lang: string) => {
      const res = await county
        .as("office")
        .request(`/trail/referral/${id}`, { headers: { "accept-language": lang } });
      const steps = ((await res.json()) as Trail).steps;
      return steps.find((s) => s.type === "attempt.refused")?.reason;
    };
    expect(await reasonIn("zh-CN")).toBe("该移交已接收");
    expect(await reasonIn("en")).toBe("referral is accepted");
    const attempt = county.streams
      .messages(STREAMS.events)
      .map((m) => JSON.parse(Buffer.from(m.data).toString()) as BusEvent)
      .find((e) => e.type === "attempt.refused" && e.data.referralId === id);
    expect(attempt?.data).toMatchObject({
      code: "referral.status",
      params: { status: { zh: "已接收", en: "accepted" } },
    });
    // A record without parameters (written before they were kept): its words as they were told.
    expect(attemptReason({ message: "该移交已接收", code: "referral.status" }, "en")).toBe(
      "该移交已接收",
    );
  });

  // One record of a referral, folded by every reader: the office names the holder and whose step
  // is due as both parties do, at every step (issue #12 found them disagreeing).
  it("names the holder and whose step is due as both parties do, at every step", async () => {
    const { id } = await offered("某镇丙诊所");
    const holders = async () => {
      await county.settle();
      return Promise.all([
        county.as("commerce").get<Tracked>(`/referrals/${id}`),
        county.as("health").get<Tracked>(`/referrals/${id}`),
        county.as("office").get<Tracked>(`/tracker/referrals/${id}`),
      ]).then((rs) => rs.map((r) => `${r.body.holder}/${r.body.awaiting ?? "-"}`));
    };
    const seen = [await holders()];
    await county.as("health").post(`/referrals/${id}/acceptance`, {});
    seen.push(await holders());
    await county.as("health").post(`/referrals/${id}/completion`, {
      actions: "现场检查",
      outcome: "罚款",
    });
    seen.push(await holders());
    for (const [sender, addressee, office] of seen)
      expect([addressee, office]).toEqual([sender, sender]);
    // Offered: commerce holds it, health's acceptance is due; accepted: health holds it and owes
    // feedback; completed: it rests with health, nobody's step is due.
    expect(seen.map((s) => s[0])).toEqual(["commerce/health", "health/health", "health/-"]);
  });

  it("is answered for officers of the office only", async () => {
    expect((await county.app("office").request("/tracker/referrals")).status).toBe(401);
    const agencyToken = { authorization: `Bearer ${county.as("health").token}` };
    const r = await county.app("office").request("/tracker/referrals", { headers: agencyToken });
    expect(r.status).toBe(403);
  });

  it("rebuilds the same view from the log after a restart", async () => {
    const { before, after } = await acrossRestart<List<Tracked>>(
      county,
      "office",
      "/tracker/referrals",
    );
    const shown = (l: List<Tracked>) => l.items.map((r) => [r.referralId, r.status, r.holder]);
    expect(after.total).toBeGreaterThan(0);
    expect(shown(after)).toEqual(shown(before));
    expect(county.streams.messages(STREAMS.deadLetters)).toHaveLength(0);
  });
});
