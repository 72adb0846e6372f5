export {
  isSupervisionOrderEvent,
  type RecordedOrder,
  recordSupervision,
  type SupervisionBusEvent,
} from "./record.ts";
export {
  answerOverdue,
  MAX_ANSWER_DAYS,
  type Supervised,
  type SupervisionActor,
  type SupervisionCommand,
  type SupervisionEvent,
  type SupervisionOrder,
  type SupervisionState,
  supervisionDecider,
  supervisionView,
} from "./supervision.ts";
