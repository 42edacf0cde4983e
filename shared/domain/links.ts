/**
 * A link in an email's text: as the gate's link allowlist reads it (checks/quality.ts), and as the
 * SES connector makes it live in the HTML part (adapters/connectors/ses.ts). One pattern, so the link a
 * recipient can click is the link the gate checked: the HTML part once linked up to the next space,
 * over text already escaped, so `https://allowed.com)@evil.example/` passed the allowlist as
 * allowed.com and went out linking to evil.example, and `"https://allowed.com/demo"` linked to
 * `/demo%22`.
 */
export const LINK = /https?:\/\/[^\s<>"')\]]+/gi;
