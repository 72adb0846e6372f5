export {
  type CaseCommand,
  type CaseEvent,
  type CaseRecord,
  type CaseRefusal,
  type CaseState,
  caseDecider,
  caseView,
} from "./case.ts";
export {
  checkSanctions,
  REVOCATIONS,
  type SanctionConfig,
  sanctionFigures,
} from "./sanctions.ts";
