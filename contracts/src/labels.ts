// What a person reads for each identifier of the vocabulary (GLOSSARY.md): the one table the
// page, the CLI and the office's CSV take their words from. Each table is keyed by its zod
// enum, so an identifier added to a schema without a label is a compile error here.
// Types only: the page bundles this file, and what it imports must not bring zod with it. Each
// table's keys are checked against its enum's options by labels.test.ts, order included.
import type { z } from "zod";
import { actorForm } from "./actor-ids.ts";
import type { LeadStatus } from "./api.ts";
import type { CaseView } from "./api-case.ts";
import type { ConsentView, ReferralStatus } from "./api-referral.ts";
import type { ReportStatus } from "./api-report.ts";
import type { SupervisionOrderView, SupervisionStatus } from "./api-supervision.ts";
import type { EventType } from "./catalogue.ts";
import type { AggregateKind } from "./envelope.ts";
import type { BreakGlassAction } from "./events-break-glass.ts";
import type { SanctionKind } from "./events-case.ts";
import type { MajorCaseGround } from "./events-city.ts";
import type { InspectionFindings } from "./events-inspection.ts";
import type { AttemptRefused, ReferralDeadline, ReferralKind } from "./events-referral.ts";
import type { MonthlyFigures } from "./events-report.ts";
import type { LeadSource, Target, Violation } from "./lead.ts";
import type { OfficerName, OfficerRole } from "./officer-role.ts";
import { sourceOfShareReason } from "./share-reason.ts";

/** A label in the two languages people read Liandong in: Chinese first, English on request. */
export type Label = { zh: string; en: string };
export type Lang = keyof Label;

type Labels<E extends z.ZodEnum> = Record<z.infer<E>, Label>;

/** What the break-glass identity was used for (liandong break-glass), as the audit report says it. */
export const BREAK_GLASS_ACTION_LABELS: Labels<typeof BreakGlassAction> = {
  "delete-stream": { zh: "删除流", en: "Delete stream" },
  "purge-stream": { zh: "清空流", en: "Purge stream" },
  "delete-message": { zh: "删除消息", en: "Delete message" },
  provision: { zh: "更新各流配置", en: "Update the streams' configuration" },
};

/**
 * The default agencies' names in English (GLOSSARY.md). In Chinese an agency is called by its
 * configured `name` (DEFAULT_AGENCIES, or the county's configuration for an agency it adds).
 */
export const AGENCY_ENGLISH: Record<string, string> = {
  health: "Health",
  "family-planning": "Family planning",
  "public-security": "Public security",
  "drug-regulation": "Drug regulation",
  commerce: "Commerce (market regulation)",
  office: "Leading group's office",
};

/** What a lead's or a case's target is (对象类型). */
export const TARGET_KIND_LABELS: Labels<typeof Target.shape.kind> = {
  institution: { zh: "机构", en: "Institution" },
  person: { zh: "个人", en: "Person" },
};

export const LEAD_SOURCE_LABELS: Labels<typeof LeadSource> = {
  "public-tip": { zh: "群众举报", en: "Public tip" },
  "pregnancy-disappearance": {
    zh: "孕情不明原因消失（14周以上）",
    en: "Pregnancy disappeared (14+ weeks)",
  },
  "record-audit": { zh: "病历档案查阅", en: "Record audit" },
  "drug-ledger-anomaly": { zh: "终止妊娠药品进销存异常", en: "Drug ledger anomaly" },
  "ultrasound-registry": { zh: "B超登记/未备案设备", en: "Ultrasound registry" },
  "birth-data-comparison": { zh: "出生实名登记与户籍数据比对", en: "Birth data comparison" },
  inspection: { zh: "检查发现", en: "Inspection finding" },
  "neighbour-county": { zh: "周边县市通报", en: "Neighbouring county" },
};

/**
 * A trail step's reason as a person reads it. A lead's copy sent by the routing rule records the
 * lead's source (`source:record-audit`): said as such (按线索来源分送：病历档案查阅). Any other
 * reason is an officer's own words, shown as written.
 */
