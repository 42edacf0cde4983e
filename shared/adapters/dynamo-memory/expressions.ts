/**
 * A parser for DynamoDB's expression language: condition (and filter and key condition), update and
 * projection expressions, into small trees the evaluator walks. Names (#n) and values (:v) stay
 * references, resolved per request, so a parsed expression is cached by its text: the stores send the
 * same few dozen expressions over and over.
 *
 * Grammar (precedence low → high): OR, AND, NOT, comparison / BETWEEN / IN, operand.
 * Operands: document paths (a.b[2].#c), :values, functions (size, if_not_exists, list_append), and in
 * SET only, `operand + operand` and `operand - operand`.
 * Not implemented: DynamoDB's reserved-word check on bare attribute names (DynamoDB Local enforces it,
 * and the stores already run against it), and the legacy (non-expression) parameters.
 */
import { validation } from "./errors.ts";

export type PathSegment = { name: string } | { index: number };
export type Path = PathSegment[];

export type Operand =
  | { t: "path"; path: Path }
  | { t: "value"; ref: string }
  | { t: "call"; fn: string; args: Operand[] }
  | { t: "arith"; op: "+" | "-"; l: Operand; r: Operand };

export type Condition =
  | { t: "cmp"; op: "=" | "<>" | "<" | "<=" | ">" | ">="; l: Operand; r: Operand }
  | { t: "between"; v: Operand; lo: Operand; hi: Operand }
  | { t: "in"; v: Operand; list: Operand[] }
  | { t: "and" | "or"; l: Condition; r: Condition }
  | { t: "not"; c: Condition }
  | { t: "call"; fn: string; args: Operand[] };

export interface UpdateActions {
  set: { path: Path; value: Operand }[];
  remove: Path[];
  add: { path: Path; value: Operand }[];
  delete: { path: Path; value: Operand }[];
}

/** Every #name and :value an expression refers to (DynamoDB refuses unused ones). */
export interface Parsed<T> {
  tree: T;
  names: Set<string>;
  values: Set<string>;
}

type Token = { k: "name" | "value" | "ident" | "num" | "op"; v: string; at: number };

