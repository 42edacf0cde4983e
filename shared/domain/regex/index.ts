/**
 * The gate's pattern engine: does an RE2 pattern match anywhere in a text, in time linear in the text,
 * whatever the pattern (issue 7, M1: a backtracking engine took 3.7 s per title on `(a+)+$`).
 *
 * Why its own: re2js, the pure-JS RE2 it replaces, is 147 KB minified (its Unicode tables), which
 * alone is the whole 150 KB a Lambda bundle may weigh (issue 11), and the gate only ever asks a yes or
 * a no. That question needs no captures, no leftmost-first priorities and no DFA, so what remains is
 * Thompson's construction, about 5 KB: the pattern becomes a program of character tests, splits,
 * jumps and empty-width assertions, and the text is read once, left to right, carrying the set of
 * program counters alive at that position (at most one thread per instruction, so each character costs
 * at most the program's size). An unanchored search adds the start thread at every position.
 *
 * Lookbehinds (`(?<!vice )president`, which re2js admits as a flag) are read the same way: before the
 * main pass, each lookbehind's body runs over the text as its own unanchored program and records at
 * which positions a match of it ends; the assertion then reads that table. Still linear: one pass per
 * lookbehind. test/unit/regex.test.ts holds the engine to re2js's answers on generated patterns.
 */
import { type Assertion, type CharSet, isWordChar, type Node, PatternSyntaxError, parse } from "./parse.ts";

export { PatternSyntaxError };

const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const ASSERT = 3;
const MATCH = 4;

/**
 * Instructions per program: a bound on the work per character. RE2 bounds nested counts (parse.ts
 * repeatsFit); this bounds the rest (a 300-character pattern of 1000-fold repeats). At the bound, a
 * 200-character title takes a few milliseconds, and the gate remembers each title's answer.
 */
export const MAX_PROGRAM = 10_000;

/** In the order of the constants below (BOL = 0, ...). */
const ASSERTIONS: Assertion[] = ["bol", "eol", "bot", "eot", "word", "notWord"];

class Program {
  readonly op: number[] = [];
  readonly out: number[] = [];
  readonly out1: number[] = [];
  /** CHAR: index into sets; ASSERT: index into ASSERTIONS, or ASSERTIONS.length + lookbehind index. */
  readonly arg: number[] = [];
  readonly sets: CharSet[] = [];
  readonly behind: { negated: boolean; program: Program }[] = [];

  constructor(node: Node) {
    this.emit(node);
    this.push(MATCH, 0);
  }

  private push(op: number, arg: number): number {
    if (this.op.length >= MAX_PROGRAM) throw new PatternSyntaxError("expression too large");
    const pc = this.op.length;
    this.op.push(op);
    this.out.push(pc + 1);
    this.out1.push(-1);
    this.arg.push(arg);
    return pc;
  }

  private emit(node: Node): void {
    switch (node.k) {
      case "empty":
        return;
      case "char":
        this.sets.push(node.set);
        this.push(CHAR, this.sets.length - 1);
        return;
      case "cat":
        for (const item of node.items) this.emit(item);
        return;
      case "alt": {
        const ends: number[] = [];
        const last = node.items.length - 1;
        for (const [i, item] of node.items.entries()) {
          if (i === last) {
            this.emit(item);
            break;
          }
          const split = this.push(SPLIT, 0);
          this.emit(item);
          ends.push(this.push(JMP, 0));
          this.out1[split] = this.op.length;
        }
        for (const j of ends) this.out[j] = this.op.length;
        return;
      }
      case "rep": {
        for (let i = 0; i < node.min; i++) this.emit(node.node);
        if (node.max < 0) {
          const split = this.push(SPLIT, 0);
          this.emit(node.node);
          const back = this.push(JMP, 0);
          this.out[back] = split;
          this.out1[split] = this.op.length;
          return;
        }
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          splits.push(this.push(SPLIT, 0));
          this.emit(node.node);
        }
        for (const s of splits) this.out1[s] = this.op.length;
        return;
      }
      case "assert":
        this.push(ASSERT, ASSERTIONS.indexOf(node.what));
        return;
      case "behind":
        this.behind.push({ negated: node.negated, program: new Program(node.node) });
        this.push(ASSERT, ASSERTIONS.length + this.behind.length - 1);
        return;
    }
  }

  get size(): number {
    return this.op.length + this.behind.reduce((n, b) => n + b.program.size, 0);
  }
}

const BOT = 2;
const EOT = 3;
const BOL = 0;
const EOL = 1;
const WORD = 4;

/**
 * Runs one program over texts. Built once per compiled pattern and reused by every `test`: the gate
 * matches titles by the thousand, and a pass allocates nothing but its lookbehind tables. Not
 * re-entrant, and need not be: a pass is synchronous.
 */
class Matcher {
  private readonly op: Int32Array;
  private readonly out: Int32Array;
  private readonly out1: Int32Array;
  private readonly arg: Int32Array;
  /** Per CHAR instruction, its set's ASCII table and its test for the rest. */
  private readonly ascii: Uint8Array[] = [];
  private readonly other: ((cp: number) => boolean)[] = [];
  private readonly behind: { negated: boolean; matcher: Matcher }[];
  private readonly mark: Int32Array;
  private generation = 0;
  private readonly stack: number[] = [];
  private current: number[] = [];
  private next: number[] = [];
  // Per pass:
  private text = "";
  private ends: Uint8Array[] = [];
  private matched = false;

