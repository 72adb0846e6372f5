import type { AgencyCode } from "@liandong/contracts";
import { type AggregateLog, type Clock, Decisions, type HttpEnv } from "@liandong/runtime";
import { type Context, Hono } from "hono";
import type { DeskStore } from "./desk-store.ts";

/** What a feature of an agency's desk is built on: whose desk, its store, its log, its clock. */
export type FeatureDeps = { agency: AgencyCode; store: DeskStore; log: AggregateLog; clock: Clock };

/** A feature's routes: a hono sub-app, mounted by the composition root (desk.ts). */
export type FeatureApp = Hono<HttpEnv>;

/** A request to a feature's route, by one of the agency's officers. */
export type FeatureContext = Context<HttpEnv>;

/**
 * A feature's sub-app, and the runtime's one load → decide → append handler its routes share:
 * one decision at a time per aggregate of the feature (`convergeMs`: see `Decisions`).
 */
export function featureApp(convergeMs?: number): { app: FeatureApp; decisions: Decisions } {
  return { app: new Hono<HttpEnv>(), decisions: new Decisions(convergeMs) };
}

/** A feature's command as a route states it: without `K`, what the route adds to every command. */
export type Intent<C, K extends PropertyKey> = C extends unknown ? Omit<C, K> : never;
