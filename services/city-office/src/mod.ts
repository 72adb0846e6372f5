export { cityOffice } from "./city-office.ts";
export { cityReportCsv } from "./city-report.ts";