export function stepReasonLabel(type: string, reason: string, lang: Lang = "zh"): string {
  const source = type === "lead.shared" ? sourceOfShareReason(reason) : undefined;
  const label =
    source === undefined
      ? undefined
      : (LEAD_SOURCE_LABELS as Record<string, Label | undefined>)[source];
  if (!label) return reason;
  return lang === "zh" ? `按线索来源分送：${label.zh}` : `Sent by the lead's source: ${label.en}`;
}

export const VIOLATION_LABELS: Labels<typeof Violation> = {
  "illegal-sex-determination": {
    zh: "非医学需要的胎儿性别鉴定",
    en: "Illegal sex determination",
  },
  "sex-selective-termination": {
    zh: "非医学需要的选择性别人工终止妊娠",
    en: "Sex-selective termination",
  },
  intermediary: { zh: "介绍他人进行“两非”", en: "Intermediary" },
  "illegal-drug-sale": { zh: "非法销售终止妊娠药品", en: "Illegal abortion-drug sale" },
  "unlicensed-practice": { zh: "非法行医 / 无证开展计生技术服务", en: "Unlicensed practice" },
  "unregistered-ultrasound": { zh: "未经登记使用B超", en: "Unregistered ultrasound" },
  "infant-abandonment": { zh: "溺、弃、残害女婴", en: "Infant abandonment" },
  "infant-trafficking": { zh: "贩卖婴儿", en: "Infant trafficking" },
  "false-certificate": { zh: "出具虚假医学证明", en: "False certificate" },
  obstruction: { zh: "妨碍执行公务", en: "Obstruction" },
};

export const REFERRAL_STATUS_LABELS: Labels<typeof ReferralStatus> = {
  offered: { zh: "待接收", en: "Offered" },
  accepted: { zh: "已接收", en: "Accepted" },
  returned: { zh: "已退回", en: "Returned" },
  withdrawn: { zh: "已撤回", en: "Withdrawn" },
  completed: { zh: "已办结", en: "Completed" },
  "referred-on": { zh: "已转办", en: "Referred on" },
};

/** Why an attempted step was refused (未予受理的操作), as the trail shows it. */
export const REFUSAL_KIND_LABELS: Labels<typeof AttemptRefused.shape.refused> = {
  forbidden: { zh: "无权操作", en: "Not allowed" },
  conflict: { zh: "状态已变化", en: "Conflict" },
};

/** A refused attempt's kind as a trail gives it (a string): its label, or itself if unknown. */
export const refusalKindLabel = (kind: string, lang: Lang = "zh"): string =>
  (REFUSAL_KIND_LABELS as Record<string, Label | undefined>)[kind]?.[lang] ?? kind;

export const REFERRAL_KIND_LABELS: Labels<typeof ReferralKind> = {
  handling: { zh: "办理", en: "Handling" },
  judiciary: { zh: "移送司法机关", en: "Transfer to the judiciary" },
};

/** A deadline passed (what the tracker's 逾期 column names). */
export const DEADLINE_LABELS: Labels<typeof ReferralDeadline> = {
  acceptance: { zh: "接收逾期", en: "Acceptance overdue" },
  feedback: { zh: "反馈逾期", en: "Feedback overdue" },
};

export const LEAD_STATUS_LABELS: Labels<typeof LeadStatus> = {
  open: { zh: "有效", en: "Open" },
  dismissed: { zh: "已撤销", en: "Dismissed" },
};

export const CASE_STATUS_LABELS: Labels<typeof CaseView.shape.status> = {
  open: { zh: "办理中", en: "Open" },
  closed: { zh: "已结案", en: "Closed" },
};

export const SUPERVISION_STATUS_LABELS: Labels<typeof SupervisionStatus> = {
  open: { zh: "待答复", en: "Open" },
  answered: { zh: "已答复", en: "Answered" },
  escalated: { zh: "已升级", en: "Escalated" },
};

export const SUPERVISION_GROUNDS_LABELS: Labels<typeof SupervisionOrderView.shape.grounds> = {
  overdue: { zh: "移交逾期", en: "Overdue referral" },
  "major-case": { zh: "重大案件", en: "Major case" },
};

