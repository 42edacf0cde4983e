/**
 * A/B by spec version: the spec's `experiments` section assigns every account to an arm by a stable
 * hash, each arm deciding under a published spec version, and an optional holdout that gets no
 * outreach at all, so outcomes can be compared against none. Pure: no clock, no store, no randomness,
 * so every runtime (each Lambda container, a restarted server) assigns an account to the same arm.
 */
import { createHash } from "node:crypto";
import type { CheckResult, Evaluation } from "./decision-types.ts";
import * as z from "./zod-mini.ts";

/** Arm names are stored on decisions and grouped on in reports and Athena: ids, never free text. */
const ArmName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(40),
    z.regex(/^[A-Za-z0-9._-]+$/, "expected letters, digits and . _ - only"),
  );

const Arm = z.strictObject({
  name: ArmName,
  /**
   * The published spec version this arm's decisions are made under (checked at publish: it must
   * exist). Omitted: the version that carries the experiment.
   */
  version: z.optional(z.number().check(z.int(), z.positive())),
  /** A relative share: weights are normalised by their sum (50/50 and 1/1 are the same split). */
  weight: z.number().check(z.positive()),
});

const Holdout = z.strictObject({
  name: z._default(ArmName, "holdout"),
  weight: z.number().check(z.positive()),
});

export const ExperimentSchema = z
  .strictObject({
    /** Part of the hash: a new experiment name reshuffles every account. */
    name: ArmName,
    arms: z.array(Arm).check(z.minLength(1), z.maxLength(10)),
    holdout: z.optional(Holdout),
  })
  .check(
    z.superRefine((e, ctx) => {
      const seen = new Set<string>();
      e.arms.forEach((a, i) => {
        if (seen.has(a.name))
          ctx.addIssue({
            code: "custom",
            path: ["arms", i, "name"],
            message: `arm "${a.name}" is named twice`,
          });
        seen.add(a.name);
      });
      if (e.holdout && seen.has(e.holdout.name))
        ctx.addIssue({
          code: "custom",
          path: ["holdout", "name"],
          message: `"${e.holdout.name}" is also the name of an arm`,
        });
    }),
  );

export type Experiment = z.infer<typeof ExperimentSchema>;

export interface ArmAssignment {
  experiment: string;
  arm: string;
  /** The spec version the arm decides under; undefined: the version carrying the experiment. */
  version?: number;
  holdout: boolean;
}

/** A number in [0, 1) from the experiment name and account id: SHA-256, first 48 bits. */
export function unitHash(experiment: string, accountId: string): number {
  const digest = createHash("sha256").update(`${experiment}\u0000${accountId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

/**
 * The account's arm. Arms, then the holdout, take consecutive slices of [0, 1) in proportion to their
 * weights; changing a weight moves only the accounts near the boundaries it shifts, renaming the
 * experiment reshuffles everyone.
 */
export function assignArm(experiment: Experiment, accountId: string): ArmAssignment {
  const slots = [
    ...experiment.arms.map((a) => ({ ...a, holdout: false })),
    ...(experiment.holdout ? [{ ...experiment.holdout, version: undefined, holdout: true }] : []),
  ];
  const total = slots.reduce((sum, s) => sum + s.weight, 0);
  const u = unitHash(experiment.name, accountId) * total;
  let edge = 0;
  let chosen = slots[slots.length - 1] as (typeof slots)[number];
  for (const s of slots) {
    edge += s.weight;
    if (u < edge) {
      chosen = s;
      break;
    }
  }
  return {
    experiment: experiment.name,
    arm: chosen.name,
    ...(chosen.version !== undefined ? { version: chosen.version } : {}),
    holdout: chosen.holdout,
  };
}

/**
 * A holdout account's action that would reach people (a touch, or an audience that ads reach) is
 * blocked whatever the other checks said; those checks stay in the trace as what would have happened.
 * Shadow verdicts are dropped: they are about a verdict the holdout replaced. Record actions (CRM
 * bookkeeping) reach nobody and pass.
 */
export function holdoutEvaluation(evaluation: Evaluation, assignment: ArmAssignment): Evaluation {
  const check = holdoutCheck(assignment);
  const { shadow: _s, executeAt: _e, retryAfter: _r, expiresAt: _x, ...rest } = evaluation;
  return {
    ...rest,
    verdict: "block",
    status: "blocked",
    checks: [...evaluation.checks, check],
    reasons: [`experiment: ${check.detail}`],
    reservation: { counters: [] },
  };
}

/** The failing check of a holdout account's outreach (at decision time, and again before dispatch). */
export const holdoutCheck = (assignment: ArmAssignment): CheckResult => ({
  check: "experiment",
  result: "fail",
  effect: "block",
  detail: `account is in the holdout "${assignment.arm}" of experiment "${assignment.experiment}": no outreach, so its outcomes can be compared against none`,
});

/**
 * A touch the holdout blocked. A holdout person's outcomes (a reply, a meeting booked on their own) are
 * recorded on it, so outcomes can be compared against no outreach; it credits no agent's trust.
 */
export const isHeldOut = (d: { arm?: string; checks: CheckResult[] }): boolean =>
  d.arm !== undefined && d.checks.some((c) => c.check === "experiment" && c.result === "fail");
