/** What a fault run does; the CI test and `npm run faults` differ only in size. */
export interface FaultRunConfig {
  /** Decides the workload and which vendor calls fail. */
  seed: number;
  /** Share of vendor calls that fail (errors, timeouts, 429s in equal parts). */
  faultRate: number;
  /** Accounts per round: each gets an email, a LinkedIn message, an audience add and a CRM log proposed. */
  accounts: number;
  /** Rounds of traffic; each kills `harness serve` and then DynamoDB Local once, mid-round. */
  rounds: number;
  /** Keep starting rounds until this many minutes have passed (a longer run); overrides `rounds`. */
  minutes?: number;
  /** Proposals in flight at once (agents proposing concurrently). */
  concurrency: number;
  /** The connectors' per-call timeout: a withheld answer becomes an unknown outcome after this. */
  connectorTimeoutMs: number;
  /** A send cut off by a crash is surfaced in_doubt after this (the connectors file's inDoubtAfterMs). */
  inDoubtAfterMs: number;
  /** Level-2 override windows of the spec published for the run. */
  overrideWindowSeconds: number;
  /** How long, after the last round, everything may take to reach a final status. */
  settleMs: number;
  /** Keep the temp folder (data dir, connectors file) for a look afterwards. */
  keep?: boolean;
  log: (line: string) => void;
}

export const CI_CONFIG: Omit<FaultRunConfig, "log"> = {
  seed: 7,
  faultRate: 0.15,
  accounts: 24,
  rounds: 1,
  concurrency: 4,
  connectorTimeoutMs: 1_000,
  inDoubtAfterMs: 10_000,
  overrideWindowSeconds: 3,
  settleMs: 60_000,
};
