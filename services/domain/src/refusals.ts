import type { Label, Lang } from "@liandong/contracts";

/**
 * The one catalogue of what the rules tell a person: the domain's refusals, why an event is not
 * its claimed publisher's (a seal), and what an audit of the log finds. Each has a stable code
 * with what a person reads of it, in Chinese and in English. `{name}` is a place its parameters
 * fill. A decider refuses, and a verifier finds, with a code and its parameters, never with words
 * of its own; the boundary that shows it picks the language (HTTP by `Accept-Language`, the CLI
 * by `--lang`, Chinese everywhere else: dead letters, the trail, logs). Tests and tooling compare
 * codes, never the wording.
 */
export const REFUSALS = {
  // A step read off the bus, replayed with its publisher
  "step.not-recordable": { zh: "{agency} 无权记录 {type}", en: "{agency} may not record {type}" },
  "step.recorded-as": {
    zh: "{agency} 无权以 {by} 的名义记录 {type}",
    en: "{agency} may not record {type} as {by}",
  },
  "step.not-decided": {
    zh: "{type} 不是 {by} 能够作出的决定",
    en: "{type} is not what {by} could have decided",
  },
  "step.wrong-aggregate": {
    zh: "{type} 所述的 {id} 记录在 {aggregate} 之下",
    en: "{type} about {id} recorded under {aggregate}",
  },
  "step.raced": { zh: "另一操作已先记录", en: "another step was recorded first" },

  // Text and time an officer gives
  "text.ill-formed": {
    zh: "含有无效字符（不成对的代理项），不是规范的 Unicode 文本",
    en: "holds invalid characters (a lone surrogate): not well-formed Unicode text",
  },
  "text.blank": {
    zh: "内容为空：只有空白或不可见字符",
    en: "empty: nothing but whitespace or invisible characters",
  },
  "time.invalid": { zh: "不是有效的日期时间", en: "not a valid date and time" },
  "time.in-future": {
    zh: "晚于当前时间：尚未发生的事不能已被发现",
    en: "later than now: what has not happened cannot have been observed",
  },
  "time.before-2000": { zh: "早于 2000 年", en: "earlier than the year 2000" },
  "deadline.passed": {
    zh: "已经过去：期限须在当前时间之后",
    en: "already passed: a deadline is later than now",
  },
  "deadline.accept-after-complete": {
    zh: "晚于办结期限（completeBy）：移交须先接收、后办结",
    en: "later than completeBy: a referral is accepted before it is completed",
  },

  // Leads
  "lead.registered": { zh: "线索 {leadId} 已登记", en: "lead {leadId} is registered already" },
  "lead.source-not-originated": {
    zh: "{agency} 不登记来源为“{source}”的线索",
    en: "{agency} may not originate leads of source {source}",
  },
  "lead.unknown-county": {
    zh: "本总线不认识县（市、区）代码 {county}",
    en: "this bus knows no county code {county}",
  },
  "lead.dismiss-not-originator": {
    zh: "只有登记该线索的部门可以撤销线索",
    en: "only the agency that registered a lead dismisses it",
  },
  "lead.dismissed": { zh: "线索已撤销", en: "the lead is dismissed already" },
  "lead.share-not-own": {
    zh: "部门只转发本部门线索的本部门事件",
    en: "an agency passes on only its own events of its own leads",
  },
  "lead.misaddressed": { zh: "投递对象为 {to}，不是本部门", en: "addressed to {to}" },
  "lead.registration-addressed": {
    zh: "线索登记不投递给任何部门",
    en: "a registration is not addressed to anyone",
  },
  "lead.share-unlike-envelope": {
    zh: "所述接收部门或登记部门与信封不符",
    en: "names another addressee or originator than its envelope",
  },
  "lead.shared-by-other": {
    zh: "线索 {leadId} 由 {originator} 共享",
    en: "lead {leadId} was shared by {originator}",
  },
  "lead.link-not-originator": {
    zh: "只有线索登记部门可以关联或撤销线索",
    en: "only the lead's originator links or dismisses it",
  },

  // Referrals
  "referral.not-addressee": {
    zh: "只有接收部门可以接收或退回该移交",
    en: "only the addressee accepts or returns",
  },
  "referral.not-sender": { zh: "只有移交部门可以撤回", en: "only the sender withdraws" },
  "referral.not-holder": {
    zh: "只有办理该移交的部门可以办结或继续移交",
    en: "only the agency holding it completes or refers it on",
  },
  "referral.status": { zh: "该移交{status}", en: "referral is {status}" },
  "referral.to-self": { zh: "不能移交给本部门自己", en: "an agency does not refer to itself" },
  "referral.exists": { zh: "该移交已存在", en: "referral already exists" },
  "referral.offer-as-other": {
    zh: "只能以本部门名义移交",
    en: "an agency offers only as itself",
  },
  "referral.judiciary-lead": {
    zh: "移送司法机关须针对案件，不能针对线索",
    en: "a transfer to the judiciary is about a case, not a lead",
  },
  "referral.missing": { zh: "没有该移交", en: "no such referral" },
  "referral.about-not-held": {
    zh: "本部门未持有该{kind}",
    en: "not a {kind} this agency holds",
  },
  "referral.after-decree-310": {
    zh: "立案决定期限不得晚于国务院令第310号的规定：最迟 {latest}",
    en: "by {latest} at the latest (decree No. 310)",
  },
  "referral.county-not-reached": {
    zh: "只能移交本县（{county}）或本区域的邻县：{reached}",
    en: "this county ({county}) or a neighbour: {reached}",
  },
  "referral.offered-twice": { zh: "一件移交只提出一次", en: "a referral is offered once" },
  "referral.unlinked-step": {
    zh: "{type} 未接续移交 {referralId} 的任何一步",
    en: "{type} links to no step of referral {referralId}",
  },

  // Consent to pass a lead on
  "consent.asked": { zh: "已征求过同意", en: "consent was asked already" },
  "consent.ask-as-other": {
    zh: "只能以本部门名义征求同意",
    en: "an agency asks for consent only as itself",
  },
  "consent.own-lead": {
    zh: "本部门自己登记的线索无需征得同意",
    en: "a lead this agency registered needs no consent",
  },
  "consent.missing": { zh: "没有该征求同意", en: "no such consent" },
  "consent.not-originator": {
    zh: "只有线索登记部门答复是否同意",
    en: "only the lead's originator consents",
  },
  "consent.decided": { zh: "该征求已答复：{status}", en: "consent is already {status}" },
  "consent.reason-needed": { zh: "不同意须说明理由", en: "a refusal needs a reason" },
  "consent.asked-once": { zh: "同意只征求一次", en: "a consent is asked once" },
  "consent.request-first": {
    zh: "征求同意须是其日志的第一步",
    en: "a consent's request starts its log",
  },
  "consent.out-of-order": {
    zh: "{type} 未接续征求同意 {referralId} 的最后一步",
    en: "{type} does not follow the last step of consent {referralId}",
  },
  "consent.none-opened": { zh: "{type} 未开启任何征求同意", en: "{type} opened no consent" },

  // Informants' files
  "informant.missing": { zh: "本部门没有该举报人档案", en: "no informant is on file here" },
  "informant.not-holder": {
    zh: "只有保管举报人档案的部门可以办理",
    en: "only the agency holding the informant's file acts on it",
  },
  "informant.reward-by-supervisor": {
    zh: "只有分管领导可以审批奖励",
    en: "only a supervisor approves a reward",
  },
  "informant.not-eligible": {
    zh: "该举报人不符合奖励条件",
    en: "the informant is not eligible for a reward",
  },
  "informant.reward-approved": { zh: "奖励已审批", en: "the reward is approved already" },
  "informant.reward-range": {
    zh: "奖励金额须在 {min} 至 {max} 元之间",
    en: "a reward is between {min} and {max} yuan",
  },
  "informant.shredded": {
    zh: "举报人身份已于 {at} 由 {by} 销毁",
    en: "the informant's identity was destroyed by {by} at {at}",
  },
  "informant.request-exists": {
    zh: "已有该编号的解密申请",
    en: "an unsealing request with this id exists already",
  },
  "informant.shred-by-supervisor": {
    zh: "只有分管领导可以销毁举报人身份",
    en: "only a supervisor destroys an informant's identity",
  },
  "informant.reward-not-approved": { zh: "奖励尚未审批", en: "the reward is not approved" },
  "informant.reward-paid": { zh: "奖励已发放", en: "the reward is paid already" },
  "informant.reward-amount": {
    zh: "已批准的金额为 {amount} 元",
    en: "the amount approved is {amount} yuan",
  },
  "informant.sealed": {
    zh: "举报人联系方式尚未解密：须先经两名分管领导批准解密",
    en: "the informant's contact is sealed: two supervisors approve unsealing it first",
  },
  "informant.no-request": { zh: "没有该解密申请", en: "no such unsealing request" },
  "informant.unseal-by-supervisor": {
    zh: "只有分管领导可以批准解密",
    en: "only a supervisor approves unsealing",
  },
  "informant.own-request": {
    zh: "申请人不能批准自己的解密申请",
    en: "the requester cannot approve their own request",
  },
  "informant.unsealed": { zh: "已解密", en: "already unsealed" },
  "informant.approved-by-you": {
    zh: "该分管领导已批准过",
    en: "already approved by this supervisor",
  },
  "informant.other-holder": {
    zh: "{agency} 无权对 {holder} 保管的举报人档案记录 {type}",
    en: "{agency} may not record {type} on {holder}'s informant",
  },
  "informant.closed-by": { zh: "{type} 之后档案不复存在", en: "{type} closed the file" },

  // Cases
  "case.opened": { zh: "案件已立案", en: "the case is opened already" },
  "case.lead-not-held": { zh: "本部门未持有该线索", en: "not a lead this agency holds" },
  "case.referral-not-accepted": {
    zh: "不是本部门已接收的移交",
    en: "not a referral this agency accepted",
  },
  "case.no-grounds": {
    zh: "立案须依据至少一条线索或一件移交",
    en: "a case is opened on at least one lead or referral",
  },
  "case.opening-refused": { zh: "立案未通过校验", en: "case opening refused" },
  "case.sanctions-refused": {
    zh: "本部门无权作出该处罚或处罚超出法定幅度",
    en: "a sanction not within this agency's powers or the legal range",
  },
  "case.missing": { zh: "没有该案件", en: "no such case" },
  "case.not-holder": {
    zh: "只有立案部门可以办理该案件",
    en: "only the agency that opened the case acts on it",
  },
  "case.closed": { zh: "案件已结案", en: "the case is closed" },
  "sanction.not-imposed": {
    zh: "本部门不能作出该处罚（可作出：{may}）",
    en: "not a sanction this agency imposes (it may impose: {may})",
  },
  "sanction.none-imposed": {
    zh: "本部门不能作出行政处罚",
    en: "this agency imposes no sanctions",
  },
  "sanction.fine-range": {
    zh: "罚款应在 {min}–{max} 元之间",
    en: "a fine is between {min} and {max} yuan",
  },
  "sanction.after-decree-310": {
    zh: "不得晚于国务院令第310号规定的期限（{latest}）",
    en: "no later than decree No. 310's deadline ({latest})",
  },

  // Joint inspections
  "inspection.not-taking-part": {
    zh: "不是该联合检查的参与部门",
    en: "not an agency taking part in this joint inspection",
  },
  "inspection.findings-recorded": {
    zh: "本部门已录入该检查结果",
    en: "this agency has recorded its findings already",
  },
  "inspection.lead-not-registered": {
    zh: "不是本部门登记的线索",
    en: "not a lead this agency registered",
  },
  "inspection.by-office": {
    zh: "只有领导小组办公室可以部署联合检查",
    en: "only the leading group's office plans joint inspections",
  },
  "inspection.planned": { zh: "该联合检查已部署", en: "the joint inspection is planned already" },
  "inspection.outsider": { zh: "不是本县的参与部门", en: "not an agency of this county" },
  "inspection.ends-before-start": { zh: "结束日期早于开始日期", en: "ends before it starts" },
  "inspection.starts-too-late": {
    zh: "开始日期应在 {days} 日以内",
    en: "starts within {days} days",
  },
  "inspection.ends-too-late": { zh: "结束日期应在 {days} 日以内", en: "ends within {days} days" },
  "inspection.missing": { zh: "没有该联合检查", en: "no such joint inspection" },
  "inspection.misaddressed": {
    zh: "{type} 针对 {to}，却投递给 {addressee}",
    en: "{type} for {to} addressed to {addressee}",
  },
  "inspection.planned-by-agency": {
    zh: "{agency} 无权部署联合检查",
    en: "{agency} may not plan joint inspections",
  },
  "inspection.unlike-plan": {
    zh: "{type} 与已记录的部署不同",
    en: "{type} differs from the plan recorded",
  },
  "inspection.not-to-office": {
    zh: "{type} 投递给 {addressee}，而非领导小组办公室",
    en: "{type} addressed to {addressee}, not to the office",
  },
  "inspection.step-not-allowed": {
    zh: "{agency} 的 {type} 不是该联合检查允许的步骤",
    en: "{type} by {agency} is not the step its inspection allows",
  },
  "inspection.none-recorded": {
    zh: "{type} 未记录任何联合检查",
    en: "{type} records no inspection",
  },

  // Supervision orders
  "supervision.answer-by-addressee": {
    zh: "只有被督办部门可以回复督办",
    en: "only the agency supervised answers the order",
  },
  "supervision.answered": { zh: "该督办已回复", en: "the order is answered already" },
  "supervision.escalate-by-issuer": {
    zh: "只有下达督办的领导小组办公室可以升级督办",
    en: "only the office that issued the order escalates it",
  },
  "supervision.status": { zh: "该督办已{status}", en: "the order is {status} already" },
  "supervision.not-due": {
    zh: "回复期限（{answerBy}）未到",
    en: "its answer is not due before {answerBy}",
  },
  "supervision.by-office": {
    zh: "只有领导小组办公室可以下达督办",
    en: "only the leading group's office issues supervision orders",
  },
  "supervision.issued": { zh: "该督办已下达", en: "the order is issued already" },
  "supervision.about-unlike": {
    zh: "督办对象与所述不符",
    en: "what is supervised is not what the order is about",
  },
  "supervision.case-not-reported": {
    zh: "该案件未向市里通报",
    en: "the case was not reported to the city",
  },
  "supervision.not-overdue": { zh: "该移交未逾期", en: "the referral is not overdue" },
  "supervision.none-due": {
    zh: "该移交无待办部门",
    en: "no agency has the referral's next step",
  },
  "supervision.due-across-line": {
    zh: "该移交待邻县（{county}）{agency} 办理，由该县办公室督办",
    en: "{agency} of the neighbouring county {county} has its next step: that county's office supervises it",
  },
  "supervision.answer-days": {
    zh: "回复期限应在 {days} 日以内",
    en: "an answer is due within {days} days",
  },
  "supervision.not-from-city": {
    zh: "只能转办市里下达给本办公室的督办",
    en: "only an order the city gave this office is passed down",
  },
  "supervision.forward-same-case": {
    zh: "转督办应针对同一案件",
    en: "an order passed down is about the same case",
  },
  "supervision.later-than-city": {
    zh: "回复期限不得晚于市里的期限（{answerBy}）",
    en: "due no later than the city's deadline ({answerBy})",
  },
  "supervision.missing": { zh: "没有该督办", en: "no such supervision order" },
  "supervision.misaddressed": {
    zh: "{type} 投递给 {to}，而非 {addressee}",
    en: "{type} addressed to {to}, not to {addressee}",
  },
  "supervision.step-not-allowed": {
    zh: "{agency} 的 {type} 不是该督办允许的步骤",
    en: "{type} by {agency} is not the step its order allows",
  },
  "supervision.none-recorded": { zh: "{type} 未记录任何督办", en: "{type} records no order" },

  // Monthly reports, the city, major cases
  "report.by-office": {
    zh: "领导小组办公室汇总月报，不报送本部门月报",
    en: "the office compiles the monthly report and submits none of its own",
  },
  "report.own-agency": { zh: "只能报送本部门的月报", en: "an agency submits only its own report" },
  "report.month-not-begun": {
    zh: "该月尚未开始，不能报送月报",
    en: "this month has not begun: nothing to report yet",
  },
  "county-report.by-office": {
    zh: "只有县领导小组办公室上报月报",
    en: "only the county's leading group office reports to the city",
  },
  "county-report.own-county": {
    zh: "只能上报本县的月报",
    en: "a county reports only its own figures",
  },
  "county-report.month-not-begun": {
    zh: "该月尚未开始，不能上报月报",
    en: "this month has not begun: nothing to report yet",
  },
  "major-case.by-office": {
    zh: "只有县领导小组办公室通报重大案件",
    en: "only the county's leading group office reports a major case",
  },
  "major-case.own-county": { zh: "只能通报本县的案件", en: "a county reports only its own cases" },
  "major-case.other-case": { zh: "案件不符", en: "not the case reported" },
  "major-case.not-reported": { zh: "该案件未通报", en: "the case was not reported" },
  "major-case.ack-by-city": {
    zh: "只有市领导小组办公室确认收悉",
    en: "only the city's leading group office acknowledges",
  },
  "major-case.acknowledged": { zh: "该通报已确认收悉", en: "the report is acknowledged already" },
  "major-case.chase-by-reporter": {
    zh: "只有通报的县领导小组办公室催复",
    en: "only the county office that reported it chases",
  },
  "major-case.too-soon": { zh: "未到催复时间", en: "too soon to chase" },
  "major-case.none": { zh: "没有该重大案件通报", en: "no major case" },

  // Officers' register
  "officer.by-office": {
    zh: "只有领导小组办公室管理经办人登记",
    en: "only the office keeps the register",
  },
  "officer.registered": { zh: "该经办人编号已登记", en: "this officer id is registered already" },
  "officer.expires-before-registration": {
    zh: "有效期须在登记之后",
    en: "expires after it is registered",
  },
  "officer.missing": { zh: "无此经办人", en: "no such officer" },
  "officer.revoked": { zh: "该经办人已注销", en: "the officer is revoked" },
  "officer.expires-before-renewal": { zh: "有效期须在续期之后", en: "expires after it is renewed" },

  // A message that reached the wrong consumer, or one about nothing held here
  "inbox.misaddressed": {
    zh: "投递给 {to} 的事件进入了 {agency} 的收件箱",
    en: "event addressed to {to} reached {agency}'s inbox",
  },
  "inbox.for-another-agency": {
    zh: "给其他部门的 {type} 进入了 {agency} 的收件箱",
    en: "{type} for another agency reached {agency}",
  },
  "inspection.plan-misaddressed": {
    zh: "联合检查的部署投递给了其他部门",
    en: "inspection plan addressed to another agency",
  },
  "informant.unknown": { zh: "本部门没有举报人档案 {ref}", en: "no informant {ref}" },
  "supervision.deadlines-by-office": {
    zh: "{agency} 无权记录逾期",
    en: "{agency} may not record deadlines passed",
  },

  // Comparison findings, and the comparison service's refusals of a request
  "comparison.rate-limited": {
    zh: "比对服务拒绝：请求过于频繁，请稍后再试",
    en: "the comparison service refused: too many requests, try again later",
  },
  "comparison.too-large": {
    zh: "比对服务拒绝：一次提交的记录过多",
    en: "the comparison service refused: too many records at once",
  },
  "comparison.malformed": {
    zh: "比对服务拒绝：请求格式有误",
    en: "the comparison service refused: a malformed request",
  },
  "comparison.not-a-holder": {
    zh: "比对服务拒绝：本部门不保管该登记簿",
    en: "the comparison service refused: this agency holds no such register",
  },
  "comparison.unavailable": {
    zh: "比对服务暂不可用",
    en: "the comparison service is unavailable",
  },
  "comparison.finding-not-entitled": {
    zh: "{county} {agency} 无权记录比对发现",
    en: "{county} {agency} may not record a comparison finding",
  },

  // Seals (封签): why an event is not its claimed publisher's
  "seal.no-key": {
    zh: "不知道{county}{agency}的公钥",
    en: "no public key is known for {agency} of {county}",
  },
  "seal.missing": {
    zh: "未经{agency}的发布者封印（没有 Liandong-Seal 消息头）",
    en: "not sealed by {agency}'s publisher (no Liandong-Seal header)",
  },
  "seal.not-verified": {
    zh: "封印与{county}{agency}的公钥不符",
    en: "the seal does not verify with the key of {agency} of {county}",
  },

  // An agency's checkpoint that is not its own
  "checkpoint.unreadable": { zh: "检查点无法读取：{error}", en: "unreadable checkpoint: {error}" },
  "checkpoint.other-agency": {
    zh: "检查点写明属于{named}，却在{agency}的主题下",
    en: "checkpoint names {named} but stands under {agency}",
  },
  "checkpoint.other-key": {
    zh: "以密钥 {key} 签名，不是{agency}的公钥 {expected}",
    en: "signed with key {key}, not {agency}'s {expected}",
  },
  "checkpoint.signature": {
    zh: "签名无法用{agency}的公钥验证",
    en: "signature does not verify with {agency}'s key",
  },

  // What `liandong verify` finds in a county's log
  "audit.not-event-subject": {
    zh: "主题 {subject} 不是事件主题",
    en: "subject {subject} is not an event subject",
  },
  "audit.foreign-county": {
    zh: "事件声称属于{county}，既非本县{own}也非邻县",
    en: "claims {county}, neither {own} nor a neighbour of it",
  },
  "audit.identity-mismatch": {
    zh: "信封写明的县或部门与其主题（{county}{agency}）不符",
    en: "its envelope names another county or agency than its subject ({county} {agency})",
  },
  "audit.unreadable": { zh: "不是可读的事件", en: "not a readable event" },
  "audit.broken-link": {
    zh: "链接到 {claimed}，但该记录的上一条事件是 {expected}",
    en: "links to {claimed}, but the aggregate's previous event is {expected}",
  },
  "audit.replayed-at-seq": {
    zh: "同一事件已存于流序号 {seq}",
    en: "the same event was already stored at stream sequence {seq}",
  },
  "audit.duplicate-id": {
    zh: "该事件编号已存于流序号 {seq}（{agency}），内容不同",
    en: "event id already stored at stream sequence {seq} ({agency}), with other content",
  },
  "audit.truncated": {
    zh: "日志封存了{agency}的 {size} 条事件；他处已知的检查点封存到 {known} 条（检查点 {checkpoint}）",
    en: "the log seals {size} of {agency}'s events; a head known from elsewhere seals {known} (checkpoint {checkpoint})",
  },
  "audit.forked": {
    zh: "封存到第 {size} 条的检查点不是他处已知的那一个（{checkpoint}）",
    en: "the checkpoint sealing up to {size} is not the one known from elsewhere ({checkpoint})",
  },
  "audit.missing-checkpoint": {
    zh: "封存链位置 {from}–{to} 的检查点不在日志中",
    en: "the checkpoint sealing positions {from}–{to} is not in the log",
  },
  "audit.sealed-twice": {
    zh: "另一个检查点对链位置 {position} 封存的内容不同",
    en: "a second checkpoint seals position {position} differently",
  },
  "audit.replayed-at-position": {
    zh: "同一事件已存于链位置 {position}",
    en: "the same event was already stored at chain position {position}",
  },
  "audit.reordered": {
    zh: "封存于链位置 {at}，却存放在链位置 {before} 之前",
    en: "sealed at position {at}, stored before position {before}",
  },
  "audit.removed-before": {
    zh: "封存于链位置 {position} 的事件（哈希 {hash}）在此事件之前缺失",
    en: "the event sealed at position {position} (hash {hash}) is missing before this one",
  },
  "audit.removed": {
    zh: "封存于链位置 {position} 的事件（哈希 {hash}）缺失",
    en: "the event sealed at position {position} (hash {hash}) is missing",
  },
  "audit.replayed-id": {
    zh: "已存有同一编号的事件",
    en: "an event with this id was already stored",
  },
  "audit.forged-checkpoint-only": {
    zh: "只有一个无法用该部门公钥验证的检查点封存了它",
    en: "sealed only by a checkpoint that does not verify with the agency's key",
  },
  "audit.changed": {
    zh: "内容与链位置 {position} 所封存的不同（哈希 {hash}）",
    en: "content differs from what was sealed at position {position} (hash {hash})",
  },
  "audit.not-in-chain": {
    zh: "不在{agency}签名的链中",
    en: "not in {agency}'s signed chain",
  },
  "audit.unsealed": { zh: "在最后一个检查点之后", en: "after the last checkpoint" },

  // What `liandong verify-region` finds across a county line
  "audit.never-sent": {
    zh: "{holder}持有{county}的一条事件，{county}的日志却从未发出",
    en: "{holder} holds an event of {county} that {county}'s log never sent",
  },
  "audit.sent-before-later": {
    zh: "其日志中有此后发出的事件",
    en: "its log holds what was sent after it",
  },
  "audit.sent-before-read": {
    zh: "发出时间 {time}，早于{county}的日志被读取（{takenAt}）",
    en: "sent at {time}, before {county}'s log was read ({takenAt})",
  },
  "audit.subject-unknown": { zh: "其主题未知", en: "its subject is not known" },
  "audit.sent-late": {
    zh: "经{county}{agency}封签，在{county}的日志结束（流序号 {seq}）之后发出",
    en: "sealed by {agency} of {county}, sent after {county}'s log ends (stream sequence {seq})",
  },

  // Witnessing (见证): a neighbour's heads, a co-signature, a split view
  "witness.shrunk": {
    zh: "{agency}的链长 {size}；此前已见证到 {before}（检查点 {checkpoint}）",
    en: "{agency}'s chain is {size} long; {before} was witnessed before (checkpoint {checkpoint})",
  },
  "witness.forked": {
    zh: "{agency}在长度 {size} 处的检查点是 {checkpoint}；此前在该处见证的是 {before}",
    en: "{agency}'s checkpoint at {size} is {checkpoint}; {before} was witnessed there before",
  },
  "witness.heads-other-county": {
    zh: "检查点清单属于{other}，不是{county}",
    en: "the heads are {other}'s, not {county}'s",
  },
  "witness.no-office-key": {
    zh: "不知道{county}办公室的公钥",
    en: "no office key is known for {county}",
  },
  "witness.heads-other-key": {
    zh: "检查点清单以 {key} 签名，不是{county}办公室的公钥 {expected}",
    en: "the heads are signed with {key}, not {county}'s office key {expected}",
  },
  "witness.heads-signature": {
    zh: "检查点清单的签名无法用{county}办公室的公钥验证",
    en: "the heads' signature does not verify with {county}'s office key",
  },
  "witness.cosigned-other-key": {
    zh: "以 {key} 见证签名，不是{witness}办公室的公钥 {expected}",
    en: "co-signed with {key}, not {witness}'s office key {expected}",
  },
  "witness.cosignature": {
    zh: "见证签名无法用{witness}办公室的公钥验证",
    en: "the co-signature does not verify with {witness}'s office key",
  },
  "witness.published-by-other": {
    zh: "由{publisher}发布，不是由见证县{witness}发布",
    en: "published by {publisher}, not by the witness {witness}",
  },
  "witness.split-by-witness": {
    zh: "{witnesses}在长度 {size} 处见证签名的检查点是 {checkpoint}；{others}在该处见证签名的是 {other}",
    en: "{witnesses} co-signed checkpoint {checkpoint} at {size}; {others} co-signed {other} there",
  },
  "witness.split-forked": {
    zh: "{witnesses}在长度 {size} 处见证签名的检查点是 {checkpoint}；{county}的日志在该处是检查点 {other}（流序号 {seq}）",
    en: "{witnesses} co-signed checkpoint {checkpoint} at {size}; {county}'s log holds checkpoint {other} there (stream sequence {seq})",
  },
  "witness.split-truncated": {
    zh: "{witnesses}在长度 {size} 处见证签名的检查点是 {checkpoint}；{county}的日志只封存了{agency}的 {sealed} 条事件",
    en: "{witnesses} co-signed checkpoint {checkpoint} at {size}; {county}'s log seals only {sealed} of {agency}'s events",
  },
  "witness.split-unaligned": {
    zh: "{witnesses}在长度 {size} 处见证签名的检查点是 {checkpoint}；{county}的日志没有在该处结束的检查点",
    en: "{witnesses} co-signed checkpoint {checkpoint} at {size}; no checkpoint of {county}'s log ends there",
  },
} as const satisfies Record<string, Label>;

