import { createHash } from "node:crypto";
import type { LeadRegistration } from "@liandong/contracts";
import { request } from "undici";
import type { IssuedToken } from "./officers.ts";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Scenario leads (scenarios.md); people and places illustrative, county codes real. */
export const DEMO_LEADS: {
  key: string;
  scenario: string;
  agency: string;
  lead: LeadRegistration;
}[] = [
  {
    key: "S1",
    scenario: "S1 同名五次引产",
    agency: "health",
    lead: {
      source: "record-audit",
      violations: ["sex-selective-termination"],
      target: { kind: "institution", name: "阳西县某镇卫生院", unit: "产科", county: "441723" },
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
    },
  },
  {
    key: "S3",
    scenario: "S3 群众举报家中B超",
    agency: "family-planning",
    lead: {
      source: "public-tip",
      violations: ["illegal-sex-determination", "unregistered-ultrasound"],
      target: { kind: "person", name: "沿海某镇个体医生", address: "某镇滨海路", county: "441723" },
      summary: "群众来电举报：该医生在家中使用私自购买的B超机为孕妇做胎儿性别鉴定。",
      evidence: [],
      informant: { name: "李某某", phone: "13800000000", rewardEligible: true },
      handling: [],
    },
  },
];

/** Registers the demo leads through HTTP, as officers would; idempotent (same keys every run). */
export async function playDemo(
  urls: Record<string, string>,
  tokens: IssuedToken[],
): Promise<string[]> {
  const lines: string[] = [];
  for (const d of DEMO_LEADS) {
    const token = tokens.find((t) => t.agency === d.agency && !t.supervisor)?.token;
    const url = urls[d.agency];
    if (!token || !url) continue;
    const res = await request(`${url}/leads`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        "idempotency-key": `demo:${d.key}`,
      },
      body: JSON.stringify(d.lead),
    });
    const body = (await res.body.json()) as {
      leadId?: string;
      sharedWith?: string[];
      title?: string;
    };
    lines.push(
      res.statusCode < 300
        ? `${d.scenario}：线索 ${body.leadId} 已登记，分送 ${body.sharedWith?.join("、")}`
        : `${d.scenario}：登记失败 (${res.statusCode} ${body.title ?? ""})`,
    );
  }
  return lines;
}
