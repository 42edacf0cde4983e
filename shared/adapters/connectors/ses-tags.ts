/**
 * The tags the SES connector puts on each email (ses.ts), which SES's events carry back in
 * `mail.tags` (aws/ses-events.ts) and the outcomes rule matches on (infra world-io.ts): declared once.
 */
export const SES_TAGS = {
  /** The execution's idempotency key (`:` as `_`, which tag values cannot hold). */
  idempotencyKey: "idempotency_key",
  /** The decision the email belongs to: how an event finds its decision. */
  decisionId: "decision_id",
  /** The writer's message variant, where it names one. */
  variant: "variant",
  /** The contact list topic it went out on (ses.listManagement.topicName): optedOut reads it. */
  listTopic: "list_topic",
} as const;
