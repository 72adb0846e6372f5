import { pino } from "pino";

export type Logger = pino.Logger;

/** The one logger: structured JSON lines on stdout. */
export function createLogger(service: string, level = "info"): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
