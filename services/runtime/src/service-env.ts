import { AgencyCode } from "@liandong/contracts";
import { z } from "zod";

/** A JSON object of agency code to URL, as an environment variable holds it. */
/** A JSON object of agency code to where that agency's service is (`where`: a URL, or a path too). */
const serviceUrls = (where: z.ZodType<string>) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      try {
        return z.record(AgencyCode, where).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: "custom", message: "JSON object of agency code to URL (or /path)" });
        return z.NEVER;
      }
    });

/**
 * The environment every service reads at boot, validated once. docker-compose.yml and the
 * county launcher set exactly these variables.
 */
export const ServiceEnv = z.object({
  /** The agency (or `office`) this process acts as. */
  LIANDONG_AGENCY: AgencyCode,
  /** Comma-separated NATS URLs, e.g. `nats://127.0.0.1:4222`. */
  LIANDONG_NATS_URL: z.string().min(1),
  /** File holding this agency's NATS nkey seed (`SU…`). */
  LIANDONG_NATS_SEED_FILE: z.string().min(1),
  /** TLS to the bus: the county's CAs (PEM), which the servers' certificates must be of. */
  LIANDONG_NATS_CA: z.string().min(1).optional(),
  /** Mutual TLS: this service's client certificate and key (PEM), issued by the county's CA. */
  LIANDONG_NATS_CERT: z.string().min(1).optional(),
  LIANDONG_NATS_KEY: z.string().min(1).optional(),
  LIANDONG_HTTP_HOST: z.string().default("127.0.0.1"),
  LIANDONG_HTTP_PORT: z.coerce.number().int().min(0).max(65535),
  /** County configuration (JSON, `CountyConfig` of contracts). */
  LIANDONG_CONFIG: z.string().min(1),
  /** Officers and the hashes of their bearer tokens (JSON array of `Officer`). */
  LIANDONG_OFFICERS: z.string().min(1),
  /**
   * An agency's vault key file (保密库密钥, mode 0600): what it wraps the data keys of its
   * informants' identities with. Given to that agency's service only; never on the bus.
   */
  LIANDONG_VAULT_KEY_FILE: z.string().min(1).optional(),
  /**
   * The office: the directory of its snapshot (快照), which it alone writes; a start folds only
   * the log after it. Unset: every start replays the whole log.
   */
  LIANDONG_SNAPSHOT_DIR: z.string().min(1).optional(),
  /**
   * 数据比对: the key the holders of registers of people tag their pseudonyms with (hex, mode
   * 0600), given to them only: the comparison service, which holds the OPRF key, never has it.
   */
  LIANDONG_MATCH_TAG_KEY_FILE: z.string().min(1).optional(),
  /**
   * The comparison service's OPRF public key (hex, as the launcher writes it in
   * public-keys.json): an evaluation proved under any other key is refused. Unset: the key the
   * service gives is trusted on first use.
   */
  LIANDONG_MATCH_PUBLIC_KEY: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "32 bytes, hex")
    .optional(),
  /** `public-keys.json`: the keys seals are checked with, where the configuration lacks them. */
  LIANDONG_PUBLIC_KEYS: z.string().min(1).optional(),
  LIANDONG_LOG_LEVEL: z
    .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"])
    .default("info"),
  /**
   * Set by the county launcher: the descriptor of the pipe it holds the other end of. Its end
   * means the launcher is gone, and the service stops by itself.
   */
  LIANDONG_LIFELINE_FD: z.coerce.number().int().min(3).optional(),
  /** Set by the county launcher: how often it has started this service again after a crash. */
  LIANDONG_RESTARTS: z.coerce.number().int().min(0).default(0),
  /** Drills and tests: a file holding a clock offset in ms, shared by the county's processes. */
  LIANDONG_CLOCK_FILE: z.string().min(1).optional(),
  /** Origins (comma-separated) whose pages may call this service: the office's web page. */
  LIANDONG_WEB_ORIGINS: z.string().optional(),
  /**
   * The office's web page: each service's public URL, as JSON `{ "health": "http://…" }`, or
   * its path on the page's own origin behind the county's reverse proxy (`"/api/health"`).
   */
  LIANDONG_SERVICE_URLS: serviceUrls(z.union([z.url(), z.string().regex(/^\/[\w/-]*$/)])),
  /**
   * The office: where it asks each service of the county whether it is ready (`/readyz`), where
   * that differs from the public URL (docker-compose: the services' names on its network).
   */
  LIANDONG_PROBE_URLS: serviceUrls(z.url()),
});
export type ServiceEnv = z.infer<typeof ServiceEnv>;

/** Default HTTP ports of the county bus in a box and docker-compose.yml. */
export const DEFAULT_PORTS: Record<string, number> = {
  office: 7100,
  health: 7101,
  "family-planning": 7102,
  "public-security": 7103,
  "drug-regulation": 7104,
  commerce: 7105,
};
