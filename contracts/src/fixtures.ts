// One event as it stands on the bus, for tests of whatever reads the bus: a lead dismissed by
// health in county 441723, with the subject its publisher sends it on. Tests vary it by spreading
// (`{ ...SAMPLE_EVENT, type: "lead.teleported" }`), never by writing another envelope out.

export const SAMPLE_LEAD_ID = "0b6f0f7e-8a5b-4c1f-9d2a-1f2e3d4c5b6a";

/** A valid `lead.dismissed` envelope (the CloudEvents attributes and Liandong's own). */
export const SAMPLE_EVENT = {
  specversion: "1.0",
  id: "6a1f7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
  source: "liandong:441723:health",
  type: "lead.dismissed",
  time: "2026-11-01T08:00:00.000Z",
  subject: SAMPLE_LEAD_ID,
  county: "441723",
  agency: "health",
  actor: "health.liaison",
  aggregate: { kind: "lead", id: SAMPLE_LEAD_ID },
  correlationId: "6a1f7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
  prev: null,
  data: { leadId: SAMPLE_LEAD_ID, reason: "重复登记" },
} as const;

/** The subject `SAMPLE_EVENT` is published on (its own county, to no one in particular). */
export const SAMPLE_SUBJECT = `ld.ev.441723.health.lead.${SAMPLE_LEAD_ID}._`;
