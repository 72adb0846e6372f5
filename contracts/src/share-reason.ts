// What a lead's copy to an addressee (`lead.shared`) records as its reason when the routing rule
// sent it: the lead's source (`source:record-audit`). Written by the domain's `decide`, read by
// the labels a person sees (labels.ts); no zod here: the page bundles it.

const BY_SOURCE = "source:";

/** The reason a copy sent by the routing rule records: the lead's source. */
export const shareReasonOf = (source: string): string => `${BY_SOURCE}${source}`;

/** The source a copy's reason names, if the routing rule sent it. */
export const sourceOfShareReason = (reason: string): string | undefined =>
  reason.startsWith(BY_SOURCE) ? reason.slice(BY_SOURCE.length) : undefined;
