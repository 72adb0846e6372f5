// Composition root of the office (领导小组办公室) service: wiring only.
import { main } from "@liandong/runtime";
import { office } from "./office.ts";

await main(office, "office");
