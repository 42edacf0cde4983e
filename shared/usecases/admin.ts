import type * as z from "zod";
import type { Pause } from "../domain/decision-types.ts";
import { ValidationError } from "../domain/errors.ts";
import { newId } from "../domain/ids.ts";
import { AccountPut, PersonInput, SignalsBody, SuppressionInput } from "../domain/kb.ts";
import { parseSpec, specHash } from "../domain/spec-loader.ts";
import type { Spec, SpecVersion } from "../domain/spec-schema.ts";
import { parseSpecText } from "../domain/spec-text.ts";
import { DAY, iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import type { Deps } from "../ports.ts";
import { validateExperiment } from "./experiments.ts";
import type { Principal } from "./principal.ts";
import { PauseBody } from "./schemas.ts";
import { getSpec } from "./spec-read.ts";

/** Re-exported for the admin routes; the agents' and console's spec reads import spec-read.ts. */
export { getSpec };

/**
 * A spec (YAML text or a parsed object) checked as publishing checks it, with its hash: what
 * `POST /v1/specs/validate` answers and what `publishSpec` publishes.
 */
export async function checkedSpec(
  deps: Pick<Deps, "specs">,
  source: string | unknown,
): Promise<{ spec: Spec; hash: string }> {
  const spec: Spec = typeof source === "string" ? parseSpecText(source) : parseSpec(source);
  await validateExperiment(deps.specs, spec);
  return { spec, hash: specHash(spec) };
}

/** Publish a spec (YAML text or a parsed object). Publishing the current content again is a no-op. */
export async function publishSpec(
  deps: Pick<Deps, "specs" | "clock" | "events">,
  source: string | unknown,
  by: string,
): Promise<{ spec: SpecVersion; created: boolean }> {
  const { spec, hash } = await checkedSpec(deps, source);
  const current = await deps.specs.current();
  if (current?.hash === hash) return { spec: current, created: false };
  const published = await deps.specs.publish(spec, hash, by, iso(deps.clock.now()), current?.version ?? 0);
  await deps.events.publish([{ type: "spec.published", detail: { version: published.version, hash } }]);
  return { spec: published, created: true };
}

export async function createPause(
  deps: Pick<Deps, "pauses" | "clock" | "events">,
  body: unknown,
  principal: Principal,
): Promise<Pause> {
  const input = parseWith(PauseBody, body);
  if (input.until && Date.parse(input.until) <= deps.clock.now()) {
    throw new ValidationError([{ path: "until", message: "must be in the future" }]);
  }
  const pause: Pause = {
    pauseId: newId("pause"),
    scope: input.scope,
    ...(input.target ? { target: input.target } : {}),
    reason: input.reason,
    createdBy: principal.subject,
    createdAt: iso(deps.clock.now()),
    ...(input.until ? { until: input.until } : {}),
  };
  await deps.pauses.create(pause);
  await deps.events.publish([
    {
      type: "pause.created",
      detail: { pauseId: pause.pauseId, scope: pause.scope, target: pause.target ?? null },
    },
  ]);
  return pause;
}

export async function putAccount(deps: Pick<Deps, "kb" | "clock">, accountId: string, body: unknown) {
  const { lifecycle, ...input } = parseWith(AccountPut, body);
  const keep = lifecycle ?? (await deps.kb.getAccount(accountId))?.lifecycle ?? "prospect";
  return deps.kb.putAccount(accountId, { ...input, lifecycle: keep }, iso(deps.clock.now()));
}

export async function putPerson(deps: Pick<Deps, "kb" | "clock">, personId: string, body: unknown) {
  const input = parseWith(PersonInput, body);
  return deps.kb.putPerson(personId, input, iso(deps.clock.now()));
}

/** Signals older than the longest window any signal type could use are not kept. */
const SIGNAL_RETENTION = 120 * DAY;

export async function addSignals(deps: Pick<Deps, "kb" | "clock">, body: unknown) {
  const input = parseWith(SignalsBody, body);
  // Validate every account exists before writing any, so a bad batch changes nothing.
  const byAccount = new Map<string, z.infer<typeof SignalsBody>["signals"]>();
  for (const s of input.signals) byAccount.set(s.accountId, [...(byAccount.get(s.accountId) ?? []), s]);
  for (const [i, accountId] of [...byAccount.keys()].entries()) {
    if (!(await deps.kb.getAccount(accountId))) {
      const index = input.signals.findIndex((s) => s.accountId === accountId);
      throw new ValidationError([
        {
          path: `signals[${index >= 0 ? index : i}].accountId`,
          message: `account ${accountId} does not exist`,
        },
      ]);
    }
  }
  const keepSince = iso(deps.clock.now() - SIGNAL_RETENTION);
  for (const [accountId, signals] of byAccount) {
    await deps.kb.addSignals(
      accountId,
      signals.map(({ accountId: _a, ...s }) => s),
      keepSince,
    );
  }
  return { accepted: input.signals.length };
}

export async function addSuppression(deps: Pick<Deps, "kb" | "clock">, body: unknown) {
  const input = parseWith(SuppressionInput, body);
  return deps.kb.addSuppression(input, iso(deps.clock.now()));
}
