/**
 * How many identities each agency may have evaluated: a bucket of `burst` that refills at
 * `perMinute`. An agency that could ask without limit could pseudonymise every possible ID
 * number of the county and so name another agency's pseudonyms; the limit and the record of
 * every request are what stand in its way.
 */
export type RateLimit = { burst: number; perMinute: number };

export class IdentityBudget {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(limit: RateLimit) {
    this.#limit = limit;
  }

  /** Takes `count` from the agency's bucket at `now` (ms); false (and nothing taken) if short. */
  take(agency: string, count: number, now: number): boolean {
    const b = this.#buckets.get(agency) ?? { tokens: this.#limit.burst, at: now };
    const refilled = Math.min(
      this.#limit.burst,
      b.tokens + (Math.max(0, now - b.at) * this.#limit.perMinute) / 60_000,
    );
    if (refilled < count) {
      this.#buckets.set(agency, { tokens: refilled, at: now });
      return false;
    }
    this.#buckets.set(agency, { tokens: refilled - count, at: now });
    return true;
  }
}
