// The page's words: Chinese by default (GLOSSARY.md's labels), English on request.
import { signal } from "@preact/signals";
import {
  AGENCY_ENGLISH,
  CASE_STATUS_LABELS,
  CONSENT_STATUS_LABELS,
  DEADLINE_LABELS,
  EVENT_TYPE_LABELS,
  FIGURE_LABELS,
  FINDINGS_COUNT_LABELS,
  type Label,
  LEAD_SOURCE_LABELS,
  officerLabel,
  REFERRAL_KIND_LABELS,
  REFERRAL_STATUS_LABELS,
  REPORT_STATUS_LABELS,
  refusalKindLabel,
  SANCTION_LABELS,
  SUPERVISION_GROUNDS_LABELS,
  SUPERVISION_STATUS_LABELS,
  stepReasonLabel,
  TARGET_KIND_LABELS,
  TRAIL_LABELS,
  VIOLATION_LABELS,
} from "../../../contracts/src/labels.ts";
import type { OfficerName } from "../../../contracts/src/officer-role.ts";
import { setAcceptLanguage } from "./api.ts";

export type Lang = "zh" | "en";
export const lang = signal<Lang>((localStorage.getItem("liandong.lang") as Lang | null) ?? "zh");
export function setLang(l: Lang) {
  localStorage.setItem("liandong.lang", l);
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
  // The services write their problems in the page's language.
  setAcceptLanguage(l === "zh" ? "zh-CN" : "en");
  lang.value = l;
}

/** The trail's words come from the contracts' one table (TRAIL_LABELS), as `liandong trail`'s. */
const TRAIL_WORDS = Object.fromEntries(
  Object.entries(TRAIL_LABELS).map(([k, l]) => [k, [l.zh, l.en]]),
) as unknown as Record<keyof typeof TRAIL_LABELS, readonly [string, string]>;

