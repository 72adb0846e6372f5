// Composition root of the 工商行政管理部门（市场监管） service: wiring only.
import { agencyDesk } from "@liandong/agency";
import { main } from "@liandong/runtime";
import { rules } from "./rules.ts";

await main(agencyDesk(rules), "commerce");
