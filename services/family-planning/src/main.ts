// Composition root of the 人口和计划生育部门 service: wiring only.
import { agencyDesk } from "@liandong/agency";
import { main } from "@liandong/runtime";
import { rules } from "./rules.ts";

await main(agencyDesk(rules), "family-planning");