const WORDS = {
  ...TRAIL_WORDS,
  submitCorrection: ["提交更正", "Submit a correction"],
  correctedAt: ["更正时间", "Corrected"],
  total: ["合计", "Total"],
  dueEndOfDay: ["当日24时前（北京时间）", "by the end of that day, China time"],
  discrepant: ["与总线汇总不一致", "Differs from the bus"],
  fromBus: ["总线", "bus"],
  notReportedFromBus: ["未报送，按总线汇总", "Not reported: from the bus"],
  inspectionsOnce: [
    "合计中联合检查按次计，多部门参加的同一次检查只计一次；查处率 = 本月结案 ÷ 本月立案，本月无立案记“—”。",
    "In the total a joint inspection counts once however many agencies took part; closure rate = cases closed ÷ cases opened in the month, “—” when none was opened.",
  ],
  monthNotBegun: ["该月尚未开始，不能报送月报", "This month has not begun: nothing to report yet"],
  appTitle: ["联动 · 打击“两非”联合执法协作平台", "Liandong · joint enforcement bus"],
  login: ["登录", "Log in"],
  logout: ["退出", "Log out"],
  token: ["令牌", "Token"],
  tokenHint: ["各部门联络员令牌见：", "Officers' tokens: "],
  loginFailed: ["登录失败", "Login failed"],
  inbox: ["收件箱", "Inbox"],
  waitingReferrals: ["待接收的移交", "Referrals waiting for us"],
  sharedLeads: ["共享给本部门的线索", "Leads shared with us"],
  registerLead: ["登记线索", "Register a lead"],
  myLeads: ["本部门线索", "Our leads"],
  comparison: ["数据比对", "Comparison"],
  runComparison: ["运行比对", "Run the comparison"],
  comparisonRan: ["新登记线索", "New leads"],
  comparisonAgain: ["已有线索", "Already leads"],
  noFindings: ["暂无比对发现", "No findings yet"],
  reidentify: ["核实身份", "Re-identify"],
  reidentifyReason: ["核实理由", "Reason"],
  otherSide: ["由保管部门核实", "Its holder names it"],
  countyFindings: ["数据比对（全县）", "Comparison findings (county)"],
  countyFindingsNote: [
    "各规则的比对发现按到期月份统计；本办公室不持有任何登记簿和密钥，不显示也无法核实身份，各方记录由其保管部门在本部门核实。",
    "The rules' findings by the month they fell due; the office holds no register and no key and names nobody: each side is named by its holder, at its own desk.",
  ],
  rulePregnancyDisappeared: ["孕情消失", "Pregnancy disappeared"],
  ruleUnapprovedTermination: ["十四周以上无审批引产", "Unapproved termination ≥14 weeks"],
  rulePrescriberOverdose: ["终止妊娠药品超量处方", "Termination drug overdoses"],
  factUltrasound: ["B超检查", "Ultrasound"],
  factFollowUp: ["孕情随访", "Follow-up"],
  factDelivery: ["住院分娩", "Delivery"],
  factTermination: ["人流引产", "Termination"],
  factApproval: ["批准终止妊娠", "Approved termination"],
  weeks: ["孕周", "Weeks"],
  expectedOn: ["预产期", "Due date"],
  approved: ["有审批", "approved"],
  notApproved: ["无审批", "no approval"],
  stillPregnant: ["在孕", "pregnant"],
  notPregnant: ["未孕", "not pregnant"],
  listSep: ["，", ", "],
  drugMifepristone: ["米非司酮", "mifepristone"],
  drugMisoprostol: ["米索前列醇", "misoprostol"],
  drugEthacridine: ["依沙吖啶", "ethacridine"],
  findingDue: ["到期日", "Due on"],
  findingTo: ["发送", "To"],
  leadBy: ["线索登记部门", "Lead registered by"],
  deliveredTo: ["已送达", "Delivered to"],
  noLeadYet: ["尚未登记线索", "No lead registered yet"],
  referrals: ["移交", "Referrals"],
  cases: ["案件", "Cases"],
  tracker: ["移交督办台账", "Referral tracker"],
  overdue: ["逾期", "Overdue"],
  overdueList: ["逾期移交", "Overdue referrals"],
  chain: ["移交链", "Chain"],
  supervision: ["督办", "Supervision"],
  inspections: ["联合检查", "Joint inspections"],
  statistics: ["统计", "Statistics"],
  allViolations: ["全部违法类型", "All violations"],
  byAgency: ["各部门", "By agency"],
  trend: ["近六个月趋势（各部门之和）", "The last six months (agencies added up)"],
  monthlyReport: ["月报", "Monthly report"],
  source: ["线索来源", "Source"],
  violations: ["违法类型", "Violations"],
  target: ["对象", "Target"],
  lead: ["线索", "Lead"],
  targetKind: ["对象类型", "Target kind"],
  targetName: ["对象名称", "Target name"],
  unit: ["科室", "Unit"],
  county: ["所在县（区划代码）", "County (division code)"],
  summary: ["摘要", "Summary"],
  informant: [
    "举报人（仅本部门保存，不上总线）",
    "Informant (kept by this agency only, never on the bus)",
  ],
  informantName: ["举报人姓名", "Informant's name"],
  informantPhone: ["举报人电话", "Informant's phone"],
  submit: ["提交", "Submit"],
  registered: ["已登记，线索编号", "Registered, lead"],
  sharedWith: ["已共享给", "Shared with"],
  possibleDuplicate: ["疑似重复线索", "Possible duplicate of"],
  from: ["移交部门", "From"],
  acceptBy: ["接收期限", "Accept by"],
  completeBy: ["反馈期限", "Feedback by"],
  age: ["已过天数", "Age (days)"],
  actions: ["操作", "Actions"],
  accept: ["接收", "Accept"],
  return: ["退回", "Return"],
  withdraw: ["撤回", "Withdraw"],
  complete: ["办结反馈", "Complete"],
  refer: ["移交", "Refer"],
  referTo: ["移交给", "Refer to"],
  whatWasDone: ["处理情况", "What was done"],
  outcome: ["处理结果", "Outcome"],
  receivedAt: ["收到时间", "Received"],
  registeredAt: ["登记时间", "Registered"],
  none: ["暂无", "None"],
  openCase: ["立案", "Open a case"],
  closeCase: ["结案", "Close the case"],
  title: ["案由", "Title"],
  fromLeads: ["来自线索", "From leads"],
  fromReferrals: ["来自移交", "From referrals"],
  sanction: ["处罚", "Sanction"],
  amountYuan: ["金额（元）", "Amount (yuan)"],
  against: ["处罚对象", "Against"],
  detail: ["说明", "Detail"],
  noSanction: ["不予处罚", "No sanction"],
  openedAt: ["立案时间", "Opened"],
  filter: ["筛选", "Filter"],
  all: ["全部", "All"],
  since: ["起始日期", "Since"],
  until: ["截止日期", "Until"],
  onlyOverdue: ["只看逾期", "Overdue only"],
  steps: ["经过", "Steps"],
  issueOrder: ["下达督办", "Issue a supervision order"],
  answerWithinDays: ["答复期限（天）", "Answer within (days)"],
  orderedAt: ["督办时间", "Ordered"],
  answerBy: ["答复期限", "Answer by"],
  answer: ["答复", "Answer"],
  level: ["级别", "Level"],
  planInspection: ["部署联合检查", "Plan a joint inspection"],
  participants: ["参加部门", "Participants"],
  startsOn: ["开始日期", "Starts"],
  endsOn: ["结束日期", "Ends"],
  findings: ["检查结果", "Findings"],
  month: ["月份", "Month"],
  closureRate: ["查处率", "Closure rate"],
  dueBy: ["报送期限", "Due by"],
  reportStatus: ["报送状态", "Status"],
  downloadCsv: ["导出 CSV（Excel 可直接打开）", "Download CSV"],
  downloadJson: ["导出 JSON", "Download JSON"],
  flagged: ["未按时报送", "Not reported in time"],
  saved: ["已保存", "Saved"],
  copy: ["复制", "Copy"],
  copied: ["已复制", "Copied"],
  copyId: ["复制完整编号", "Copy the whole id"],
  loading: ["加载中…", "Loading…"],
  refresh: ["刷新", "Refresh"],
  back: ["返回", "Back"],
  cancel: ["取消", "Cancel"],
  toCounty: ["移交至县（区）", "To county"],
  toCountyHint: ["跨区移交时填写对方区划代码", "A neighbouring county's code, across the line"],
  consentsWaiting: [
    "待本部门答复的跨区转递征求意见",
    "Consents asked of us (crossing the county line)",
  ],
  consentAsked: [
    "该线索由来源部门限制转递，已征求其同意；同意后自动移交",
    "The lead is restricted by its originator: consent asked; the referral follows once given",
  ],
  consentGrant: ["同意转递", "Consent"],
  consentRefuse: ["不同意", "Refuse"],
  consentStatus: ["征求意见", "Consent"],
  requestedBy: ["征求部门", "Asked by"],
  crossBorder: ["跨区", "Across the line"],
  answerOrder: ["答复督办", "Answer"],
  recordFindings: ["填报检查结果", "Record findings"],
  problems: ["发现问题（每行一条）", "Problems found (one per line)"],
  submitReport: ["报送月报", "Submit the report"],
  note: ["备注", "Note"],
  submittedAt: ["报送时间", "Submitted"],
  prefilled: [
    "以下数字按总线记录预填，可核对修改后报送",
    "Pre-filled from the bus; check and submit",
  ],
} as const;