export type RefusalCode = keyof typeof REFUSALS;

/** Whether a code is the catalogue's. */
export const isRefusalCode = (code: string): code is RefusalCode => Object.hasOwn(REFUSALS, code);

/** A parameter: a name or a number said alike in both languages, or its two words. */
export type RefusalParam = string | number | Label;

/** The names a text's `{…}` places take. */
type Places<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? P | Places<Rest>
  : never;

/** The parameters a code's texts need, each by name. */
export type ParamsOf<C extends RefusalCode> = Record<
  Places<(typeof REFUSALS)[C]["zh"] | (typeof REFUSALS)[C]["en"]>,
  RefusalParam
>;

/** What follows a code: its parameters when its texts have places to fill, else nothing. */
export type CodeArgs<C extends RefusalCode> = [Places<(typeof REFUSALS)[C]["zh"]>] extends [never]
  ? []
  : [params: ParamsOf<C>];

/** A code with its parameters, as one field's issue or a refusal names it. */
export type Said = { code: RefusalCode; params?: Record<string, RefusalParam> };

/** Pure: what a code with its parameters says in `lang`. */
export function say(said: Said, lang: Lang): string {
  const text: string = REFUSALS[said.code][lang];
  const params = said.params;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (place, name: string) => {
    const p = params[name];
    if (p === undefined) return place;
    return typeof p === "object" ? p[lang] : String(p);
  });
}

/** A code with its parameters and what it rests on (said after it): a refusal, a finding. */
export type SaidWhy = Said & { because?: SaidWhy | undefined };

/** Pure: what a code says in `lang`, followed by what it rests on. */
export function sayWhy(s: SaidWhy, lang: Lang): string {
  const text = say(s, lang);
  if (!s.because) return text;
  return `${text}${lang === "zh" ? "：" : ": "}${sayWhy(s.because, lang)}`;
}

/** Pure: what a code with its parameters says, in both languages. */
export function sayBoth(said: Said): Label {
  return { zh: say(said, "zh"), en: say(said, "en") };
}

/** A code with its parameters (typed by the code: each place its texts have, filled). */
export function said<C extends RefusalCode>(code: C, ...args: CodeArgs<C>): Said {
  const [params] = args;
  return params === undefined ? { code } : { code, params };
}

/** A word of the vocabulary as a parameter: its Chinese label, its identifier in English. */
export function named<K extends string>(labels: Readonly<Record<K, Label>>, key: K): Label {
  return { zh: labels[key].zh, en: key };
}

/** An addressee where there is none (an event addressed to no one). */
export const NO_ONE: Label = { zh: "（无）", en: "no one" };
