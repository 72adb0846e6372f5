// @liandong/contracts — the language of the bus. Depends on zod alone.
export * from "./agency.ts";
export * from "./api.ts";
export * from "./api-case.ts";
export * from "./api-referral.ts";
export * from "./catalogue.ts";
export * from "./config.ts";
export * from "./county.ts";
export * from "./envelope.ts";
export * from "./events-audit.ts";
export * from "./events-case.ts";
export * from "./events-informant.ts";
export * from "./events-lead.ts";
export * from "./events-referral.ts";
export * from "./lead.ts";
export * from "./parse-event.ts";
export * from "./problem.ts";
export * from "./subjects.ts";