  constructor(p: Program) {
    this.op = Int32Array.from(p.op);
    this.out = Int32Array.from(p.out);
    this.out1 = Int32Array.from(p.out1);
    this.arg = Int32Array.from(p.arg);
    p.op.forEach((op, pc) => {
      const set = op === CHAR ? (p.sets[p.arg[pc] as number] as CharSet) : undefined;
      this.ascii.push(set?.ascii ?? new Uint8Array(0));
      this.other.push(set?.other ?? (() => false));
    });
    this.behind = p.behind.map((b) => ({ negated: b.negated, matcher: new Matcher(b.program) }));
    this.mark = new Int32Array(p.op.length);
  }

  private holds(arg: number, pos: number): boolean {
    const text = this.text;
    if (arg >= ASSERTIONS.length) {
      const b = arg - ASSERTIONS.length;
      return (this.ends[b]?.[pos] === 1) !== this.behind[b]?.negated;
    }
    switch (arg) {
      case BOT:
        return pos === 0;
      case EOT:
        return pos === text.length;
      case BOL:
        return pos === 0 || text.charCodeAt(pos - 1) === 10;
      case EOL:
        return pos === text.length || text.charCodeAt(pos) === 10;
      default: {
        const before = pos > 0 && isWordChar(text.charCodeAt(pos - 1));
        const after = pos < text.length && isWordChar(text.charCodeAt(pos));
        return (before !== after) === (arg === WORD);
      }
    }
  }

  /** Adds `pc` and everything reachable from it without reading a character to `list`. */
  private add(list: number[], pc0: number, pos: number): void {
    const { op, out, out1, arg, mark, stack } = this;
    const gen = this.generation;
    stack.push(pc0);
    while (stack.length > 0) {
      const pc = stack.pop() as number;
      if (mark[pc] === gen) continue;
      mark[pc] = gen;
      switch (op[pc]) {
        case CHAR:
          list.push(pc);
          break;
        case SPLIT:
          stack.push(out1[pc] as number, out[pc] as number);
          break;
        case JMP:
          stack.push(out[pc] as number);
          break;
        case ASSERT:
          if (this.holds(arg[pc] as number, pos)) stack.push(out[pc] as number);
          break;
        default:
          this.matched = true;
      }
    }
  }

  /**
   * Reads `text` once. With `ends`, records each position where a match ends and reads on; without,
   * stops at the first match. Returns whether it matched.
   */
  scan(text: string, ends?: Uint8Array): boolean {
    this.text = text;
    this.ends = this.behind.map((b) => b.matcher.matchEnds(text));
    this.matched = false;
    let any = false;
    let current = this.current;
    let next = this.next;
    current.length = 0;
    // Generations mark what a list already holds; a fresh range per pass, the marks reset when spent.
    if (this.generation > 0x3fffffff - text.length) {
      this.mark.fill(0);
      this.generation = 0;
    }
    // `current` was built under this generation at this position: the start thread's closure, added
    // under the same generation, skips what is already there.
    this.generation++;
    const { out, ascii, other } = this;
    for (let pos = 0; ; ) {
      this.add(current, 0, pos);
      if (this.matched) {
        any = true;
        if (!ends) break;
        ends[pos] = 1;
        this.matched = false;
      }
      if (pos >= text.length) break;
      const cp = text.codePointAt(pos) as number;
      pos += cp > 0xffff ? 2 : 1;
      this.generation++;
      next.length = 0;
      for (let i = 0; i < current.length; i++) {
        const pc = current[i] as number;
        if (cp < 128 ? (ascii[pc] as Uint8Array)[cp] === 1 : (other[pc] as (cp: number) => boolean)(cp))
          this.add(next, out[pc] as number, pos);
      }
      const swap = current;
      current = next;
      next = swap;
    }
    this.current = current;
    this.next = next;
    this.text = "";
    this.ends = [];
    return any;
  }

  matchEnds(text: string): Uint8Array {
    const ends = new Uint8Array(text.length + 1);
    this.scan(text, ends);
    return ends;
  }
}

/** A compiled pattern: `test` says whether it matches anywhere in a text. */
export class LinearPattern {
  private readonly matcher: Matcher;
  /** Instructions, lookbehinds' included: the work per character of text, to bound a spec's total. */
  readonly size: number;

  private constructor(program: Program) {
    this.matcher = new Matcher(program);
    this.size = program.size;
  }

  /** Throws PatternSyntaxError with RE2's reason when `source` is not an RE2 pattern this engine runs. */
  static compile(source: string, options: { caseInsensitive?: boolean } = {}): LinearPattern {
    const program = new Program(parse(source, options.caseInsensitive === true));
    if (program.size > MAX_PROGRAM) throw new PatternSyntaxError("expression too large");
    return new LinearPattern(program);
  }

  test(text: string): boolean {
    return this.matcher.scan(text);
  }
}