/** Why a case is reported to the city as major (重大案件及时通报制), by the county's criteria. */
export const MAJOR_CASE_GROUND_LABELS: Labels<typeof MajorCaseGround> = {
  "transfer-to-judiciary": { zh: "移送司法机关", en: "Transferred to the judiciary" },
  "fine-at-least": { zh: "罚款达到通报金额", en: "Fine at or above the reporting amount" },
  "institution-licence-revoked": {
    zh: "吊销医疗机构执业许可证",
    en: "Institution licence revoked",
  },
  "several-counties": { zh: "涉及多个县（市、区）", en: "Several counties involved" },
};

export const CONSENT_STATUS_LABELS: Labels<typeof ConsentView.shape.status> = {
  pending: { zh: "待答复", en: "Waiting" },
  given: { zh: "已同意", en: "Given" },
  refused: { zh: "未同意", en: "Refused" },
};

/** An agency's monthly report as the office sees it (报送状态). */
export const REPORT_STATUS_LABELS: Labels<typeof ReportStatus> = {
  submitted: { zh: "已按时报送", en: "Submitted" },
  late: { zh: "逾期报送", en: "Late" },
  missing: { zh: "未报送（已逾期）", en: "Missing (overdue)" },
  pending: { zh: "未报送", en: "Not yet" },
};

export const SANCTION_LABELS: Labels<typeof SanctionKind> = {
  fine: { zh: "罚款", en: "Fine" },
  "revoke-practising-certificate": { zh: "吊销执业证书", en: "Revoke practising certificate" },
  "revoke-institution-licence": {
    zh: "吊销《医疗机构执业许可证》",
    en: "Revoke institution licence",
  },
  "administrative-sanction": { zh: "行政处分", en: "Administrative sanction" },
  "birth-permit-sanction": { zh: "三年内不予安排生育", en: "Birth-permit sanction" },
  "transfer-to-judiciary": { zh: "移送司法机关", en: "Transfer to the judiciary" },
  "confiscate-drugs": { zh: "没收终止妊娠药品", en: "Confiscate termination drugs" },
  "revoke-business-licence": { zh: "吊销营业执照", en: "Revoke business licence" },
  "close-unlicensed-operator": { zh: "取缔（无照经营）", en: "Close unlicensed operator" },
};

/** The monthly figures (月报), in the order of the schema: the CSV's and the page's columns. */
export const FIGURE_LABELS: Record<keyof MonthlyFigures, Label> = {
  leadsRegistered: { zh: "登记线索", en: "Leads registered" },
  leadsReceived: { zh: "接收线索", en: "Leads received" },
  casesOpened: { zh: "立案", en: "Cases opened" },
  casesClosed: { zh: "结案", en: "Cases closed" },
  finesYuan: { zh: "罚没款（元）", en: "Fines (yuan)" },
  revocations: { zh: "吊销证照", en: "Revocations" },
  judiciaryTransfers: { zh: "移送司法机关", en: "To the judiciary" },
  referralsOverdue: { zh: "逾期移交", en: "Referrals overdue" },
  inspections: { zh: "联合检查", en: "Joint inspections" },
  institutionsChecked: { zh: "检查机构", en: "Institutions checked" },
  devicesSealed: { zh: "封存B超机", en: "Devices sealed" },
  drugsConfiscated: { zh: "查扣药品（盒）", en: "Drugs confiscated (boxes)" },
};

export const AGGREGATE_KIND_LABELS: Labels<typeof AggregateKind> = {
  lead: { zh: "线索", en: "Lead" },
  referral: { zh: "移交", en: "Referral" },
  case: { zh: "案件", en: "Case" },
  informant: { zh: "举报人档案", en: "Informant file" },
  audit: { zh: "审计检查点", en: "Audit checkpoints" },
  attempt: { zh: "被拒绝的操作", en: "Refused attempts" },
  supervision: { zh: "督办", en: "Supervision" },
  report: { zh: "月报", en: "Monthly report" },
  inspection: { zh: "联合检查", en: "Joint inspection" },
  consent: { zh: "征求意见", en: "Consent" },
  "break-glass": { zh: "紧急权限", en: "Break-glass" },
  witness: { zh: "见证", en: "Witnessing" },
  officer: { zh: "经办人", en: "Officer" },
  "major-case": { zh: "重大案件通报", en: "Major case report" },
  comparison: { zh: "数据比对请求", en: "Comparison request" },
};