const OPS = ["<>", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", ",", ".", "+", "-"];

function tokenize(text: string, kind: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const word = /^[#:]?[A-Za-z0-9_]+/.exec(text.slice(i));
    if (word) {
      const v = word[0];
      const k = v[0] === "#" ? "name" : v[0] === ":" ? "value" : /^\d+$/.test(v) ? "num" : "ident";
      out.push({ k, v, at: i });
      i += v.length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw syntax(kind, text, c);
    out.push({ k: "op", v: op, at: i });
    i += op.length;
  }
  return out;
}

const syntax = (kind: string, text: string, token: string) =>
  validation(`Invalid ${kind}: Syntax error; token: "${token}", near: "${text}"`);

class Parser {
  private i = 0;
  readonly names = new Set<string>();
  readonly values = new Set<string>();
  constructor(
    private readonly tokens: Token[],
    private readonly kind: string,
    private readonly text: string,
  ) {}

  private peek = (): Token | undefined => this.tokens[this.i];
  private fail(): never {
    throw syntax(this.kind, this.text, this.peek()?.v ?? "<EOF>");
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t?.k === "op" && t.v === v;
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t?.k === "ident" && t.v.toUpperCase() === w;
  }
  private expectOp(v: string): void {
    if (!this.isOp(v)) this.fail();
    this.i++;
  }
  end(): void {
    if (this.i < this.tokens.length) this.fail();
  }

  path(): Path {
    const segs: Path = [this.pathName()];
    for (;;) {
      if (this.isOp(".")) {
        this.i++;
        segs.push(this.pathName());
      } else if (this.isOp("[")) {
        this.i++;
        const t = this.peek();
        if (t?.k !== "num") this.fail();
        this.i++;
        segs.push({ index: Number(t.v) });
        this.expectOp("]");
      } else return segs;
    }
  }

  private pathName(): { name: string } {
    const t = this.peek();
    if (t?.k === "name") this.names.add(t.v);
    else if (t?.k !== "ident" || /^\d/.test(t.v)) this.fail();
    this.i++;
    return { name: t.v };
  }

  operand(arith = false): Operand {
    const left = this.term();
    if (arith && (this.isOp("+") || this.isOp("-"))) {
      const op = this.peek()?.v as "+" | "-";
      this.i++;
      return { t: "arith", op, l: left, r: this.term() };
    }
    return left;
  }

  private term(): Operand {
    const t = this.peek();
    if (t?.k === "value") {
      this.i++;
      this.values.add(t.v);
      return { t: "value", ref: t.v };
    }
    if (t?.k === "ident" && this.tokens[this.i + 1]?.v === "(") {
      this.i += 2;
      const args = [this.operand()];
      while (this.isOp(",")) {
        this.i++;
        args.push(this.operand());
      }
      this.expectOp(")");
      return { t: "call", fn: t.v, args };
    }
    return { t: "path", path: this.path() };
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isWord("OR")) {
      this.i++;
      left = { t: "or", l: left, r: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isWord("AND")) {
      this.i++;
      left = { t: "and", l: left, r: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.isWord("NOT")) {
      this.i++;
      return { t: "not", c: this.negation() };
    }
    if (this.isOp("(")) {
      this.i++;
      const c = this.condition();
      this.expectOp(")");
      return c;
    }
    const left = this.operand();
    const t = this.peek();
    if (t?.k === "op" && ["=", "<>", "<", "<=", ">", ">="].includes(t.v)) {
      this.i++;
      return { t: "cmp", op: t.v as "=", l: left, r: this.operand() };
    }
    if (this.isWord("BETWEEN")) {
      this.i++;
      const lo = this.operand();
      if (!this.isWord("AND")) this.fail();
      this.i++;
      return { t: "between", v: left, lo, hi: this.operand() };
    }
    if (this.isWord("IN")) {
      this.i++;
      this.expectOp("(");
      const list = [this.operand()];
      while (this.isOp(",")) {
        this.i++;
        list.push(this.operand());
      }
      this.expectOp(")");
      if (list.length > 100)
        throw validation(`Invalid ${this.kind}: The IN operator is provided with too many operands`);
      return { t: "in", v: left, list };
    }
    if (left.t === "call") return { t: "call", fn: left.fn, args: left.args };
    return this.fail();
  }

  update(): UpdateActions {
    const out: UpdateActions = { set: [], remove: [], add: [], delete: [] };
    const seen = new Set<string>();
    while (this.peek()) {
      const t = this.peek();
      const clause = t?.k === "ident" ? t.v.toUpperCase() : "";
      if (!["SET", "REMOVE", "ADD", "DELETE"].includes(clause)) this.fail();
      if (seen.has(clause))
        throw validation(
          `Invalid ${this.kind}: The "${clause}" section can only be used once in an update expression;`,
        );
      seen.add(clause);
      this.i++;
      for (;;) {
        const path = this.path();
        if (clause === "SET") {
          this.expectOp("=");
          out.set.push({ path, value: this.operand(true) });
        } else if (clause === "REMOVE") out.remove.push(path);
        else out[clause === "ADD" ? "add" : "delete"].push({ path, value: this.operand() });
        if (!this.commaNext()) break;
      }
    }
    return out;
  }

  /** Consumes a comma if one comes next. */
  commaNext(): boolean {
    if (!this.isOp(",")) return false;
    this.i++;
    return true;
  }
}

const cache = new Map<string, Parsed<unknown>>();

function parse<T>(kind: string, text: string, rule: (p: Parser) => T): Parsed<T> {
  const key = `${kind}\u0000${text}`;
  const hit = cache.get(key);
  if (hit) return hit as Parsed<T>;
  if (text.trim() === "") throw validation(`Invalid ${kind}: The expression can not be empty;`);
  const p = new Parser(tokenize(text, kind), kind, text);
  const tree = rule(p);
  p.end();
  const parsed = { tree, names: p.names, values: p.values };
  // Expressions are few and fixed in the code; the bound only guards against a caller building them.
  if (cache.size > 5000) cache.clear();
  cache.set(key, parsed);
  return parsed;
}

export const parseCondition = (kind: string, text: string) => parse(kind, text, (p) => p.condition());
export const parseUpdate = (text: string) => parse("UpdateExpression", text, (p) => p.update());
export const parseProjection = (text: string) =>
  parse("ProjectionExpression", text, (p) => {
    const paths = [p.path()];
    while (p.commaNext()) paths.push(p.path());
    return paths;
  });
