/**
 * Local fakes of the model APIs the harness speaks, on 127.0.0.1 with a free port: OpenAI's chat
 * completions (POST /chat/completions under any base path) and Bedrock's Converse
 * (POST /model/{modelId}/converse). Each answers from a queue of scripted replies, then from its
 * default, and records what it was asked, so a test can check the request as well as the outcome.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import { createServer as createH2cServer, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import type { DraftInput } from "../../shared/agents/ports.ts";

export interface ScriptedReply {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as is when a string, as JSON otherwise. */
  body: unknown;
}

export interface FakeRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface FakeModelServer {
  /** The base URL (the OpenAI fake's includes /v1, as real servers' do). */
  url: string;
  requests: FakeRequest[];
  /** Replies used in order before the default. */
  replies: ScriptedReply[];
  close(): Promise<void>;
}

async function start(
  protocol: "http/1.1" | "h2c",
  base: string,
  accepts: (method: string, path: string) => boolean,
  fallback: (req: FakeRequest) => ScriptedReply,
): Promise<FakeModelServer> {
  const requests: FakeRequest[] = [];
  const replies: ScriptedReply[] = [];
  // The same handler for node:http and node:http2's compatibility API (any: their types differ).
  const handler = (req: any, res: any) => {
    let raw = "";
    req.on("data", (c: Buffer) => {
      raw += c;
    });
    req.on("end", () => {
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {}
      const r: FakeRequest = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      if (!accepts(r.method, r.url)) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"message":"not found"}');
        return;
      }
      requests.push(r);
      const reply = replies.shift() ?? fallback(r);
      const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status ?? 200, { "content-type": "application/json", ...reply.headers }).end(text);
    });
  };
  const sessions = new Set<Http2Session>();
  const server = protocol === "h2c" ? createH2cServer(handler) : createServer(handler);
  server.on("session", (s: Http2Session) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    requests,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A chat completion whose message content is `content` (a string, or an object sent as JSON text). */
export const chatReply = (content: unknown, status = 200): ScriptedReply => ({
  status,
  body: {
    id: "chatcmpl-fake",
    object: "chat.completion",
    created: 1_770_000_000,
    model: "fake",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: typeof content === "string" ? content : JSON.stringify(content),
        },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  },
});

/** A Converse answer whose text is `content`. */
export const converseReply = (content: unknown, status = 200): ScriptedReply => ({
  status,
  body: {
    output: {
      message: {
        role: "assistant",
        content: [{ text: typeof content === "string" ? content : JSON.stringify(content) }],
      },
    },
    stopReason: "end_turn",
    usage: { inputTokens: 10, outputTokens: 10, totalTokens: 20 },
    metrics: { latencyMs: 5 },
  },
});

/**
 * A draft that cites the first fact URL found in the prompt (or none), as a compliant model would;
 * a classification answer when the prompt is a classification.
 */
export function groundedAnswer(prompt: string): Record<string, unknown> {
  if (prompt.startsWith("Title:"))
    return { persona: "Sales leader", role: "champion", confidence: 0.8, rationale: "a VP title" };
  const url = /\((https?:\/\/[^)\s]+)\)/.exec(prompt)?.[1];
  return {
    subject: "A question about your forecast",
    body: "Hi, a short note written by the fake model.",
    groundedOn: url ? [url] : [],
  };
}

export const startFakeOpenAI = () =>
  start(
    "http/1.1",
    "/v1",
    (m, p) => m === "POST" && p === "/v1/chat/completions",
    (r) => chatReply(groundedAnswer(String(r.body?.messages?.[1]?.content ?? ""))),
  );

export const startFakeConverse = () =>
  // The Bedrock runtime client speaks HTTP/2 (its default handler, kept as in production).
  start(
    "h2c",
    "",
    (m, p) => m === "POST" && /^\/model\/[^/]+\/converse$/.test(p),
    (r) => converseReply(groundedAnswer(String(r.body?.messages?.[0]?.content?.[0]?.text ?? ""))),
  );

/** A draft request with two facts to cite. */
export const draftInput: DraftInput = {
  channel: "email",
  variant: "fact-led",
  recipient: { firstName: "Jane", lastName: "Doe", title: "VP Sales", persona: "vp", role: "champion" },
  company: { name: "Acme", industry: "software", employees: 300 },
  facts: [
    { text: "Acme opened a Berlin office.", sourceUrl: "https://acme.io/news/berlin" },
    { text: "Acme raised a Series B.", sourceUrl: "https://acme.io/news/series-b" },
  ],
  signals: ["pricing page visit ×3 in 7 days"],
  sender: { name: "Sam", company: "Forecastly", product: "Forecastly" },
  maxLength: 900,
};
