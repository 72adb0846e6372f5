export {
  type Approver,
  type InformantCommand,
  type InformantEvent,
  type InformantFile,
  type InformantOpening,
  type InformantState,
  informantDecider,
  type UnsealRequest,
} from "./informant.ts";
export {
  type InformantBusEvent,
  type InformantContext,
  type InformantRecord,
  informantView,
  isInformantEvent,
  openInformantFile,
  type RecordedInformant,
  recordInformant,
} from "./record.ts";
