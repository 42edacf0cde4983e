/**
 * The parser of the gate's own linear-time pattern engine (regex/index.ts says why it has one): RE2's
 * syntax, as people write it in a spec's persona rules, to a small tree. Only what a yes/no "does it
 * match anywhere" needs survives: captures, names and greediness are read and forgotten.
 *
 * Accepted, as RE2 accepts it: literals and escaped punctuation; `.`; classes with ranges, negation,
 * `[:alpha:]`-style names and escapes; `\d \s \w` and their negations (ASCII, as RE2); `\pL`, `\p{Greek}`
 * and `\P…`; `\a \f \t \n \r \v`, `\x7F`, `\x{263a}`, octal `\012`; `\Q…\E`; `^ $ \A \z \b \B`; groups
 * `(…)`, `(?:…)`, `(?P<n>…)`, `(?<n>…)`; flags `(?i)`, `(?-i:…)` with i, m, s (U is accepted, and moot);
 * `* + ? {n} {n,} {n,m}` (at most 1000) and their lazy forms; captureless lookbehinds `(?<=…)`,
 * `(?<!…)` (what re2js's LOOKBEHINDS flag adds). Refused with RE2's reason: backreferences,
 * lookahead, `\C`, and anything malformed.
 */

/** Whether one code point is in a set, folded for case where the pattern asked for it. */
export interface CharSet {
  /** Membership of the 128 ASCII code points, precomputed: titles are mostly ASCII. */
  ascii: Uint8Array;
  other: (cp: number) => boolean;
}

export type Assertion = "bol" | "eol" | "bot" | "eot" | "word" | "notWord";

export type Node =
  | { k: "empty" }
  | { k: "char"; set: CharSet }
  | { k: "cat"; items: Node[] }
  | { k: "alt"; items: Node[] }
  | { k: "rep"; node: Node; min: number; max: number; counted?: boolean } // max -1: unbounded
  | { k: "assert"; what: Assertion }
  | { k: "behind"; negated: boolean; node: Node };

export class PatternSyntaxError extends Error {}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const MAX_REPEAT = 1000;

type Member = (cp: number) => boolean;
const range =
  (lo: number, hi: number): Member =>
  (cp) =>
    cp >= lo && cp <= hi;
const anyOf =
  (members: Member[]): Member =>
  (cp) =>
    members.some((m) => m(cp));
const not =
  (m: Member): Member =>
  (cp) =>
    !m(cp);

const DIGIT = range(0x30, 0x39);
// RE2's \s is [\t\n\f\r ]: no \v.
const SPACE: Member = (cp) => cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0c || cp === 0x0d;
export const isWordChar: Member = (cp) =>
  (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f;

/** `\\a` … `\\v`: control characters. */
const CONTROL_ESCAPES: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
/** `\\d \\s \\w` and their negations, ASCII as in RE2; in a class or out. */
const PERL_CLASSES: Record<string, Member> = {
  d: DIGIT,
  D: not(DIGIT),
  s: SPACE,
  S: not(SPACE),
  w: isWordChar,
  W: not(isWordChar),
};
/** Escapes that stand only outside a class: the empty-width assertions. */
const ASSERTION_ESCAPES: Record<string, Assertion> = { b: "word", B: "notWord", A: "bot", z: "eot" };

const POSIX: Record<string, Member> = {
  alnum: (cp) => DIGIT(cp) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a),
  alpha: (cp) => (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a),
  ascii: range(0, 0x7f),
  blank: (cp) => cp === 0x20 || cp === 0x09,
  cntrl: (cp) => cp <= 0x1f || cp === 0x7f,
  digit: DIGIT,
  graph: range(0x21, 0x7e),
  lower: range(0x61, 0x7a),
  print: range(0x20, 0x7e),
  punct: (cp) => cp >= 0x21 && cp <= 0x7e && !POSIX.alnum?.(cp),
  space: (cp) => SPACE(cp) || cp === 0x0b,
  upper: range(0x41, 0x5a),
  word: isWordChar,
  xdigit: (cp) => DIGIT(cp) || (cp >= 0x41 && cp <= 0x46) || (cp >= 0x61 && cp <= 0x66),
};

/**
 * A Unicode class by RE2's name (`L`, `Lu`, `Greek`), answered by the platform's own tables: a native
 * expression that matches exactly one code point cannot backtrack.
 */
