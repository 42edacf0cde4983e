import type { TokenRecord, TokenStore } from "../shared/ports.ts";

/** Tokens for a headless run: nobody logs in, so nothing is written to disk. */
export class MemoryTokenStore implements TokenStore {
  private readonly records = new Map<string, TokenRecord>();
  async put(r: TokenRecord) {
    this.records.set(r.tokenHash, r);
  }
  async get(h: string) {
    return this.records.get(h);
  }
}
