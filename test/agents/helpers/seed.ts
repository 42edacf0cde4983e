import type { AccountInput, PersonInput } from "../../../shared/domain/kb.ts";
import type { AppDeps } from "../../../shared/http/routes.ts";
import { addSignals, putAccount, putPerson } from "../../../shared/usecases/admin.ts";
import { acme } from "../../helpers/world.ts";

export const account = (accountId: string, extra: Partial<AccountInput> = {}): AccountInput => ({
  ...acme,
  name: `${accountId[0]?.toUpperCase()}${accountId.slice(1)} Analytics`,
  domain: `${accountId}.io`,
  ownerId: "sdr-1",
  ...extra,
});

export const person = (
  accountId: string,
  local: string,
  title: string,
  extra: Partial<PersonInput> = {},
): PersonInput => ({
  accountId,
  email: `${local}@${accountId}.io`,
  firstName: local[0]?.toUpperCase() + local.slice(1),
  lastName: "Doe",
  title,
  linkedinUrl: `https://www.linkedin.com/in/${local}-${accountId}`,
  ...extra,
});

/** Pricing-page visits in the last hours: n × 25 intent. */
export async function visits(deps: AppDeps, accountId: string, n: number) {
  const now = deps.clock.now();
  await addSignals(deps, {
    signals: Array.from({ length: n }, (_, i) => ({
      accountId,
      type: "pricing_page_visit",
      occurredAt: new Date(now - (i + 1) * 3_600_000).toISOString(),
    })),
  });
}

export async function seedPeople(deps: AppDeps, accountId: string, people: [string, string][]) {
  for (const [local, title] of people)
    await putPerson(deps, `${accountId}.${local}`, person(accountId, local, title));
}

export { putAccount };
