import type { HttpEnv, ServiceContext } from "@liandong/runtime";
import { Hono } from "hono";

/** The city's page (市级工作台): placeholder until the page is built. */
export function cityPage(_ctx: ServiceContext): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.get("/", (c) => c.html("<!doctype html><meta charset=utf-8><title>市领导小组办公室</title>"));
  return app;
}
