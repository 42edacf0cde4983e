/**
 * Serves every simulated company's website from one local HTTP server, so Web Research does real
 * fetches and real HTML parsing in the local run. https://<domain>/<path> is served at
 * http://127.0.0.1:<port>/<domain>/<path>; the fetcher does that mapping and reports the public URL.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FetchError, type WebFetcher, type WebPage } from "../shared/agents/ports.ts";
import type { SimCompany, SimWorld } from "./world.ts";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderPage(c: SimCompany, path: string): string | undefined {
  const s = c.site;
  const nav = `<nav><a href="/">Home</a> <a href="/about">About</a> <a href="/news">News</a> <a href="/careers">Careers</a> <a href="https://twitter.example/${c.accountId}">Twitter</a></nav>`;
  const page = (title: string, body: string) =>
    `<!doctype html><html><head><title>${esc(title)}</title><meta name="description" content="${esc(s.about)}"><style>body{font:16px sans-serif}</style><script>window.track=1</script></head><body>${nav}${body}</body></html>`;
  switch (path) {
    case "/":
      return page(
        c.account.name,
        `<h1>${esc(c.account.name)}</h1><p>${esc(s.product)}</p><p>${esc(s.customers)}</p>`,
      );
    case "/about":
      return page(
        `About ${c.account.name}`,
        `<h1>About us</h1><p>${esc(s.about)} Founded by people who hate busywork.</p>`,
      );
    case "/news":
      return page(
        `${c.account.name} news`,
        `<h1>News</h1><ul>${s.news.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`,
      );
    case "/careers":
      return page(`Careers at ${c.account.name}`, `<h1>Careers</h1><p>${esc(s.careers)}</p>`);
    default:
      return undefined;
  }
}

export interface SimWebsites {
  port: number;
  fetcher: WebFetcher;
  close(): Promise<void>;
}

export async function startWebsites(world: SimWorld): Promise<SimWebsites> {
  const byDomain = new Map(world.companies.map((c) => [c.account.domain, c]));
  const server: Server = createServer((req, res) => {
    const [, domain = "", ...rest] = (req.url ?? "/").split("/");
    const c = byDomain.get(domain);
    const path = `/${rest.join("/")}`.replace(/\/$/, "") || "/";
    if (!c) return void res.writeHead(404).end("no such site");
    if (c.site.down) return void res.writeHead(503, { "content-type": "text/plain" }).end("maintenance");
    const html = renderPage(c, path);
    if (!html) return void res.writeHead(404, { "content-type": "text/html" }).end("<h1>Not found</h1>");
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  const fetcher: WebFetcher = {
    async get(url: string): Promise<WebPage> {
      const u = new URL(url);
      let res: Response;
      try {
        res = await fetch(`http://127.0.0.1:${port}/${u.hostname}${u.pathname}`, {
          signal: AbortSignal.timeout(5000),
        });
      } catch (err) {
        throw new FetchError(`${url}: ${(err as Error).message}`);
      }
      return {
        url,
        status: res.status,
        contentType: res.headers.get("content-type") ?? "",
        body: await res.text(),
      };
    },
  };
  return {
    port,
    fetcher,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
