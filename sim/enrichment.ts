import type { EnrichedPerson, EnrichmentSource } from "../shared/agents/ports.ts";
import type { SimWorld } from "./world.ts";

/**
 * The market's people-data provider: who works at a company, as a vendor would return it, with the
 * vendor's noise (a contractor listed under another company's domain).
 */
export function simEnrichment(world: SimWorld): EnrichmentSource {
  const byDomain = new Map(world.companies.map((c) => [c.account.domain, c]));
  return {
    name: "sim-enrichment",
    async findPeople(domain: string): Promise<EnrichedPerson[]> {
      const c = byDomain.get(domain);
      if (!c) return [];
      const people: EnrichedPerson[] = c.people.map((p) => ({
        firstName: p.firstName,
        lastName: p.lastName,
        title: p.title,
        email: p.email,
        ...(p.linkedinUrl ? { linkedinUrl: p.linkedinUrl } : {}),
        source: "sim-enrichment",
      }));
      people.push({
        firstName: "Casey",
        lastName: "Contractor",
        title: "VP Sales",
        email: `casey@contractors.example`,
        source: "sim-enrichment",
      });
      return people;
    },
  };
}
