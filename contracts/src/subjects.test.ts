import { describe, expect, it } from "vitest";
import type { AgencyCode } from "./agency.ts";
import type { AggregateKind } from "./envelope.ts";
import { type EventAddress, eventSubject, isEventSubject } from "./subjects.ts";

// Tokens that meet (a county that is another's prefix), hold a dot, are empty or the addressee mark.
const COUNTIES = ["441723", "44172", "4417231", "", "44.1723"];
const AGENCIES = ["health", "health.x", "", "_"] as AgencyCode[];
const KINDS = ["lead", "referral", "lea"] as AggregateKind[];
const IDS = ["a1", "a", "a1.b", ""];
const TO = [undefined, "commerce", "_", "", "commerce.441800"] as (AgencyCode | undefined)[];
const TO_COUNTY = [undefined, "", "441800", "4418"];

function* addresses(): Generator<EventAddress> {
  for (const county of COUNTIES)
    for (const agency of AGENCIES)
      for (const kind of KINDS)
        for (const id of IDS)
          for (const to of TO)
            for (const toCounty of TO_COUNTY) yield { county, agency, kind, id, to, toCounty };
}

describe("isEventSubject", () => {
  it("answers as eventSubject written out and compared, for subjects of every address and near misses", () => {
    const all = [...addresses()];
    const subjects = new Set<string>(["", "ld", "ld.ev", "ld.ev.", "ld.ev.441723.health"]);
    for (const a of all) {
      const s = eventSubject(a);
      for (const near of [
        s,
        `${s}.`,
        `${s}.x`,
        s.slice(0, -1),
        `x${s}`,
        s.replace("ld.ev", "ld.dlq"),
      ])
        subjects.add(near);
    }
    const list = [...subjects];
    let same = 0;
    const wrong: string[] = [];
    // Each address against its own subject's neighbourhood and a stride of all the others.
    for (const [i, a] of all.entries()) {
      const own = eventSubject(a);
      const near = [own, `${own}.`, own.slice(0, -1)];
      for (let j = i % 97; j < list.length; j += 97) near.push(list[j]!);
      for (const s of near) {
        const expected = own === s;
        if (isEventSubject(s, a) !== expected) wrong.push(`${s} for ${JSON.stringify(a)}`);
        if (expected) same++;
      }
    }
    expect(wrong).toEqual([]);
    expect(same).toBeGreaterThanOrEqual(all.length);
  });
});