function unicodeClass(name: string): Member {
  if (name === "Any") return () => true;
  if (/^[A-Za-z_]+$/.test(name))
    for (const source of [`^\\p{${name}}$`, `^\\p{Script=${name}}$`]) {
      try {
        const re = new RegExp(source, "u");
        return (cp) => re.test(String.fromCodePoint(cp));
      } catch {}
    }
  throw new PatternSyntaxError(`invalid character class range: \\p{${name}}`);
}

/**
 * Case orbits that String's toLowerCase/toUpperCase do not connect (Unicode simple case folding puts
 * final sigma with sigma, the Kelvin sign with k, ...): generated from the platform's own `iu`
 * matching over every code point; test/unit/regex.test.ts regenerates and compares. Escaped, so that
 * no editor's Unicode normalization turns the Kelvin sign into a K.
 */
export const EXTRA_ORBITS =
  "Kk\u212a Ss\u017f \u00b5\u039c\u03bc \u00c5\u00e5\u212b \u01c4\u01c5\u01c6 \u01c7\u01c8\u01c9 \u01ca\u01cb\u01cc \u01f1\u01f2\u01f3 \u0345\u0399\u03b9\u1fbe \u0392\u03b2\u03d0 \u0395\u03b5\u03f5 \u0398\u03b8\u03d1\u03f4 \u039a\u03ba\u03f0 \u03a0\u03c0\u03d6 \u03a1\u03c1\u03f1 \u03a3\u03c2\u03c3 \u03a6\u03c6\u03d5 \u03a9\u03c9\u2126 \u0412\u0432\u1c80 \u0414\u0434\u1c81 \u041e\u043e\u1c82 \u0421\u0441\u1c83 \u0422\u0442\u1c84\u1c85 \u042a\u044a\u1c86 \u0462\u0463\u1c87 \u1c88\ua64a\ua64b \u1e60\u1e61\u1e9b \u00df\u1e9e \u1f80\u1f88 \u1f81\u1f89 \u1f82\u1f8a \u1f83\u1f8b \u1f84\u1f8c \u1f85\u1f8d \u1f86\u1f8e \u1f87\u1f8f \u1f90\u1f98 \u1f91\u1f99 \u1f92\u1f9a \u1f93\u1f9b \u1f94\u1f9c \u1f95\u1f9d \u1f96\u1f9e \u1f97\u1f9f \u1fa0\u1fa8 \u1fa1\u1fa9 \u1fa2\u1faa \u1fa3\u1fab \u1fa4\u1fac \u1fa5\u1fad \u1fa6\u1fae \u1fa7\u1faf \u1fb3\u1fbc \u1fc3\u1fcc \u1ff3\u1ffc";

let extra: Map<number, number[]> | undefined;
const variants = new Map<number, number[]>();

function single(s: string): number | undefined {
  const c = s.codePointAt(0);
  return c !== undefined && String.fromCodePoint(c) === s ? c : undefined;
}

/**
 * The code points a case-insensitive match treats as `cp`: its simple case-folding orbit, as RE2 folds.
 * Candidates come from lower/upper casing and EXTRA_ORBITS; the platform's own case-insensitive
 * matching of the one character keeps only true ones (`ı` upper-cases to `I` but does not fold to `i`).
 */
export function caseVariants(cp: number): number[] {
  const known = variants.get(cp);
  if (known) return known;
  if (!extra) {
    extra = new Map();
    for (const orbit of EXTRA_ORBITS.split(" ")) {
      const cps = [...orbit].map((c) => c.codePointAt(0) as number);
      for (const c of cps) extra.set(c, cps);
    }
  }
  const s = String.fromCodePoint(cp);
  const same = new RegExp(`^\\u{${cp.toString(16)}}$`, "iu");
  const out = new Set([cp, ...(extra.get(cp) ?? [])]);
  for (const t of [
    s.toLowerCase(),
    s.toUpperCase(),
    s.toUpperCase().toLowerCase(),
    s.toLowerCase().toUpperCase(),
  ]) {
    const c = single(t);
    if (c !== undefined && same.test(t)) out.add(c);
  }
  const list = [...out];
  if (variants.size >= 4096) variants.clear();
  variants.set(cp, list);
  return list;
}

