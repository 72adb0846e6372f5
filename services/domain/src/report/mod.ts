export {
  addFact,
  addOwnFact,
  closureRate,
  countyTotal,
  evolveFigures,
  FIGURE_NAMES,
  type FigureFact,
  type FiguresBook,
  figureDifferences,
  figureFact,
  figuresOf,
  initialFigures,
  type MonthBook,
  NO_FIGURES,
} from "./figures.ts";
export {
  type ReportCommand,
  type ReportEvent,
  type ReportState,
  reportDecider,
  reportKey,
  reportStatus,
  timeliness,
} from "./report.ts";
export { agencyReportView, monthlyReportView } from "./view.ts";
