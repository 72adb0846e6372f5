import { z } from "zod";
import { Sanction } from "./events-case.ts";
import { EvidenceRef, Target, TargetInput, Violation } from "./lead.ts";
import { Text } from "./text.ts";

/** `POST /cases`: open a case (立案) from leads or referrals this agency holds. */
export const CaseOpening = z.object({
  title: Text(200),
  leads: z.array(z.uuid()).default([]),
  referrals: z.array(z.uuid()).default([]),
  violations: z.array(Violation).min(1),
  target: TargetInput,
});

export const CaseStep = z.object({
  kind: z.enum(["investigation", "evidence"]),
  summary: Text(4000),
  evidence: z.array(EvidenceRef).max(50).default([]),
});

export const CaseClosure = z.object({
  summary: Text(4000),
  sanctions: z.array(Sanction).max(20).default([]),
});

export const CaseView = z.object({
  caseId: z.uuid(),
  agency: z.string(),
  title: z.string(),
  status: z.enum(["open", "closed"]),
  leads: z.array(z.uuid()),
  referrals: z.array(z.uuid()),
  violations: z.array(Violation),
  target: Target,
  openedAt: z.string(),
  closedAt: z.string().optional(),
  steps: z.array(
    z.object({
      kind: z.string(),
      summary: z.string(),
      at: z.string(),
      actor: z.string(),
      evidence: z.array(EvidenceRef),
    }),
  ),
  sanctions: z.array(Sanction),
  summary: z.string().optional(),
});
export type CaseView = z.infer<typeof CaseView>;
