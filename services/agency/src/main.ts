// A desk for an agency added by configuration only (e.g. 妇联): LIANDONG_AGENCY names it.
import { main } from "@liandong/runtime";
import { agencyDesk } from "./desk.ts";
import { DEFAULT_RULES } from "./rules.ts";

await main(agencyDesk(DEFAULT_RULES));
