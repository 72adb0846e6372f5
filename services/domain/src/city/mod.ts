export {
  type CountyReportCommand,
  type CountyReportEvent,
  type CountyReportState,
  cityReportDueBy,
  cityReportView,
  countyReportDecider,
  countyReportKey,
} from "./county-report.ts";
export {
  type MajorCaseCommand,
  type MajorCaseCriteria,
  type MajorCaseEvent,
  type MajorCaseRecord,
  type MajorCaseState,
  majorCaseDecider,
  majorCaseFacts,
  majorCaseGrounds,
  recordMajorCase,
} from "./major-case.ts";