/** Each event type as a step of a trail (留痕). */
export const EVENT_TYPE_LABELS: Record<EventType, Label> = {
  "lead.reported": { zh: "登记线索", en: "Lead reported" },
  "lead.shared": { zh: "共享线索", en: "Lead shared" },
  "lead.linked": { zh: "关联线索", en: "Lead linked" },
  "lead.dismissed": { zh: "撤销线索", en: "Lead dismissed" },
  "referral.offered": { zh: "移交", en: "Offered" },
  "referral.accepted": { zh: "接收", en: "Accepted" },
  "referral.returned": { zh: "退回", en: "Returned" },
  "referral.withdrawn": { zh: "撤回", en: "Withdrawn" },
  "referral.completed": { zh: "办结反馈", en: "Completed" },
  "referral.referred-on": { zh: "转办", en: "Referred on" },
  "case.opened": { zh: "立案", en: "Case opened" },
  "case.step-recorded": { zh: "调查记录", en: "Case step recorded" },
  "case.closed": { zh: "结案", en: "Case closed" },
  "informant.reward-approved": { zh: "审批举报奖励", en: "Reward approved" },
  "informant.reward-paid": { zh: "发放举报奖励", en: "Reward paid" },
  "informant.unseal-requested": { zh: "申请解密", en: "Unsealing requested" },
  "informant.unseal-approved": { zh: "审批解密", en: "Unsealing approved" },
  "informant.unsealed": { zh: "已解密", en: "Unsealed" },
  "informant.shredded": { zh: "身份已销毁", en: "Identity destroyed" },
  "audit.checkpoint": { zh: "审计检查点", en: "Audit checkpoint" },
  "break-glass.used": { zh: "动用紧急权限", en: "Break-glass used" },
  "break-glass.observed": { zh: "监测到改写流", en: "Stream rewrite observed" },
  "witness.heads-sent": { zh: "送邻县见证", en: "Heads sent to be witnessed" },
  "witness.cosigned": { zh: "见证签名", en: "Heads co-signed" },
  "witness.refused": { zh: "拒绝见证", en: "Witnessing refused" },
  "attempt.refused": { zh: "被拒绝的操作", en: "Refused attempt" },
  "supervision.overdue": { zh: "逾期记录", en: "Overdue recorded" },
  "supervision.ordered": { zh: "督办", en: "Supervision ordered" },
  "supervision.answered": { zh: "督办答复", en: "Supervision answered" },
  "supervision.escalated": { zh: "督办升级", en: "Supervision escalated" },
  "report.submitted": { zh: "报送月报", en: "Report submitted" },
  "report.closed": { zh: "县月报上报", en: "County report sent up" },
  "major-case.reported": { zh: "重大案件通报", en: "Major case reported" },
  "major-case.acknowledged": { zh: "重大案件已收悉", en: "Major case acknowledged" },
  "major-case.chased": { zh: "重大案件催复", en: "Major case chased" },
  "inspection.planned": { zh: "部署联合检查", en: "Inspection planned" },
  "inspection.findings-recorded": { zh: "填报检查结果", en: "Findings recorded" },
  "consent.requested": { zh: "征求意见", en: "Consent requested" },
  "consent.given": { zh: "同意转递", en: "Consent given" },
  "consent.refused": { zh: "不同意转递", en: "Consent refused" },
  "officer.registered": { zh: "登记经办人", en: "Officer registered" },
  "officer.renewed": { zh: "经办人令牌续期", en: "Officer token renewed" },
  "officer.revoked": { zh: "注销经办人", en: "Officer revoked" },
  "comparison.requested": { zh: "比对服务受理请求", en: "Comparison requested" },
  "comparison.reidentified": {
    zh: "保管部门核实比对记录身份",
    en: "Comparison record re-identified",
  },
  "comparison.found": { zh: "比对规则发现线索", en: "Comparison finding" },
};

