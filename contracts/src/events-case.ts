import { z } from "zod";
import { AgencyCode } from "./agency.ts";
import { EvidenceRef, Target, Violation } from "./lead.ts";
import { PlainText, Text } from "./text.ts";

/**
 * Sanctions of GLOSSARY.md (处罚 / 处分): 罚款, 吊销执业证书, 吊销《医疗机构执业许可证》, 行政处分,
 * 生育证处理, 移送司法机关; drug regulation's 没收终止妊娠药品; commerce's 吊销营业执照 and 取缔
 * (closing an operator that has no licence at all). Who may impose which is the county's
 * configuration (`CountyConfig.sanctions`), decided by the domain's case aggregate.
 */
export const SanctionKind = z.enum([
  "fine",
  "revoke-practising-certificate",
  "revoke-institution-licence",
  "administrative-sanction",
  "birth-permit-sanction",
  "transfer-to-judiciary",
  "confiscate-drugs",
  "revoke-business-licence",
  "close-unlicensed-operator",
]);
export type SanctionKind = z.infer<typeof SanctionKind>;

export const Sanction = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("fine"),
    amountYuan: z.number().int().positive(),
    against: Text(200),
  }),
  z.object({
    kind: z.literal("revoke-practising-certificate"),
    against: Text(200),
  }),
  z.object({ kind: z.literal("revoke-institution-licence"), against: Text(200) }),
  z.object({
    kind: z.literal("administrative-sanction"),
    against: Text(200),
    detail: PlainText(500),
  }),
  z.object({
    kind: z.literal("birth-permit-sanction"),
    against: Text(200),
    detail: PlainText(500),
  }),
  z.object({
    kind: z.literal("confiscate-drugs"),
    against: z.string().min(1).max(200),
    /** What was confiscated (没收的药品及数量). */
    detail: z.string().max(500).optional(),
  }),
  z.object({ kind: z.literal("revoke-business-licence"), against: z.string().min(1).max(200) }),
  z.object({ kind: z.literal("close-unlicensed-operator"), against: z.string().min(1).max(200) }),
  z.object({
    kind: z.literal("transfer-to-judiciary"),
    against: Text(200),
    /** Decree No. 310: the decision to transfer is due by this instant (ISO 8601). */
    decideBy: z.iso.datetime({ offset: true }).optional(),
    /** Decree No. 310: the transfer itself is due by this instant (ISO 8601). */
    transferBy: z.iso.datetime({ offset: true }).optional(),
  }),
]);
export type Sanction = z.infer<typeof Sanction>;

export const CaseOpened = z.object({
  caseId: z.uuid(),
  agency: AgencyCode,
  title: z.string().trim().min(1).max(200),
  leads: z.array(z.uuid()).default([]),
  referrals: z.array(z.uuid()).default([]),
  violations: z.array(Violation).min(1),
  target: Target,
});

export const CaseStepRecorded = z.object({
  caseId: z.uuid(),
  kind: z.enum(["investigation", "evidence"]),
  summary: z.string().trim().min(1).max(4000),
  evidence: z.array(EvidenceRef).max(50).default([]),
});

export const CaseClosed = z.object({
  caseId: z.uuid(),
  summary: z.string().trim().min(1).max(4000),
  sanctions: z.array(Sanction).max(20),
});
