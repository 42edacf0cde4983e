/**
 * `harness demo`'s default size, and the size issue 9's learning checks are stated at
 * (bench/learning-check.ts). A module of its own so the CLI reads it without loading the simulation.
 *
 * Why this many: an SDR owns a book of about 250 accounts and works 40 a day (sim/world.ts), so 2,000
 * accounts are eight SDRs and 320 list places a day. Each listed account takes at most two touches a
 * week (an email and a LinkedIn message: the writer's weekly courtesy and the spec's cooldowns), fewer
 * after blocks, pauses on reply and approvals, which makes the 3,000 touches in 8 weeks. About
 * a quarter of the accounts clear the simulated workspace's intent bar on a given day (sim/spec.ts),
 * more than the lists hold, so ranking by intent decides who is contacted (test/sim/world.test.ts).
 * A bigger default buys touches in proportion (3,000 accounts made about 8,000 in 8 weeks, 4,000 about
 * 9,000-10,000), but every account also costs its data agents' proposals (people found, classified,
 * added to audiences), so the run grows as fast: at 3,000 accounts one run used about 645 CPU-seconds,
 * past issue 9's bound of 10 minutes on two cores (2,000: about 340-400).
 */
export const DEMO_DEFAULT_ACCOUNTS = 2000;
