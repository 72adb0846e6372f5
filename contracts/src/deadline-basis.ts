/**
 * What a referral's acceptance deadline rests on. Plain data and one function, no zod, so that
 * the web page can bundle it as it is: the agency, the office and the page label a deadline
 * with this one rule.
 *
 * `county`: the county's configured hand-off deadlines (接收期限). `decree-310`: a transfer to
 * the judiciary, whose deadline is the filing decision public security owes within 3 days of
 * receiving it (立案决定期限, 行政执法机关移送涉嫌犯罪案件的规定, State Council decree No. 310,
 * art. 8), whatever the county configures.
 */
export const DEADLINE_BASES = ["county", "decree-310"] as const;
export type DeadlineBasis = (typeof DEADLINE_BASES)[number];

/** The Chinese label of a referral's acceptance deadline, by what it rests on. */
export const ACCEPTANCE_DEADLINE_LABELS: Readonly<Record<DeadlineBasis, string>> = {
  county: "接收期限",
  "decree-310": "立案决定期限（国务院令第310号）",
};

/** Pure: what the acceptance deadline of a referral of this kind rests on. */
export function deadlineBasis(referral: { kind: string }): DeadlineBasis {
  return referral.kind === "judiciary" ? "decree-310" : "county";
}

/** Pure: the label to show beside a referral's acceptance deadline (`acceptBy`). */
export function acceptanceDeadlineLabel(referral: { kind: string }): string {
  return ACCEPTANCE_DEADLINE_LABELS[deadlineBasis(referral)];
}