/**
 * What one agency counts on a joint inspection (检查结果), in the schema's order: the monthly
 * figures' words where a count is one of them.
 */
export const FINDINGS_COUNT_LABELS: Record<
  Exclude<keyof InspectionFindings, "problems" | "leads">,
  Label
> = {
  institutionsChecked: FIGURE_LABELS.institutionsChecked,
  devicesSealed: FIGURE_LABELS.devicesSealed,
  drugsConfiscated: FIGURE_LABELS.drugsConfiscated,
  advertsRemoved: { zh: "清理广告", en: "Adverts removed" },
};

const keys = <K extends string>(table: Record<K, Label>) => Object.keys(table) as K[];

/** The lists a person picks from, in the schemas' order (the page's filters and forms). */
export const VOCABULARY = {
  leadSources: keys(LEAD_SOURCE_LABELS),
  targetKinds: keys(TARGET_KIND_LABELS),
  violations: keys(VIOLATION_LABELS),
  referralStatuses: keys(REFERRAL_STATUS_LABELS),
  sanctions: keys(SANCTION_LABELS),
  deadlines: keys(DEADLINE_LABELS),
  figures: keys(FIGURE_LABELS),
  findingsCounts: keys(FINDINGS_COUNT_LABELS),
} as const;

/** Each officer's role as a person reads it (GLOSSARY.md, 经办人). */
export const OFFICER_ROLE_LABELS: Record<OfficerRole, Label> = {
  liaison: { zh: "联络员", en: "Liaison officer" },
  supervisor: { zh: "分管领导", en: "Supervisor" },
  deputy: { zh: "副职领导", en: "Deputy" },
};

/**
 * How a step names who took it: `张三（卫健联络员）`. `agencyShort`: the agency's short name as
 * the county configures it. With no officer named: an agency role's own identity as its role
 * (卫健联络员, as tokens.json names it), a service acting on its own as such (系统自动（办公室）),
 * any other id as it is.
 */
export function officerLabel(
  actor: string,
  officer: OfficerName | undefined,
  agencyShort: string | undefined,
  lang: "zh" | "en" = "zh",
): string {
  if (!officer) {
    const form = actorForm(actor);
    if (form && "service" in form)
      return lang === "zh"
        ? `系统自动（${agencyShort ?? form.service}）`
        : `Automatic (${agencyShort ?? form.service})`;
    const role = form && (OFFICER_ROLE_LABELS as Record<string, Label | undefined>)[form.role];
    if (!role) return actor;
    return lang === "zh"
      ? `${agencyShort ?? ""}${role.zh}`
      : `${agencyShort ? `${agencyShort} ` : ""}${role.en}`;
  }
  const role = OFFICER_ROLE_LABELS[officer.role][lang];
  return lang === "zh"
    ? `${officer.name}（${agencyShort ?? ""}${role}）`
    : `${officer.name} (${agencyShort ? `${agencyShort} ` : ""}${role})`;
}

/** The words of a record's trail, as the page's table and `liandong trail` head it: one table. */
export const TRAIL_LABELS = {
  when: { zh: "时间", en: "When" },
  agency: { zh: "部门", en: "Agency" },
  who: { zh: "经办人", en: "Who" },
  what: { zh: "事项", en: "What" },
  to: { zh: "接收部门", en: "To" },
  reason: { zh: "理由", en: "Reason" },
  status: { zh: "状态", en: "Status" },
  holder: { zh: "当前持有", en: "Holder" },
  awaiting: { zh: "待办方", en: "Step due from" },
  verification: { zh: "留痕校验", en: "Verification" },
  verified: { zh: "校验通过：记录未被篡改", en: "Verified: the record is intact" },
  notVerified: { zh: "校验失败", en: "Verification failed" },
} as const satisfies Record<string, Label>;
