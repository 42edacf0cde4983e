/**
 * A downstream tool mapped to an action type in the spec: validation names the path, and the target
 * and text read from the arguments are the ones execution checks again.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../shared/domain/errors.ts";
import { parseSpec } from "../../shared/domain/spec-loader.ts";
import {
  deriveToolProposal,
  mismatch,
  pointerGet,
  type ToolMapping,
} from "../../shared/domain/spec-tools.ts";
import { rawDefaultSpec } from "./helpers/fixtures.ts";

const mapping: ToolMapping = {
  server: "crm",
  name: "send_email",
  target: { accountId: "/account/id", personId: "/contactId" },
  content: { subject: "/subject", body: "/body" },
};
const args = { account: { id: "acme" }, contactId: "acme-jane", subject: "Hi", body: "Hello Jane" };

function issuesOf(actions: Record<string, unknown>) {
  const raw = rawDefaultSpec();
  Object.assign(raw.autonomy.actions, actions);
  try {
    parseSpec(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  return [];
}

const touch = (tool: Record<string, unknown>) => ({ kind: "touch", channel: "email", maxLevel: 3, tool });

describe("spec: autonomy.actions.<type>.tool", () => {
  it("accepts a mapped touch and an audience push", () => {
    expect(issuesOf({ "crm.email.send": touch(mapping) })).toEqual([]);
    expect(
      issuesOf({
        "ads.audience.push": {
          kind: "audience",
          channel: "linkedin",
          maxLevel: 2,
          tool: { server: "ads", name: "push_audience", target: { accountId: "/accountId" } },
        },
      }),
    ).toEqual([]);
  });

  it("refuses a tool on a built-in action type, which its built-in connector would carry out", () => {
    const tool = {
      server: "crm",
      name: "send_email",
      target: { accountId: "/a", personId: "/p" },
      content: { body: "/b" },
    };
    for (const type of ["email.send", "linkedin.message", "crm.update"]) {
      const issues = issuesOf({ [type]: touch(tool) });
      expect(
        issues.map((i) => i.path),
        type,
      ).toContain(`autonomy.actions.${type}.tool`);
      expect(issues.find((i) => i.path === `autonomy.actions.${type}.tool`)?.message).toMatch(/built-in/);
    }
  });

  it("names the path of each mistake", () => {
    const issues = issuesOf({
      "crm.email.send": touch({ server: "CRM", name: "x", target: { accountId: "accountId" } }),
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "autonomy.actions.crm.email.send.tool.server",
        "autonomy.actions.crm.email.send.tool.target.accountId",
      ]),
    );
    const kind = issuesOf({
      "crm.email.send": touch({ server: "crm", name: "x", target: { accountId: "/a" } }),
    });
    expect(kind.map((i) => i.path)).toEqual([
      "autonomy.actions.crm.email.send.tool.target.personId",
      "autonomy.actions.crm.email.send.tool.content",
    ]);
    // A mapped recipient is the address of the person the gate checks: the mapping must name them.
    const recipient = issuesOf({
      "ads.push": {
        kind: "audience",
        channel: "linkedin",
        maxLevel: 2,
        tool: { server: "ads", name: "push", target: { accountId: "/a" }, recipient: { email: "/email" } },
      },
      "crm.email.send": touch({ ...mapping, recipient: {} }),
      "crm.note": {
        kind: "record",
        maxLevel: 3,
        tool: { ...mapping, name: "note", recipient: { email: "/to" } },
      },
    });
    expect(recipient).toEqual([
      {
        path: "autonomy.actions.ads.push.tool.target.personId",
        message: "a tool whose recipient is mapped must name the person it reaches",
      },
      {
        path: "autonomy.actions.crm.email.send.tool.recipient",
        message: "name where the address is: email, linkedinUrl or both",
      },
      {
        path: "autonomy.actions.crm.note.tool.recipient",
        message: "a record reaches nobody: a recipient is for touches and audiences (kind touch or audience)",
      },
    ]);
    const dup = issuesOf({ "crm.email.send": touch(mapping), "crm.email.again": touch(mapping) });
    expect(dup).toEqual([
      {
        path: "autonomy.actions.crm.email.again.tool",
        message: "crm__send_email is already mapped by crm.email.send",
      },
    ]);
  });
});

describe("tool arguments → proposal", () => {
  it("reads JSON pointers (escapes included), the target and the text", () => {
    expect(pointerGet({ "a/b": { "c~d": 1 } }, "/a~1b/c~0d")).toBe(1);
    expect(pointerGet({ a: 1 }, "/a/b")).toBeUndefined();
    expect(pointerGet({}, "/constructor")).toBeUndefined();
    const d = deriveToolProposal(mapping, args);
    expect(d).toEqual({
      ok: true,
      value: {
        target: { accountId: "acme", personId: "acme-jane" },
        payload: { arguments: args, subject: "Hi", body: "Hello Jane" },
      },
    });
    const bad = deriveToolProposal(mapping, { ...args, contactId: 7, body: undefined });
    expect(bad.ok ? [] : bad.issues.map((i) => i.path)).toEqual(["arguments/contactId", "arguments/body"]);
  });

  it("execution's check: a decided target or text other than the arguments' is a mismatch", () => {
    const d = deriveToolProposal(mapping, args);
    if (!d.ok) throw new Error("derive");
    const decided = { accountId: "acme", personId: "acme-jane", payload: d.value.payload };
    expect(mismatch(mapping, decided)).toBeUndefined();
    expect(mismatch(mapping, { ...decided, accountId: "globex" })).toMatch(/account acme/);
    expect(mismatch(mapping, { ...decided, payload: { ...d.value.payload, body: "other" } })).toMatch(/text/);
    expect(mismatch(mapping, { ...decided, payload: {} })).toMatch(/no arguments/);
  });
});
