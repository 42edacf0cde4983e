/**
 * The simulated workspace's spec: the shipped default (the article's rules, unchanged) with daily
 * volume caps for the data agents sized to the market, since the default's 200 per agent per day
 * is an outreach-sized cap, and a lower intent bar (below). Touch limits, coordination and trust are
 * exactly the default's.
 */
import { parse } from "yaml";
import { defaultSpecText } from "../shared/runtime/local.ts";

export function simSpec(accounts: number, options: { learning?: boolean } = {}): Record<string, unknown> {
  const spec = parse(defaultSpecText()) as {
    name: string;
    volume: { perAgentPerDay: Record<string, unknown> };
    quality: { minIntent: number };
    learning?: Record<string, unknown>;
  };
  // `harness demo --learning off`: the workspace's own switch (shared/learning/README.md).
  if (options.learning === false) spec.learning = { ...spec.learning, enabled: false };
  // No admin works the simulated workspace's drafts: a refit of the intent weights is adopted by the
  // harness once its shadow evidence ranks meetings better (learning.signals.autoAdopt).
  spec.learning = { ...spec.learning, signals: { autoAdopt: true } };
  // The workspace's SDRs may work warm accounts too, not only the hottest (the shipped bar of 60 is
  // three pricing visits in a week): with the bar at 45 more accounts qualify on a given day than the
  // SDRs' lists hold (sim/world.ts: 40 a day each), so the ranking by intent, and any refit of its
  // weights, decides who is contacted. The lead lists' floor is three quarters of it.
  spec.quality.minIntent = 45;
  const data = Math.max(500, accounts * 6);
  spec.name = "simulated-market";
  spec.volume.perAgentPerDay = {
    default: 200,
    agents: {
      "persona-finder": data,
      "persona-classifier": data,
      "crm-sync": data,
      "lead-list-builder": data,
      "web-research": data,
      "buying-committee-builder": data,
      "linkedin-audience-manager": data,
      "list-sync": data,
      "manual-list-sync": data,
    },
  };
  return spec;
}
