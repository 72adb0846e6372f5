import { createHash, randomUUID } from "node:crypto";
import {
  type AuditHeads,
  type AuditKeys,
  headsSigningText,
  type WitnessRefusal,
} from "@liandong/contracts";
import { say, sayWhy } from "@liandong/domain";
import {
  type ChainHead,
  cosign,
  type LogEntry,
  type Signer,
  signerFromSeed,
  witnessProblem,
} from "@liandong/runtime";
import { createUser } from "@nats-io/nkeys";
import { describe, expect, it } from "vitest";
import { RegionWitnesses, witnessLines } from "./region-witnesses.ts";

const GANZHOU = "620702";
const LIANGZHOU = "620602";
const SUZHOU = "620902";
const newSigner = () => signerFromSeed(new TextDecoder().decode(createUser().getSeed()));
const offices: Record<string, Signer> = {
  [GANZHOU]: newSigner(),
  [LIANGZHOU]: newSigner(),
  [SUZHOU]: newSigner(),
};
const keys: Record<string, AuditKeys> = Object.fromEntries(
  Object.entries(offices).map(([county, s]) => [
    county,
    { county, agencies: { office: s.publicKey } },
  ]),
);
const checkpoint = (s: string) => createHash("sha256").update(s).digest("hex");

function headsOf(county: string, health: { size: number; checkpoint: string }): AuditHeads {
  const body = { county, at: "2026-01-01T00:00:00.000Z", heads: { health: { ...health, seq: 7 } } };
  return {
    ...body,
    behind: [],
    key: offices[county]!.publicKey,
    signature: offices[county]!.sign(headsSigningText(body)),
  };
}

let seq = 0;
/** A witness event as the office of `publisher` writes it, addressed to `about`'s office. */
function entry(publisher: string, about: string, type: string, data: unknown): LogEntry {
  const envelope = {
    specversion: "1.0",
    id: randomUUID(),
    source: `liandong:${publisher}:office`,
    type,
    time: "2026-01-01T00:00:01.000Z",
    subject: about,
    county: publisher,
    agency: "office",
    actor: "svc.office",
    aggregate: { kind: "witness", id: about },
    to: "office",
    toCounty: about,
    correlationId: randomUUID(),
    prev: null,
    data,
  };
  return {
    seq: ++seq,
    subject: `ld.ev.${publisher}.office.witness.${about}.office.${about}`,
    bytes: Buffer.from(JSON.stringify(envelope)),
  };
}

const at = (s: string) => new Date(`2026-01-01T00:00:${s}.000Z`);
const shown = { size: 4, checkpoint: checkpoint("one history") };
const chains = (health: ChainHead[]) => ({ [GANZHOU]: { health } });

