// Composition root of the city's office (市领导小组办公室) service: wiring only.
import { CITY_OFFICE } from "@liandong/contracts";
import { main } from "@liandong/runtime";
import { cityOffice } from "./city-office.ts";

await main(cityOffice, CITY_OFFICE);
