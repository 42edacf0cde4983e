/** The API as agents and people reach it: JSON over HTTP with a bearer token and a client timeout. */
export interface Answer {
  status: number;
  retryAfter: string | null;
  body: any;
}

export async function call(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = 10_000,
): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined
        ? {}
        : { "content-type": typeof body === "string" ? "text/yaml" : "application/json" }),
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: parsed };
}

const waitFor = (a: Answer) => Math.min(5_000, Number(a.retryAfter ?? 1) * 1_000);

/**
 * A call made the way a well-behaved client makes it: on 429 (rate limit) and 503 (unavailable) it
 * waits as Retry-After says and asks again, and a dropped connection is asked again too; bounded.
 */
export async function patiently(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer> {
  const until = Date.now() + 60_000;
  for (;;) {
    let res: Answer | undefined;
    try {
      res = await call(url, token, method, path, body);
      if (res.status !== 429 && res.status !== 503) return res;
    } catch (err) {
      if (Date.now() > until) throw err;
    }
    if (res && Date.now() > until) return res;
    await sleep(res ? waitFor(res) : 250);
  }
}

/** Every item of a paginated listing. */
export async function listAll(url: string, token: string, path: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const res = await patiently(
      url,
      token,
      "GET",
      `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.cursor ?? null;
  } while (cursor);
  return items;
}

export { waitFor };
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
