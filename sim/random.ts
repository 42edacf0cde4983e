/** A seeded PRNG (mulberry32) and the draws the simulated market needs. Same seed, same world. */
import { createHash } from "node:crypto";

export class Rng {
  private state: number;

  constructor(seed: number | string) {
    this.state =
      typeof seed === "number" ? seed >>> 0 : createHash("sha256").update(seed).digest().readUInt32LE(0);
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)] as T;
  }

  weighted<T>(xs: readonly (readonly [T, number])[]): T {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [x, w] of xs) {
      r -= w;
      if (r <= 0) return x;
    }
    return (xs.at(-1) as readonly [T, number])[0];
  }

  /** Poisson-distributed count with mean `lambda` (Knuth; lambda is small here). */
  poisson(lambda: number): number {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
}

/** An independent stream for one named thing: draws do not depend on the order things happen in. */
export const rngFor = (seed: number, ...parts: (string | number)[]) => new Rng(`${seed}:${parts.join(":")}`);