describe("what a region's logs say its counties' neighbours witnessed", () => {
  it("lists the distinct heads each neighbour co-signed, once however many logs hold the co-signature", () => {
    const w = new RegionWitnesses();
    const cosigned = entry(
      LIANGZHOU,
      GANZHOU,
      "witness.cosigned",
      cosign(offices[LIANGZHOU]!, LIANGZHOU, headsOf(GANZHOU, shown), at("02")),
    );
    // In the witness's own log, and copied into the county's.
    w.add(cosigned);
    w.add(cosigned);
    w.add(
      entry(
        SUZHOU,
        GANZHOU,
        "witness.cosigned",
        cosign(offices[SUZHOU]!, SUZHOU, headsOf(GANZHOU, shown), at("03")),
      ),
    );
    const r = w.report(keys, chains([{ ...shown, seq: 9 }]));
    expect(r.ok).toBe(true);
    expect(r.counties[GANZHOU]?.by[LIANGZHOU]).toEqual({
      cosignatures: 1,
      last: at("02").toISOString(),
      heads: { health: [{ ...shown, at: at("02").toISOString() }] },
      refused: [],
    });
    expect(Object.keys(r.counties[GANZHOU]?.by ?? {}).sort()).toEqual([LIANGZHOU, SUZHOU]);
    expect(witnessLines(r).join("\n")).toContain(
      `邻县凉州区（${LIANGZHOU}） 见证签名 1 次，最近一次 2026-01-01 08:00:02`,
    );
  });

  it("names a co-signature that is not the witness's, and counts nothing of it", () => {
    const w = new RegionWitnesses();
    // Signed with Suzhou's key but claiming Liangzhou; and Liangzhou's, published by Suzhou.
    const forged = cosign(offices[SUZHOU]!, LIANGZHOU, headsOf(GANZHOU, shown), at("02"));
    w.add(entry(LIANGZHOU, GANZHOU, "witness.cosigned", forged));
    const real = cosign(offices[LIANGZHOU]!, LIANGZHOU, headsOf(GANZHOU, shown), at("03"));
    w.add(entry(SUZHOU, GANZHOU, "witness.cosigned", real));
    const r = w.report(keys, chains([{ ...shown, seq: 9 }]));
    expect(r.ok).toBe(false);
    expect(r.invalid.map((x) => x.code)).toEqual([
      "witness.cosigned-other-key",
      "witness.published-by-other",
    ]);
    expect(r.invalid.map((x) => sayWhy(x, "en"))).toEqual([
      expect.stringMatching(/not county 620602's office key/),
      `published by county ${SUZHOU}, not by the witness county ${LIANGZHOU}`,
    ]);
    // In Chinese by default, the counties by name.
    expect(witnessLines(r).join("\n")).toContain(
      `由肃州区（${SUZHOU}）发布，不是由见证县凉州区（${LIANGZHOU}）发布`,
    );
    expect(r.counties[GANZHOU]?.by).toEqual({});
  });

  it("a refusal is a finding; two neighbours shown two histories, a split view", () => {
    const w = new RegionWitnesses();
    const refusal: WitnessRefusal = {
      witness: LIANGZHOU,
      heads: headsOf(GANZHOU, { size: 2, checkpoint: checkpoint("shorter") }),
      at: at("04").toISOString(),
      problem: "shrunk",
      agency: "health",
      before: shown,
      detail: "health's chain is 2 long; 4 was witnessed before",
    };
    w.add(entry(LIANGZHOU, GANZHOU, "witness.refused", refusal));
    const refused = w.report(keys, chains([{ ...shown, seq: 9 }]));
    expect(refused.ok).toBe(false);
    expect(refused.counties[GANZHOU]?.by[LIANGZHOU]?.refused).toEqual([
      expect.objectContaining({ problem: "shrunk", agency: "health" }),
    ]);
    expect(witnessLines(refused).join("\n")).toContain("拒绝见证");
    // An older record's words as recorded; a newer one's from its code, in the language asked.
    expect(witnessLines(refused).join("\n")).toContain(
      "health's chain is 2 long; 4 was witnessed before",
    );
    const why = witnessProblem({ health: shown }, { health: refusal.heads.heads.health! })!;
    const coded = new RegionWitnesses();
    coded.add(
      entry(LIANGZHOU, GANZHOU, "witness.refused", {
        ...refusal,
        detail: say(why, "zh"),
        code: why.code,
        params: why.params,
      }),
    );
    const codedReport = coded.report(keys, chains([{ ...shown, seq: 9 }]));
    expect(witnessLines(codedReport).join("\n")).toContain(
      `卫生健康部门的链长 2；此前已见证到 4（检查点 ${shown.checkpoint}）`,
    );
    expect(witnessLines(codedReport, "en").join("\n")).toContain(
      `refused to witness (${refusal.at}): the log is shorter than witnessed (shrunk), agency health — health's chain is 2 long; 4 was witnessed before (checkpoint ${shown.checkpoint})`,
    );

    const other = { size: 4, checkpoint: checkpoint("another history") };
    const split = new RegionWitnesses();
    split.add(
      entry(
        LIANGZHOU,
        GANZHOU,
        "witness.cosigned",
        cosign(offices[LIANGZHOU]!, LIANGZHOU, headsOf(GANZHOU, shown), at("02")),
      ),
    );
    split.add(
      entry(
        SUZHOU,
        GANZHOU,
        "witness.cosigned",
        cosign(offices[SUZHOU]!, SUZHOU, headsOf(GANZHOU, other), at("03")),
      ),
    );
    // Without Ganzhou's log: the two witnesses contradict each other.
    const r = split.report(keys, {});
    expect(r.ok).toBe(false);
    expect(r.splitViews).toEqual([
      expect.objectContaining({
        county: GANZHOU,
        agency: "health",
        size: 4,
        checkpoint: shown.checkpoint,
        witnesses: [LIANGZHOU],
        other: { by: "witness", witnesses: [SUZHOU], checkpoint: other.checkpoint },
      }),
    ]);
    expect(witnessLines(r).join("\n")).toContain(
      `甘州区（${GANZHOU}） 卫生健康部门 长度 4：邻县凉州区（${LIANGZHOU}） 见证签名的检查点 ${shown.checkpoint}，邻县肃州区（${SUZHOU}） 见证签名的却是另一个检查点 ${other.checkpoint}`,
    );
  });

  it("a head co-signed after the county's export was taken is pending, not a split view", () => {
    const w = new RegionWitnesses();
    // Co-signed at :02, its checkpoint at stream sequence 7; Ganzhou's export, taken at :01,
    // ends at sequence 6 with health's chain sealed to 2.
    w.add(
      entry(
        LIANGZHOU,
        GANZHOU,
        "witness.cosigned",
        cosign(offices[LIANGZHOU]!, LIANGZHOU, headsOf(GANZHOU, shown), at("02")),
      ),
    );
    const older = chains([{ size: 2, checkpoint: checkpoint("one"), seq: 5 }]);
    const r = w.report(keys, older, {
      [GANZHOU]: { lastSeq: 6, takenAt: at("01").toISOString() },
    });
    expect(r.ok).toBe(true);
    expect(r.splitViews).toEqual([]);
    expect(r.pending).toEqual([
      { county: GANZHOU, agency: "health", ...shown, seq: 7, witnesses: [LIANGZHOU], lastSeq: 6 },
    ]);
    expect(witnessLines(r).join("\n")).toContain(
      `尚待核对：甘州区（${GANZHOU}） 卫生健康部门 长度 4 的检查点（流序号 7）经邻县凉州区（${LIANGZHOU}） 见证`,
    );
    // The same export taken a minute and more after the co-signature: cut short, named.
    const cut = w.report(keys, older, {
      [GANZHOU]: { lastSeq: 6, takenAt: "2026-01-01T00:01:03.000Z" },
    });
    expect(cut.ok).toBe(false);
    expect(cut.pending).toEqual([]);
    expect(cut.splitViews).toEqual([
      expect.objectContaining({ other: { by: "log", verdict: "truncated", size: 2 } }),
    ]);
  });
});
