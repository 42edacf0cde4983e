/**
 * A fake embeddings server on 127.0.0.1 speaking OpenAI's `/v1/embeddings`, with a deterministic
 * embedding that puts paraphrases close: a tiny concept lexicon (budget, cost, pricey → "money";
 * breach, audit, compliance → "security"; ...), one dimension per concept, and every other word
 * hashed into a few noise dimensions. Two texts about the same concepts in different words get a high
 * cosine; texts about different concepts a low one. It records requests and can be told to fail.
 */
import { createServer, type Server } from "node:http";
import { createServer as createH2cServer, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";

const CONCEPTS: Record<string, string[]> = {
  money: [
    "budget",
    "budgets",
    "cost",
    "costs",
    "costly",
    "price",
    "pricey",
    "pricing",
    "expensive",
    "money",
    "spend",
    "spending",
    "dollars",
    "afford",
    "cheaper",
  ],
  security: [
    "security",
    "breach",
    "audit",
    "audits",
    "compliance",
    "soc2",
    "encryption",
    "pentest",
    "safeguards",
  ],
  time: [
    "quarter",
    "deadline",
    "timeline",
    "launch",
    "schedule",
    "delay",
    "delayed",
    "weeks",
    "months",
    "soon",
  ],
  rivals: [
    "competitor",
    "competitors",
    "rival",
    "salesforce",
    "vendor",
    "alternative",
    "switch",
    "incumbent",
  ],
  people: ["hire", "hiring", "headcount", "recruit", "recruiting", "team", "staff", "engineers"],
  worry: ["worried", "concerned", "nervous", "hesitant", "uneasy", "fear", "anxious", "doubts"],
};
const CONCEPT_OF = new Map(Object.entries(CONCEPTS).flatMap(([c, words]) => words.map((w) => [w, c])));
const CONCEPT_NAMES = Object.keys(CONCEPTS);
const NOISE = 8;
export const FAKE_DIMENSIONS = CONCEPT_NAMES.length + NOISE;

export function conceptEmbedding(text: string): number[] {
  const v = new Array(FAKE_DIMENSIONS).fill(0);
  for (const word of text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean)) {
    const concept = CONCEPT_OF.get(word);
    if (concept) v[CONCEPT_NAMES.indexOf(concept)] += 1;
    else {
      // Other words: a little weight in a hashed noise dimension, so unrelated texts are not identical.
      let h = 0;
      for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
      v[CONCEPT_NAMES.length + (h % NOISE)] += 0.03;
    }
  }
  return v;
}

export interface FakeEmbeddingsServer {
  /** Base URL as a client is configured with it (…/v1). */
  url: string;
  requests: { model: string; input: string[]; authorization?: string }[];
  /** The next `n` requests answer this status (then normal answers again). */
  failNext(n: number, status: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export async function startFakeEmbeddings(): Promise<FakeEmbeddingsServer> {
  const requests: FakeEmbeddingsServer["requests"] = [];
  let failures: { n: number; status: number; headers: Record<string, string> } = {
    n: 0,
    status: 500,
    headers: {},
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/embeddings") {
        res.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body) as { model: string; input: string[] };
      requests.push({
        model: parsed.model,
        input: parsed.input,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      });
      if (failures.n > 0) {
        failures.n--;
        res.writeHead(failures.status, { "content-type": "application/json", ...failures.headers });
        // Some proxies echo the request's headers in an error: the client must not repeat the key.
        res.end(
          JSON.stringify({ error: { message: "fake failure", authorization: req.headers.authorization } }),
        );
        return;
      }
      // Answered in reverse order with indexes, as a server may: the client must sort by index.
      const data = parsed.input.map((text, index) => ({
        object: "embedding",
        index,
        embedding: conceptEmbedding(text),
      }));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", model: parsed.model, data: data.reverse() }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    failNext: (n, status, headers = {}) => {
      failures = { n, status, headers };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface FakeTitanServer {
  url: string;
  requests: { path: string; body: { inputText: string; dimensions: number; normalize: boolean } }[];
  /** The next `n` requests answer this status (Bedrock's ThrottlingException for 429). */
  failNext(n: number, status: number): void;
  /** Answer vectors of this size whatever was asked (undefined: the size asked). */
  answerDimensions(n: number | undefined): void;
  close(): Promise<void>;
}

/**
 * A local fake of Bedrock's InvokeModel for Titan Text Embeddings v2 (POST /model/{id}/invoke), over
 * HTTP/2 without TLS as the runtime client's default handler speaks it: the concept embedding padded
 * to the dimensions asked, normalised when asked, as Titan answers.
 */
export async function startFakeTitan(): Promise<FakeTitanServer> {
  const requests: FakeTitanServer["requests"] = [];
  let failures = { n: 0, status: 500 };
  let forced: number | undefined;
  const sessions = new Set<Http2Session>();
  const server = createH2cServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => {
      raw += c.toString("utf8");
    });
    req.on("end", () => {
      const path = decodeURIComponent(req.url ?? "");
      if (req.method !== "POST" || !/^\/model\/[^/]+\/invoke$/.test(path)) {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as FakeTitanServer["requests"][number]["body"];
      requests.push({ path, body });
      if (failures.n > 0) {
        failures.n--;
        const type = failures.status === 429 ? "ThrottlingException" : "InternalServerException";
        res
          .writeHead(failures.status, { "content-type": "application/json", "x-amzn-errortype": type })
          .end(JSON.stringify({ message: "fake failure" }));
        return;
      }
      const v = conceptEmbedding(body.inputText);
      const size = forced ?? body.dimensions;
      const padded = [...v, ...new Array(Math.max(0, size - v.length)).fill(0)].slice(0, size);
      const norm = Math.sqrt(padded.reduce((s, x) => s + x * x, 0)) || 1;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          embedding: body.normalize ? padded.map((x) => x / norm) : padded,
          inputTextTokenCount: body.inputText.split(/\s+/).length,
        }),
      );
    });
  });
  server.on("session", (s: Http2Session) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext: (n, status) => {
      failures = { n, status };
    },
    answerDimensions: (n) => {
      forced = n;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sessions) s.destroy();
        server.close(() => r());
      }),
  };
}
