import { randomUUID } from "node:crypto";

/** Time and ids are injected so that tests and replays can fix them. */
export type Clock = () => Date;
export type IdSource = () => string;

export const systemClock: Clock = () => new Date();
export const randomIds: IdSource = () => randomUUID();