export type Word = keyof typeof WORDS;
export const t = (w: Word): string => WORDS[w][lang.value === "zh" ? 0 : 1];

/** The labels of the vocabulary (contracts' labels.ts, GLOSSARY.md) in the page's language. */
const of =
  <K extends string>(table: Record<K, Label>) =>
  (code: K): string =>
    table[code][lang.value];

/** Chinese names of the county's agencies, as its configuration names them (set at load). */
const agencyNames = new Map<string, string>();
const shortNames = new Map<string, string>();
export function setAgencyNames(
  services: readonly { code: string; name: string; shortName?: string | undefined }[],
) {
  for (const s of services) {
    agencyNames.set(s.code, s.name);
    if (s.shortName) shortNames.set(s.code, s.shortName);
  }
}

/** The agency a short name stands for (卫健 → health), as the county's configuration names it. */
export const agencyOfShortName = (short: string): string | undefined =>
  [...shortNames].find(([, s]) => s === short)?.[0];

export const labels = {
  agency: (code: string): string =>
    (lang.value === "en" ? AGENCY_ENGLISH[code] : undefined) ?? agencyNames.get(code) ?? code,
  violation: of(VIOLATION_LABELS),
  source: of(LEAD_SOURCE_LABELS),
  targetKind: of(TARGET_KIND_LABELS),
  referralStatus: of(REFERRAL_STATUS_LABELS),
  referralKind: of(REFERRAL_KIND_LABELS),
  refusalKind: (kind: string): string => refusalKindLabel(kind, lang.value),
  /** A trail step's reason: the routing rule's in words, an officer's as written. */
  stepReason: (s: { type: string; reason?: string | undefined }): string =>
    s.reason === undefined ? "" : stepReasonLabel(s.type, s.reason, lang.value),
  deadline: of(DEADLINE_LABELS),
  caseStatus: of(CASE_STATUS_LABELS),
  supervisionStatus: of(SUPERVISION_STATUS_LABELS),
  grounds: of(SUPERVISION_GROUNDS_LABELS),
  consentStatus: of(CONSENT_STATUS_LABELS),
  reportStatus: of(REPORT_STATUS_LABELS),
  sanction: of(SANCTION_LABELS),
  figure: of(FIGURE_LABELS),
  findingsCount: of(FINDINGS_COUNT_LABELS),
  /** Who took a step (经办人): 张三（卫健联络员）, or the actor id of a step no officer is named on. */
  officer: (step: { actor: string; agency: string; officer?: OfficerName | undefined }): string =>
    officerLabel(step.actor, step.officer, shortNames.get(step.agency), lang.value),
  /** A step of a trail: an event type of the catalogue (`invalid` and the like as they are). */
  eventType: (type: string): string =>
    (EVENT_TYPE_LABELS as Record<string, Label | undefined>)[type]?.[lang.value] ?? type,
};

/** A service the page could not reach: which agency's, and where it was looked for. */
export const unreachable = (code: string, url: string): string =>
  lang.value === "zh"
    ? `无法连接${labels.agency(code)}的服务（${url}），请确认该服务已启动、网络可达`
    : `Cannot reach the service of ${labels.agency(code)} (${url}): is it running and reachable?`;

export const when = (iso: string | undefined): string =>
  iso
    ? new Date(iso).toLocaleString(lang.value === "zh" ? "zh-CN" : "en-GB", {
        timeZone: "Asia/Shanghai",
        dateStyle: "short",
        timeStyle: "short",
      })
    : "";

/** Punctuation in the page's language: a list, a colon, words in brackets, a space between. */
export const joined = (items: readonly string[]): string =>
  items.join(lang.value === "zh" ? "、" : ", ");
export const colon = (): string => (lang.value === "zh" ? "：" : ": ");
export const paren = (words: string | number): string =>
  lang.value === "zh" ? `（${words}）` : ` (${words})`;
export const comma = (): string => (lang.value === "zh" ? "，" : ", ");
export const gap = (): string => (lang.value === "zh" ? "　" : "  ");
