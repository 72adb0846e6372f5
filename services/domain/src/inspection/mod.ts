export {
  type Inspection,
  type InspectionCommand,
  type InspectionEvent,
  type InspectionPlan,
  type InspectionState,
  type InspectionView,
  inspectionDecider,
  inspectionView,
  PLAN_HORIZON_DAYS,
  participantView,
  type RecordedFindings,
} from "./inspection.ts";
export {
  type InspectionBusEvent,
  type InspectionKnowledge,
  isInspectionEvent,
  type RecordedInspection,
  recordInspection,
} from "./record.ts";
