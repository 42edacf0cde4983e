/** Turns a printable FuzzCase into the bytes and headers that go on the wire. */
import { stringify as toYaml } from "yaml";
import { hashToken } from "../../../shared/adapters/local/token-store.ts";
import type { FuzzCase, RawText } from "./arbitraries.ts";
import type { RawRequest } from "./client.ts";
import {
  type BadUtf8,
  type Entries,
  encode,
  type Json,
  type Nest,
  type RawJson,
  type Repeat,
} from "./json.ts";
import type { Tokens } from "./world.ts";

function token(name: string, t: Tokens): string {
  const [kind, rest = ""] = name.includes(":")
    ? [name.slice(0, name.indexOf(":")), name.slice(name.indexOf(":") + 1)]
    : [name, ""];
  const found =
    kind === "admin" || kind === "approver" || kind === "viewer"
      ? t[kind]
      : kind === "agent"
        ? t.agents[rest]
        : kind === "impostor"
          ? t.impostors[rest]
          : kind === "mixed"
            ? t.mixed
            : kind === "expired"
              ? t.expired[rest]
              : kind === "revoked"
                ? t.revoked[rest]
                : undefined;
  if (!found) throw new Error(`the fuzz world has no token "${name}"`);
  return found;
}

/** The Authorization header of an auth label, if any. */
export function resolveAuth(label: string, t: Tokens): string | undefined {
  if (label === "none") return undefined;
  if (label.startsWith("header:")) return label.slice("header:".length);
  if (label.startsWith("token:")) return `Bearer ${token(label.slice("token:".length), t)}`;
  const [, variant, ...name] = label.split(":");
  const real = token(name.join(":"), t);
  switch (variant) {
    case "suffix":
      return `Bearer ${real}x`;
    case "prefix":
      return `Bearer x${real}`;
    case "truncate":
      return `Bearer ${real.slice(0, -1)}`;
    case "hash":
      return `Bearer ${hashToken(real)}`;
    case "double":
      return `Bearer ${real} ${real}`;
    case "comma":
      return `Bearer ${real},${real}`;
    case "basic":
      return `Basic ${real}`;
    case "lower":
      return `Bearer ${real.toLowerCase()}`;
    default:
      throw new Error(`unknown auth variant ${variant}`);
  }
}

const rawText = (parts: RawText[]) =>
  Buffer.from(parts.map((p) => (typeof p === "string" ? p : p.$repeat.repeat(p.n))).join(""), "utf8");

const hasNesting = (v: unknown): boolean =>
  typeof v === "object" && v !== null && ("$nest" in v || Object.values(v).some(hasNesting));

/** A plain JS value (for YAML): markers become what they stand for; `__proto__` stays an own key. */
function plain(v: Json): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(plain);
  const m = v as Partial<RawJson & Repeat & BadUtf8 & Nest & Entries>;
  if (m.$raw !== undefined) return Number(m.$raw);
  if (m.$repeat !== undefined) return m.$repeat.repeat(m.n ?? 0);
  if (m.$badUtf8 !== undefined) return m.text;
  if (m.$nest !== undefined) throw new Error("nested markers are sent as JSON text");
  const entries = m.$entries ?? Object.entries(v as Record<string, Json>);
  const out: Record<string, unknown> = {};
  for (const [k, item] of entries)
    Object.defineProperty(out, k, {
      value: plain(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

function bodyBytes(body: FuzzCase["body"]): Buffer | undefined {
  if (!body) return undefined;
  if ("json" in body) return encode(body.json);
  // JSON is YAML: deeply nested values go as JSON text, which a YAML reader must take as well.
  if ("yaml" in body)
    return hasNesting(body.yaml) ? encode(body.yaml) : Buffer.from(toYaml(plain(body.yaml)), "utf8");
  if ("raw" in body) return rawText(body.raw);
  return Buffer.from(body.bytes);
}

export function build(c: FuzzCase, t: Tokens): RawRequest {
  const headers: Record<string, string> = {};
  const auth = resolveAuth(c.auth, t);
  if (auth !== undefined) headers.authorization = auth;
  if (c.contentType !== undefined) headers["content-type"] = c.contentType;
  if (c.bigHeader) headers["x-fuzz-padding"] = "p".repeat(c.bigHeader);
  const body = bodyBytes(c.body);
  return {
    method: c.method,
    path: c.path,
    headers,
    ...(body ? { body } : {}),
    ...(c.chunked ? { chunked: true } : {}),
  };
}
