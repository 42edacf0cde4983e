import { type ArmAssignment, assignArm } from "../domain/arms.ts";
import { DependencyError, type FieldIssue, ValidationError } from "../domain/errors.ts";
import type { Spec, SpecVersion } from "../domain/spec-schema.ts";
import type { SpecStore } from "../ports.ts";

/** The spec a decision is made under, and the arm that chose it (absent when the spec has no experiment). */
export interface ArmChoice {
  spec: SpecVersion;
  assignment?: ArmAssignment;
}

/** More versions than any experiment names; past it the cache starts over rather than grow. */
const MAX_CACHED = 64;

/**
 * Published spec versions are immutable, so each is read once per runtime (per Lambda container) and
 * kept by number: deciding under an arm's version costs no DynamoDB read after the first.
 */
export class SpecVersions {
  private readonly cache = new Map<number, SpecVersion>();

  constructor(private readonly specs: Pick<SpecStore, "get">) {}

  async get(version: number): Promise<SpecVersion> {
    const cached = this.cache.get(version);
    if (cached) return cached;
    const found = await this.specs.get(version);
    // Checked at publish, and versions are never deleted: a missing one is a broken store.
    if (!found) throw new DependencyError(`spec v${version}, named by an experiment arm, cannot be read`);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(version, found);
    return found;
  }

  /**
   * The current spec decides who is in which arm; the arm's version decides the proposal. The holdout
   * decides under the current spec (the gate then blocks its outreach).
   */
  async choose(current: SpecVersion, accountId: string): Promise<ArmChoice> {
    const experiment = current.spec.experiments;
    if (!experiment) return { spec: current };
    const assignment = assignArm(experiment, accountId);
    const version = assignment.version;
    const spec = version === undefined || version === current.version ? current : await this.get(version);
    return { spec, assignment };
  }
}

/**
 * Publish-time checks zod cannot make: every arm's version must exist, and share the workspace's time
 * zone (the gate reads the day's volume counters once, keyed by that zone). 400 naming the path;
 * nothing is published.
 */
export async function validateExperiment(specs: Pick<SpecStore, "get">, spec: Spec): Promise<void> {
  const experiment = spec.experiments;
  if (!experiment) return;
  const issues: FieldIssue[] = [];
  for (const [i, arm] of experiment.arms.entries()) {
    if (arm.version === undefined) continue;
    const path = `experiments.arms[${i}].version`;
    const found = await specs.get(arm.version);
    if (!found) issues.push({ path, message: `spec v${arm.version} does not exist` });
    else if (found.spec.workspace.timezone !== spec.workspace.timezone)
      issues.push({
        path,
        message: `spec v${arm.version} is in time zone ${found.spec.workspace.timezone}; arms must share the workspace's ${spec.workspace.timezone}`,
      });
  }
  if (issues.length > 0) throw new ValidationError(issues);
}
