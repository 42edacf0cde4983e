/**
 * `harness demo`'s default size, and the size issue 9's learning checks are stated at
 * (bench/learning-check.ts). A module of its own so the CLI reads it without loading the simulation.
 *
 * Why this many: an SDR owns a book of about 250 accounts and works 40 a day (sim/world.ts), so 3,000
 * accounts are twelve SDRs and 480 list places a day. Each listed account takes at most two touches a
 * week (an email and a LinkedIn message: the writer's weekly courtesy and the spec's cooldowns), fewer
 * after blocks, pauses on reply and approvals: 7,300-8,500 touches in 8 weeks on nine seeds, well over
 * issue 9's 3,000. About a quarter of the accounts clear the simulated workspace's intent bar on a
 * given day (sim/spec.ts), more than the lists hold, so ranking by intent decides who is contacted
 * (test/sim/world.test.ts).
 *
 * Why not fewer: at 2,000 accounts (about 5,600 touches) the nine seeds of bench/learning-check.ts
 * passed 100 of 108 checks, at 3,000 103 of 108 (106 of 108 once each persona's favourite variant
 * was set far enough ahead to be found, sim/truth.ts); the report prints, next to each failing check,
 * what a learner reaches at that volume, to tell volume from method. Why not more: every account also
 * costs its data agents' proposals (people found, classified, added to audiences), so the run grows as
 * fast as the touches, and issue 9 bounds 8 weeks at this size to 10 minutes on two cores. With the
 * trust listing read from its directory, one 8-week run at 3,000 took 495-540 s alone on a 2-core
 * machine (2,000: about 280 s); 4,000 would not fit.
 */
export const DEMO_DEFAULT_ACCOUNTS = 3000;