function charSet(member: Member, fold: boolean, negated = false): CharSet {
  const folded: Member = fold ? (cp) => member(cp) || caseVariants(cp).some(member) : member;
  const final = negated ? not(folded) : folded;
  const ascii = new Uint8Array(128);
  for (let cp = 0; cp < 128; cp++) ascii[cp] = final(cp) ? 1 : 0;
  return { ascii, other: final };
}

const oneChar = (cp: number, flags: Flags): Node => ({ k: "char", set: charSet((c) => c === cp, flags.i) });

export function parse(source: string, caseInsensitive: boolean): Node {
  let pos = 0;
  /** Lookbehinds open around pos: RE2 (re2js) admits no capture inside one. */
  let behind = 0;
  const names = new Set<string>();
  /** Set by \Q…\E: the characters before its last, which no repetition after it applies to. */
  let quoted: Node[] = [];
  const src = [...source];
  const peek = (offset = 0) => src[pos + offset];
  const eat = (s: string) => {
    if (src[pos] === s) {
      pos++;
      return true;
    }
    return false;
  };
  const fail = (message: string): never => {
    throw new PatternSyntaxError(message);
  };

  function hex(digits: string): number {
    if (!/^[0-9A-Fa-f]+$/.test(digits)) fail(`invalid escape sequence: \\x${digits}`);
    const cp = Number.parseInt(digits, 16);
    if (cp > 0x10ffff) fail(`invalid escape sequence: \\x${digits}`);
    return cp;
  }

  /** After a backslash: a literal code point, or a class member (`\d`, `\pL`), or undefined if neither. */
  function escaped(): { cp: number } | { member: Member } {
    const c = src[pos++];
    if (c === undefined) return fail("trailing backslash at end of expression");
    const control = CONTROL_ESCAPES[c];
    if (control !== undefined) return { cp: control };
    const perl = PERL_CLASSES[c];
    if (perl) return { member: perl };
    switch (c) {
      case "p":
      case "P": {
        let name: string;
        if (eat("{")) {
          const end = src.indexOf("}", pos);
          if (end < 0) fail(`invalid character class range: \\${c}{${src.slice(pos).join("")}`);
          name = src.slice(pos, end).join("");
          pos = end + 1;
        } else {
          name = src[pos++] ?? fail(`invalid character class range: \\${c}`);
        }
        let negated = c === "P";
        if (name.startsWith("^")) {
          negated = !negated;
          name = name.slice(1);
        }
        const m = unicodeClass(name);
        return { member: negated ? not(m) : m };
      }
      case "x": {
        if (eat("{")) {
          const end = src.indexOf("}", pos);
          if (end < 0) fail("invalid escape sequence: \\x{");
          const cp = hex(src.slice(pos, end).join(""));
          pos = end + 1;
          return { cp };
        }
        const digits = src.slice(pos, pos + 2).join("");
        if (digits.length < 2) fail(`invalid escape sequence: \\x${digits}`);
        pos += 2;
        return { cp: hex(digits) };
      }
    }
    if (c >= "1" && c <= "7" && !(peek() !== undefined && /[0-7]/.test(peek() as string))) {
      return fail(`invalid escape sequence: \\${c}`); // a backreference: not linear, not RE2
    }
    if (c >= "0" && c <= "7") {
      let digits = c;
      while (digits.length < 3 && peek() !== undefined && /[0-7]/.test(peek() as string))
        digits += src[pos++];
      return { cp: Number.parseInt(digits, 8) };
    }
    const cp = c.codePointAt(0) as number;
    if (cp < 0x80 && (cp === 0x5f || !isWordChar(cp))) return { cp }; // punctuation, `_` included
    return fail(`invalid escape sequence: \\${c}`);
  }

  function classItem(): Member | number {
    if (peek() === "[" && peek(1) === ":") {
      // As RE2 reads it: the first `:]` from the opening colon on, so `[:]` (an empty name) and
      // `[:a:b:]` are names it refuses; with no `:]` at all the `[` is an ordinary member.
      let end = pos + 1;
      while (end < src.length && !(src[end] === ":" && src[end + 1] === "]")) end++;
      if (end < src.length) {
        let name = end > pos + 1 ? src.slice(pos + 2, end).join("") : "";
        const negated = name.startsWith("^");
        if (negated) name = name.slice(1);
        const m = POSIX[name] ?? fail(`invalid character class range: ${src.slice(pos, end + 2).join("")}`);
        pos = end + 2;
        return negated ? not(m) : m;
      }
    }
    const c = src[pos++] as string;
    if (c !== "\\") return c.codePointAt(0) as number;
    const e = escaped();
    return "cp" in e ? e.cp : e.member;
  }

  function charClass(flags: Flags): Node {
    const start = pos - 1;
    const negated = eat("^");
    const members: Member[] = [];
    let first = true;
    while (first || peek() !== "]") {
      if (peek() === undefined) fail(`missing closing ]: ${src.slice(start).join("")}`);
      first = false;
      const lo = classItem();
      if (typeof lo === "number" && peek() === "-" && peek(1) !== "]" && peek(1) !== undefined) {
        pos++;
        const hi = classItem();
        if (typeof hi !== "number" || hi < lo)
          fail(`invalid character class range: ${src.slice(start, pos).join("")}`);
        members.push(range(lo, hi as number));
      } else {
        members.push(typeof lo === "number" ? (cp) => cp === lo : lo);
      }
    }
    pos++;
    return { k: "char", set: charSet(anyOf(members), flags.i, negated) };
  }

  /** `(?` seen: flags, a non-capturing or named group, or a lookbehind. */
  function groupAfterQuestion(flags: Flags): Node | Flags {
    if (eat("<")) {
      if (eat("=") || peek() === "!") {
        const negated = eat("!");
        behind++;
        const node = alternation({ ...flags });
        behind--;
        if (!eat(")")) fail(`missing closing ): ${source}`);
        return { k: "behind", negated, node };
      }
      return named(flags);
    }
    if (eat("P")) {
      if (!eat("<")) fail(`invalid or unsupported Perl syntax: (?P${peek() ?? ""}`);
      return named(flags);
    }
    if (peek() === "=" || peek() === "!") fail(`invalid or unsupported Perl syntax: (?${peek()}`);
    const next = { ...flags };
    let on = true;
    let any = false;
    for (;;) {
      const c = src[pos++];
      if (c === "i" || c === "m" || c === "s" || c === "U") {
        if (c !== "U") next[c] = on;
        any = true;
      } else if (c === "-" && on) {
        on = false;
        any = false;
      } else if ((c === ":" || c === ")") && (any || on)) {
        if (c === ")") return next;
        const node = alternation(next);
        if (!eat(")")) fail(`missing closing ): ${source}`);
        return node;
      } else {
        return fail(`invalid or unsupported Perl syntax: (?${src.slice(pos - 1, pos + 1).join("")}`);
      }
    }
  }

  function named(flags: Flags): Node {
    if (behind > 0) fail(`invalid capture in lookbehind: ${source}`);
    const end = src.indexOf(">", pos);
    const name = end < 0 ? "" : src.slice(pos, end).join("");
    if (!/^[A-Za-z0-9_]+$/.test(name)) fail(`invalid named capture: ${source}`);
    if (names.has(name)) fail(`duplicate capture group name: ${name}`);
    names.add(name);
    pos = end + 1;
    const node = alternation({ ...flags });
    if (!eat(")")) fail(`missing closing ): ${source}`);
    return node;
  }

  /** `{n}`, `{n,}`, `{n,m}` at pos, or undefined (then `{` is a literal, as in RE2). */
  function counted(): { min: number; max: number } | undefined {
    // No leading zeros: RE2 reads `{02}` as literal text.
    const m = /^\{(0|[1-9]\d*)(,(0|[1-9]\d*)?)?\}/.exec(src.slice(pos, pos + 16).join(""));
    if (!m) return undefined;
    pos += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === undefined ? -1 : Number(m[3]);
    if (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min))
      fail(`invalid repeat count: ${m[0]}`);
    return { min, max };
  }

  function atom(flags: Flags): Node | Flags | undefined {
    const c = src[pos++] as string;
    switch (c) {
      case "(": {
        if (eat("?")) return groupAfterQuestion(flags);
        if (behind > 0) fail(`invalid capture in lookbehind: ${source}`);
        const node = alternation({ ...flags });
        if (!eat(")")) fail(`missing closing ): ${source}`);
        return node;
      }
      case "[":
        return charClass(flags);
      case ".":
        return { k: "char", set: charSet(flags.s ? () => true : (cp) => cp !== 10, false) };
      case "^":
        return { k: "assert", what: flags.m ? "bol" : "bot" };
      case "$":
        return { k: "assert", what: flags.m ? "eol" : "eot" };
      case "*":
      case "+":
      case "?":
        return fail(`missing argument to repetition operator: ${c}`);
      case "{": {
        pos--;
        if (counted()) fail(`missing argument to repetition operator: ${source}`);
        pos++;
        return oneChar(0x7b, flags);
      }
      case "\\": {
        const what = ASSERTION_ESCAPES[peek() ?? ""];
        if (what) {
          pos++;
          return { k: "assert", what };
        }
        if (!eat("Q")) {
          const e = escaped();
          return "member" in e ? { k: "char", set: charSet(e.member, flags.i) } : oneChar(e.cp, flags);
        }
        // \Q…\E: literal text.
        const end = src.indexOf("\\", pos);
        const stop = end >= 0 && src[end + 1] === "E" ? end : src.length;
        const items = src.slice(pos, stop).map((ch) => oneChar(ch.codePointAt(0) as number, flags));
        pos = stop === src.length ? stop : stop + 2;
        // A repetition after \Q…\E repeats its last character, as after any literal text.
        quoted = items.slice(0, -1);
        return items.at(-1);
      }
      default:
        return oneChar(c.codePointAt(0) as number, flags);
    }
  }

  function concatenation(flags: Flags): Node {
    const items: Node[] = [];
    while (pos < src.length && peek() !== "|" && peek() !== ")") {
      const a = atom(flags);
      items.push(...quoted);
      quoted = [];
      if (a === undefined) continue;
      let node: Node;
      if ("k" in a) node = a;
      else {
        Object.assign(flags, a); // (?i): to the end of the enclosing group
        // As in re2js, a repetition right after a flag group repeats the item before the group.
        const before = items.at(-1);
        if (before === undefined || !/^[*+?{]/.test(peek() ?? "")) continue;
        node = items.pop() as Node;
      }
      let repeated = false;
      for (;;) {
        const q = peek();
        let rep: { min: number; max: number; counted?: boolean } | undefined;
        if (q === "*") rep = { min: 0, max: -1 };
        else if (q === "+") rep = { min: 1, max: -1 };
        else if (q === "?") rep = { min: 0, max: 1 };
        if (rep) pos++;
        else if (q === "{") {
          const c = counted();
          if (c) rep = { ...c, counted: true };
        }
        if (!rep) break;
        if (repeated) fail(`bad repetition operator: ${src.slice(pos - 2, pos).join("")}`);
        repeated = true;
        eat("?"); // lazy: the same yes/no
        node = { k: "rep", node, ...rep };
      }
      items.push(node);
    }
    return items.length === 1 ? (items[0] as Node) : { k: "cat", items };
  }

  function alternation(flags: Flags): Node {
    const items = [concatenation(flags)];
    while (eat("|")) items.push(concatenation(flags));
    return items.length === 1 ? (items[0] as Node) : { k: "alt", items };
  }

  const tree = alternation({ i: caseInsensitive, m: false, s: false });
  if (pos < src.length) fail(`unexpected ): ${source}`);
  if (!repeatsFit(tree, MAX_REPEAT)) fail(`invalid repeat count: ${source}`);
  return tree;
}

/**
 * RE2's bound on nested counted repetitions (Go's repeatIsValid): along any nesting, the counts
 * multiplied stay within 1000, so `((a{10}){10}){10}` passes and `((a{10}){10}){11}` does not. It keeps
 * a short pattern from expanding into a huge program.
 */
function repeatsFit(node: Node, n: number): boolean {
  switch (node.k) {
    case "rep": {
      let budget = n;
      if (node.counted) {
        const m = node.max < 0 ? node.min : node.max;
        if (m > budget) return false;
        if (m > 0) budget = Math.floor(budget / m);
      }
      return repeatsFit(node.node, budget);
    }
    case "cat":
    case "alt":
      return node.items.every((item) => repeatsFit(item, n));
    case "behind":
      return repeatsFit(node.node, n);
    default:
      return true;
  }
}
