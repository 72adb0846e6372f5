import { describe, expect, it } from "vitest";
import { roleActor, serviceActor } from "./actor-ids.ts";
import { DEFAULT_AGENCIES } from "./agency.ts";
import { LeadStatus } from "./api.ts";
import { CaseView } from "./api-case.ts";
import { ConsentView, ReferralStatus } from "./api-referral.ts";
import { ReportStatus } from "./api-report.ts";
import { SupervisionOrderView, SupervisionStatus } from "./api-supervision.ts";
import { EVENT_TYPES } from "./catalogue.ts";
import { AggregateKind } from "./envelope.ts";
import { BreakGlassAction } from "./events-break-glass.ts";
import { SanctionKind } from "./events-case.ts";
import { MajorCaseGround } from "./events-city.ts";
import { InspectionFindings } from "./events-inspection.ts";
import { AttemptRefused, ReferralDeadline, ReferralKind } from "./events-referral.ts";
import { MonthlyFigures } from "./events-report.ts";
import {
  AGENCY_ENGLISH,
  AGGREGATE_KIND_LABELS,
  BREAK_GLASS_ACTION_LABELS,
  CASE_STATUS_LABELS,
  CONSENT_STATUS_LABELS,
  DEADLINE_LABELS,
  EVENT_TYPE_LABELS,
  FIGURE_LABELS,
  FINDINGS_COUNT_LABELS,
  type Label,
  LEAD_SOURCE_LABELS,
  LEAD_STATUS_LABELS,
  MAJOR_CASE_GROUND_LABELS,
  OFFICER_ROLE_LABELS,
  officerLabel,
  REFERRAL_KIND_LABELS,
  REFERRAL_STATUS_LABELS,
  REFUSAL_KIND_LABELS,
  REPORT_STATUS_LABELS,
  SANCTION_LABELS,
  SUPERVISION_GROUNDS_LABELS,
  SUPERVISION_STATUS_LABELS,
  stepReasonLabel,
  TARGET_KIND_LABELS,
  VIOLATION_LABELS,
  VOCABULARY,
} from "./labels.ts";
import { LeadSource, Target, Violation } from "./lead.ts";
import { OfficerRole } from "./officer-role.ts";
import { shareReasonOf } from "./share-reason.ts";

const tables: [string, Record<string, Label>, readonly string[]][] = [
  ["target kinds", TARGET_KIND_LABELS, Target.shape.kind.options],
  ["lead sources", LEAD_SOURCE_LABELS, LeadSource.options],
  ["violations", VIOLATION_LABELS, Violation.options],
  ["referral statuses", REFERRAL_STATUS_LABELS, ReferralStatus.options],
  ["referral kinds", REFERRAL_KIND_LABELS, ReferralKind.options],
  ["refusal kinds", REFUSAL_KIND_LABELS, AttemptRefused.shape.refused.options],
  ["deadlines", DEADLINE_LABELS, ReferralDeadline.options],
  ["lead statuses", LEAD_STATUS_LABELS, LeadStatus.options],
  ["case statuses", CASE_STATUS_LABELS, CaseView.shape.status.options],
  ["supervision statuses", SUPERVISION_STATUS_LABELS, SupervisionStatus.options],
  ["supervision grounds", SUPERVISION_GROUNDS_LABELS, SupervisionOrderView.shape.grounds.options],
  ["consent statuses", CONSENT_STATUS_LABELS, ConsentView.shape.status.options],
  ["major case grounds", MAJOR_CASE_GROUND_LABELS, MajorCaseGround.options],
  ["report statuses", REPORT_STATUS_LABELS, ReportStatus.options],
  ["sanctions", SANCTION_LABELS, SanctionKind.options],
  ["figures", FIGURE_LABELS, Object.keys(MonthlyFigures.shape)],
  [
    "inspection findings' counts",
    FINDINGS_COUNT_LABELS,
    Object.keys(InspectionFindings.shape).filter((k) => k !== "problems" && k !== "leads"),
  ],
  ["aggregate kinds", AGGREGATE_KIND_LABELS, AggregateKind.options],
  ["event types", EVENT_TYPE_LABELS, EVENT_TYPES],
  ["officer roles", OFFICER_ROLE_LABELS, OfficerRole.options],
  ["break-glass actions", BREAK_GLASS_ACTION_LABELS, BreakGlassAction.options],
];

describe("labels", () => {
  it("says why the routing rule sent a lead's copy in words; an officer's reason as written", () => {
    const rule = shareReasonOf("record-audit");
    expect(stepReasonLabel("lead.shared", rule)).toBe("按线索来源分送：病历档案查阅");
    expect(stepReasonLabel("lead.shared", rule, "en")).toBe(
      "Sent by the lead's source: Record audit",
    );
    // Only a copy's reason is the rule's: the same words in a referral are the officer's.
    expect(stepReasonLabel("referral.offered", rule)).toBe(rule);
    expect(stepReasonLabel("lead.shared", "source:no-such-source")).toBe("source:no-such-source");
    expect(stepReasonLabel("referral.returned", "证据不足")).toBe("证据不足");
  });

  it("names the officer who took a step (经办人); with none named, the role or the service", () => {
    const officer = { name: "张三", role: "liaison" } as const;
    expect(officerLabel("health-1a2b3c4d", officer, "卫健")).toBe("张三（卫健联络员）");
    expect(officerLabel("health-1a2b3c4d", officer, "Health", "en")).toBe(
      "张三 (Health Liaison officer)",
    );
    // No officer named: a role's own identity by its role, a service as acting on its own.
    expect(officerLabel(roleActor("health", "liaison"), undefined, "卫健")).toBe("卫健联络员");
    expect(officerLabel("health.supervisor", undefined, "Health", "en")).toBe("Health Supervisor");
    expect(officerLabel(serviceActor("office"), undefined, "领导小组办公室")).toBe(
      "系统自动（领导小组办公室）",
    );
    expect(officerLabel("svc.health", undefined, undefined)).toBe("系统自动（health）");
    // Anything else, as it is.
    expect(officerLabel("health.nobody", undefined, "卫健")).toBe("health.nobody");
    expect(officerLabel("hl-wang", undefined, "卫健")).toBe("hl-wang");
  });

  it.each(tables)(
    "%s: one label for each identifier of the schema, in its order",
    (_, table, ids) => {
      expect(Object.keys(table)).toEqual([...ids]);
      for (const [id, l] of Object.entries(table)) {
        expect(l.zh, id).toMatch(/\p{Script=Han}/u);
        expect(l.en, id).toMatch(/^[A-Z]/);
      }
    },
  );

  it("the lists offered to pick from are the schemas' lists", () => {
    expect(VOCABULARY.violations).toEqual(Violation.options);
    expect(VOCABULARY.leadSources).toEqual(LeadSource.options);
    expect(VOCABULARY.referralStatuses).toEqual(ReferralStatus.options);
    expect(VOCABULARY.sanctions).toEqual(SanctionKind.options);
    expect(VOCABULARY.deadlines).toEqual(ReferralDeadline.options);
    expect(VOCABULARY.figures).toEqual(Object.keys(MonthlyFigures.shape));
  });

  it("every default agency has an English name", () => {
    for (const a of DEFAULT_AGENCIES) expect(AGENCY_ENGLISH[a.code], a.code).toBeTruthy();
  });
});
