import { createHash } from "node:crypto";
import { type LeadRegistration, roleActor } from "@liandong/contracts";
import { httpCall } from "@liandong/runtime";
import type { IssuedToken } from "./officers.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

type Reply = { status: number; body: Record<string, unknown> };
type Officer = {
  post(path: string, body: unknown, key: string): Promise<Reply>;
  get(path: string): Promise<Reply>;
};

/** An officer's HTTP calls, every step idempotent (the demo may be played again). */
function officers(urls: Record<string, string>, tokens: IssuedToken[]) {
  return (agency: string, role = "liaison"): Officer => {
    const token = tokens.find((t) => t.officer === roleActor(agency, role))?.token ?? "";
    const url = urls[agency] ?? "";
    const call = async (
      method: "GET" | "POST",
      path: string,
      body?: unknown,
      key?: string,
    ): Promise<Reply> => {
      const res = await httpCall(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          ...(key ? { "idempotency-key": `demo:${key}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
    };
    return { post: (p, b, k) => call("POST", p, b, k), get: (p) => call("GET", p) };
  };
}

/** Waits until the other party has it (the bus delivers in milliseconds; across a link, seconds). */
async function arrived(o: Officer, path: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await o.get(path)).status === 200) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${path} did not arrive`);
}

/** Demo data plays the scenarios (scenarios.md) through HTTP, as officers would; every step is idempotent. */
export async function playDemo(
  urls: Record<string, string>,
  tokens: IssuedToken[],
): Promise<string[]> {
  const as = officers(urls, tokens);
  const lines: string[] = [];
  const id = (r: Reply, field: string) => String(r.body[field]);

  // S1 同名五次引产
  const health = as("health");
  const s1 = await health.post("/leads", S1_LEAD, "S1");
  const s1Lead = id(s1, "leadId");
  const ps = as("public-security");
  await arrived(ps, `/inbox/${s1Lead}`);
  const back = await ps.post(
    "/referrals",
    {
      to: "health",
      about: { kind: "lead", id: s1Lead },
      reason: "核查：全县同名8人，均无引产记录，系冒名；请卫健部门查处",
    },
    "S1:back",
  );
  const s1Ref = id(back, "referralId");
  await arrived(health, `/referrals/${s1Ref}`);
  await health.post(`/referrals/${s1Ref}/acceptance`, {}, "S1:accept");
  const s1Case = await health.post(
    "/cases",
    {
      title: "某镇卫生院医生冒名引产案",
      leads: [s1Lead],
      referrals: [s1Ref],
      violations: ["sex-selective-termination", "false-certificate"],
      target: { kind: "person", name: "某镇卫生院产科医生", county: "441723" },
    },
    "S1:case",
  );
  await health.post(
    `/cases/${id(s1Case, "caseId")}/closure`,
    {
      summary: "冒用他人姓名实施非医学需要的引产",
      sanctions: [
        { kind: "revoke-practising-certificate", against: "产科医生" },
        { kind: "fine", amountYuan: 30000, against: "产科医生" },
        { kind: "transfer-to-judiciary", against: "产科医生" },
      ],
    },
    "S1:close",
  );
  await health.post(
    `/referrals/${s1Ref}/completion`,
    { actions: "立案查处", outcome: "吊销执业证书、罚款3万元、移送司法机关" },
    "S1:done",
  );
  lines.push(
    `S1 同名五次引产：线索 ${s1Lead} → 公安核查后退回卫健 → 立案并结案（吊证、罚款3万元、移送司法）`,
  );

  // S2 利凡诺超量
  const dr = as("drug-regulation");
  const s2 = await dr.post(
    "/leads",
    {
      source: "drug-ledger-anomaly",
      violations: ["illegal-drug-sale"],
      target: { kind: "person", name: "某医院妇产科医生甲", unit: "妇产科", county: "441723" },
      summary: "药房进销存显示该医生每次开具利凡诺剂量超过常规两倍以上",
      evidence: [{ ref: "drug-regulation:ledger/2026-10.xlsx", sha256: sha("ledger-2026-10") }],
    },
    "S2",
  );
  const s2Ref = await dr.post(
    "/referrals",
    {
      to: "health",
      about: { kind: "lead", id: id(s2, "leadId") },
      reason: "超量开具终止妊娠药品，请立案调查",
    },
    "S2:ref",
  );
  await arrived(health, `/referrals/${id(s2Ref, "referralId")}`);
  await health.post(`/referrals/${id(s2Ref, "referralId")}/acceptance`, {}, "S2:accept");
  lines.push(`S2 利凡诺超量：药监移交卫健，已接收（${id(s2Ref, "referralId")}）`);

  // S3 群众举报
  const fp = as("family-planning");
  const s3 = await fp.post("/leads", S3_LEAD, "S3");
  lines.push(
    `S3 群众举报：线索 ${id(s3, "leadId")} 已登记，举报人身份封存于计生部门（${id(s3, "informantRef")}）`,
  );

  // S4 孕情不明原因消失, referred on to commerce
  const s4 = await fp.post(
    "/leads",
    {
      source: "pregnancy-disappearance",
      violations: ["sex-selective-termination"],
      target: { kind: "person", name: "持二孩生育证孕妇（随访对象）", county: "441723" },
      summary: "末次随访孕16周，现无孕，无分娩或批准引产记录",
    },
    "S4",
  );
  const s4Ref = await fp.post(
    "/referrals",
    {
      to: "health",
      about: { kind: "lead", id: id(s4, "leadId") },
      reason: "孕情不明原因消失，请核查引产情况",
    },
    "S4:ref",
  );
  await arrived(health, `/referrals/${id(s4Ref, "referralId")}`);
  await health.post(`/referrals/${id(s4Ref, "referralId")}/acceptance`, {}, "S4:accept");
  const onward = await health.post(
    `/referrals/${id(s4Ref, "referralId")}/onward`,
    { to: "commerce", reason: "该诊所无营业执照，请市场监管部门查处" },
    "S4:onward",
  );
  lines.push(
    `S4 孕情消失：计生 → 卫健（已接收）→ 转办市场监管（待接收 ${id(onward, "referralId")}）`,
  );

  // S6 逾期督办: the acceptance deadline is set a few seconds ahead, so that the office's
  // scheduler finds it passed while the demo watches (in the field: three days).
  const office = as("office");
  const s6Reason = "孕情消失对象再次随访异常，请核查";
  // Played again, the referral is there already: its deadline was the first play's, and the same
  // request key with another deadline would be another request (refused, 422).
  const made = (await as("family-planning").get("/referrals")).body.items as
    | { referralId: string; reason: string; about: { id: string } }[]
    | undefined;
  const before = made?.find((r) => r.reason === s6Reason && r.about.id === id(s4, "leadId"));
  const s6Ref =
    before?.referralId ??
    id(
      await as("family-planning").post(
        "/referrals",
        {
          to: "health",
          about: { kind: "lead", id: id(s4, "leadId") },
          reason: s6Reason,
          acceptBy: new Date(Date.now() + 2000).toISOString(),
        },
        "S6:ref",
      ),
      "referralId",
    );
  // Until the office tracks it (404 before its copy arrives) and its scheduler has recorded the
  // passed deadline, or it moved on (played again).
  for (let i = 0; i < 400; i++) {
    const t = await office.get(`/tracker/referrals/${s6Ref}`);
    if (t.status === 200 && (t.body.overdueNow === true || t.body.status !== "offered")) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const order = await office.post(
    "/supervision",
    { about: { kind: "referral", id: s6Ref }, reason: "移交逾期未接收，请立即办理并回复" },
    "S6:order",
  );
  if (order.status !== 201 && order.status !== 200)
    throw new Error(`S6: the office could not issue its order: ${JSON.stringify(order.body)}`);
  const orderId = id(order, "orderId");
  await arrived(health, `/referrals/${s6Ref}`);
  await health.post(`/referrals/${s6Ref}/acceptance`, {}, "S6:accept");
  for (let i = 0; i < 200; i++) {
    const mine = await health.get("/supervision");
    if ((mine.body.items as { orderId: string }[]).some((o) => o.orderId === orderId)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await health.post(
    `/supervision/${orderId}/answer`,
    { answer: "已接收，正在核查，十日内反馈" },
    "S6:answer",
  );
  lines.push(`S6 逾期督办：计生 → 卫健 移交逾期，办公室督办，卫健已接收并回复（${orderId}）`);

  // S7 月报: a joint inspection, then health's report for the month, submitted.
  const plan = await office.post(
    "/inspections",
    {
      title: "城区B超与药店联合检查",
      agencies: ["health", "drug-regulation"],
      targets: [{ kind: "institution", name: "城区某诊所", county: "441723" }],
      startsOn: "2026-11-03",
      endsOn: "2026-11-05",
    },
    "S7:inspection",
  );
  const inspectionId = id(plan, "inspectionId");
  for (const [agency, findings] of [
    [
      "health",
      { institutionsChecked: 6, devicesSealed: 2, drugsConfiscated: 0, advertsRemoved: 3 },
    ],
    [
      "drug-regulation",
      { institutionsChecked: 9, devicesSealed: 0, drugsConfiscated: 40, advertsRemoved: 0 },
    ],
  ] as const) {
    const desk = as(agency);
    for (let i = 0; i < 200; i++) {
      const r = await desk.get("/inspections");
      if ((r.body.items as { inspectionId: string }[]).some((x) => x.inspectionId === inspectionId))
        break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await desk.post(`/inspections/${inspectionId}/findings`, findings, `S7:findings:${agency}`);
  }
  const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
  const own = await health.get(`/reports/${month}`);
  await health.post(
    `/reports/${month}/submission`,
    { figures: own.body.prefilled, note: "演示数据" },
    `S7:report:${month}`,
  );
  lines.push(`S7 月报：联合检查两部门已录入结果；卫健 ${month} 月报已报送（其余部门待报送）`);
  return lines;
}

const S1_LEAD: LeadRegistration = {
  source: "record-audit",
  violations: ["sex-selective-termination"],
  target: { kind: "institution", name: "阳东县某镇卫生院", unit: "产科", county: "441723" },
  summary:
    "查阅产科病历档案：同一姓名一年内有五次引产记录，疑为冒名实施非医学需要的选择性别人工终止妊娠。",
  evidence: [
    {
      ref: "health:archive/2026/441723-ob-0042.pdf",
      sha256: sha("ob-records-0042"),
      description: "引产病历复印件（5份）",
    },
  ],
  handling: [],
};

const S3_LEAD: LeadRegistration = {
  source: "public-tip",
  violations: ["illegal-sex-determination", "unregistered-ultrasound"],
  target: { kind: "person", name: "沿海某镇个体医生", address: "某镇滨海路", county: "441723" },
  summary: "群众来电举报：该医生在家中使用私自购买的B超机为孕妇做胎儿性别鉴定。",
  evidence: [],
  informant: { name: "李某某", phone: "13800000000", rewardEligible: true },
  handling: [],
};

/**
 * S5 区域协作 between two linked counties: the home county's health refers a clinic located in
 * the neighbour (属地管理) to the neighbour's health, which accepts, investigates, closes its case
 * and feeds back. Idempotent, like the rest of the demo.
 */
export async function playRegionDemo(
  home: { county: string; urls: Record<string, string>; tokens: IssuedToken[] },
  neighbour: { county: string; urls: Record<string, string>; tokens: IssuedToken[] },
): Promise<string[]> {
  const here = officers(home.urls, home.tokens)("health");
  const there = officers(neighbour.urls, neighbour.tokens)("health");
  const lead = await here.post(
    "/leads",
    {
      source: "record-audit",
      violations: ["illegal-sex-determination"],
      target: { kind: "institution", name: "邻县某诊所", county: neighbour.county },
      summary: "本县立案调查中查明：孕妇曾在邻县某诊所接受胎儿性别鉴定。",
      evidence: [{ ref: "health:case/statement-3.pdf", sha256: sha("statement-3") }],
      handling: [],
    },
    "S5-lead",
  );
  const offer = await here.post(
    "/referrals",
    {
      to: "health",
      about: { kind: "lead", id: String(lead.body.leadId) },
      reason: "诊所位于邻县，请属地卫健部门查处",
    },
    "S5-referral",
  );
  const referralId = String(offer.body.referralId);
  await arrived(there, `/referrals/${referralId}`, 60_000);
  await there.post(`/referrals/${referralId}/acceptance`, {}, "S5-accept");
  const opened = await there.post(
    "/cases",
    {
      title: "邻县某诊所非法鉴定胎儿性别案",
      referrals: [referralId],
      violations: ["illegal-sex-determination"],
      target: { kind: "institution", name: "邻县某诊所", county: neighbour.county },
    },
    "S5-case",
  );
  const caseId = String(opened.body.caseId);
  await there.post(
    `/cases/${caseId}/closure`,
    {
      summary: "查实该诊所使用B超为孕妇鉴定胎儿性别",
      sanctions: [{ kind: "revoke-institution-licence", against: "邻县某诊所" }],
    },
    "S5-closure",
  );
  await there.post(
    `/referrals/${referralId}/completion`,
    { actions: "立案查处，查封B超机一台", outcome: "吊销该诊所《医疗机构执业许可证》" },
    "S5-complete",
  );
  return [
    `S5 区域协作：${home.county} 卫健 → ${neighbour.county} 卫健 移交 ${referralId.slice(0, 8)}…，对方已接收、立案查处并反馈`,
  ];
}
