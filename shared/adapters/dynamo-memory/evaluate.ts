/**
 * What a condition (or filter) means for one item, by DynamoDB's rules: a comparison with a missing
 * attribute or a value of another type is false, not an error; and how a projection cuts an item.
 */
import { validation } from "./errors.ts";
import type { Condition, Operand, Path } from "./expressions.ts";
import {
  type AttributeValue,
  clone,
  compareValues,
  equalValues,
  type Item,
  payload,
  setHas,
  type TypeName,
  typeOf,
} from "./values.ts";

/** The request's ExpressionAttributeNames and ExpressionAttributeValues. */
export interface Refs {
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
  /** "ConditionExpression", "UpdateExpression", ...: for error messages. */
  kind: string;
}

export const segName = (seg: { name: string }, refs: Refs): string => {
  if (!seg.name.startsWith("#")) return seg.name;
  const n = refs.names[seg.name];
  if (n === undefined)
    throw validation(
      `Invalid ${refs.kind}: An expression attribute name used in the document path is not defined; attribute name: ${seg.name}`,
    );
  return n;
};

/** The value at a document path, or undefined when any step is missing or of the wrong type. */
export function resolve(item: Item | undefined, path: Path, refs: Refs): AttributeValue | undefined {
  let cur: AttributeValue | undefined = item ? { M: item } : undefined;
  for (const seg of path) {
    if (!cur) return undefined;
    if ("index" in seg) cur = "L" in cur ? (cur.L as AttributeValue[])[seg.index] : undefined;
    else cur = "M" in cur ? (cur.M as Item)[segName(seg, refs)] : undefined;
  }
  return cur;
}

export const refValue = (ref: string, refs: Refs): AttributeValue => {
  const v = refs.values[ref];
  if (v === undefined)
    throw validation(
      `Invalid ${refs.kind}: An expression attribute value used in expression is not defined; attribute value: ${ref}`,
    );
  return v;
};

function sizeOf(v: AttributeValue): number | undefined {
  const x = payload(v);
  switch (typeOf(v)) {
    case "S":
      return [...(x as string)].length;
    case "B":
      return Buffer.from(x, "base64").length;
    case "SS":
    case "NS":
    case "BS":
    case "L":
      return x.length;
    case "M":
      return Object.keys(x).length;
    default:
      return undefined;
  }
}

/** An operand in a condition: a path, a value, or size(path). */
function conditionOperand(o: Operand, item: Item | undefined, refs: Refs): AttributeValue | undefined {
  if (o.t === "path") return resolve(item, o.path, refs);
  if (o.t === "value") return refValue(o.ref, refs);
  if (o.t === "call" && o.fn === "size" && o.args.length === 1 && o.args[0]?.t === "path") {
    const v = resolve(item, o.args[0].path, refs);
    const n = v === undefined ? undefined : sizeOf(v);
    return n === undefined ? undefined : { N: String(n) };
  }
  throw validation(`Invalid ${refs.kind}: The function is not allowed to be used this way in an expression`);
}

const TYPES = new Set<TypeName>(["S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"]);

/** DynamoDB refuses, before reading any item, a value of a type the operator cannot order. */
function orderable(op: string, operands: Operand[], refs: Refs, types = ["N", "S", "B"]): void {
  for (const o of operands) {
    if (o.t !== "value") continue;
    const t = typeOf(refValue(o.ref, refs));
    if (!types.includes(t))
      throw validation(
        `Invalid ${refs.kind}: Incorrect operand type for operator or function; operator or function: ${op}, operand type: ${t}`,
      );
  }
}

export function test(c: Condition, item: Item | undefined, refs: Refs): boolean {
  switch (c.t) {
    case "and":
      // Both sides are evaluated so that an undefined name or value fails wherever it sits.
      return [test(c.l, item, refs), test(c.r, item, refs)].every(Boolean);
    case "or":
      return [test(c.l, item, refs), test(c.r, item, refs)].some(Boolean);
    case "not":
      return !test(c.c, item, refs);
    case "cmp": {
      if (c.op !== "=" && c.op !== "<>") orderable(c.op, [c.l, c.r], refs);
      const l = conditionOperand(c.l, item, refs);
      const r = conditionOperand(c.r, item, refs);
      // A missing attribute equals nothing, so it differs from everything.
      if (l === undefined || r === undefined) return c.op === "<>";
      if (c.op === "=") return equalValues(l, r);
      if (c.op === "<>") return !equalValues(l, r);
      const order = compareValues(l, r);
      if (order === undefined) return false;
      return c.op === "<" ? order < 0 : c.op === "<=" ? order <= 0 : c.op === ">" ? order > 0 : order >= 0;
    }
    case "between": {
      orderable("BETWEEN", [c.v, c.lo, c.hi], refs);
      const v = conditionOperand(c.v, item, refs);
      const lo = conditionOperand(c.lo, item, refs);
      const hi = conditionOperand(c.hi, item, refs);
      if (v === undefined || lo === undefined || hi === undefined) return false;
      const bounds = compareValues(lo, hi);
      if (bounds !== undefined && bounds > 0)
        throw validation(
          `Invalid ${refs.kind}: The BETWEEN operator requires upper bound to be greater than or equal to lower bound`,
        );
      const a = compareValues(v, lo);
      const b = compareValues(v, hi);
      return a !== undefined && b !== undefined && a >= 0 && b <= 0;
    }
    case "in": {
      const v = conditionOperand(c.v, item, refs);
      const list = c.list.map((o) => conditionOperand(o, item, refs));
      return v !== undefined && list.some((e) => e !== undefined && equalValues(v, e));
    }
    case "call":
      return callFunction(c.fn, c.args, item, refs);
  }
}

function callFunction(fn: string, args: Operand[], item: Item | undefined, refs: Refs): boolean {
  const arity = (n: number) => {
    if (args.length !== n)
      throw validation(
        `Invalid ${refs.kind}: Incorrect number of operands for operator or function; function: ${fn}`,
      );
  };
  const pathArg = () => {
    const a = args[0];
    if (a?.t !== "path")
      throw validation(
        `Invalid ${refs.kind}: Operator or function requires a document path; function: ${fn}`,
      );
    return resolve(item, a.path, refs);
  };
  switch (fn) {
    case "attribute_exists":
      arity(1);
      return pathArg() !== undefined;
    case "attribute_not_exists":
      arity(1);
      return pathArg() === undefined;
    case "attribute_type": {
      arity(2);
      const v = pathArg();
      const t = conditionOperand(args[1] as Operand, item, refs);
      if (!t || !("S" in t) || !TYPES.has(t.S as TypeName))
        throw validation(`Invalid ${refs.kind}: Invalid attribute type name found in attribute_type`);
      return v !== undefined && typeOf(v) === t.S;
    }
    case "begins_with": {
      arity(2);
      orderable(fn, args, refs, ["S", "B"]);
      const v = conditionOperand(args[0] as Operand, item, refs);
      const p = conditionOperand(args[1] as Operand, item, refs);
      if (!v || !p) return false;
      if ("S" in v && "S" in p) return v.S.startsWith(p.S);
      if ("B" in v && "B" in p)
        return Buffer.from(v.B, "base64")
          .subarray(0, Buffer.from(p.B, "base64").length)
          .equals(Buffer.from(p.B, "base64"));
      return false;
    }
    case "contains": {
      arity(2);
      const v = pathArg();
      const e = conditionOperand(args[1] as Operand, item, refs);
      if (!v || !e) return false;
      if ("S" in v) return "S" in e && v.S.includes(e.S);
      if ("L" in v) return v.L.some((x) => equalValues(x, e));
      const t = typeOf(v);
      if ((t === "SS" && "S" in e) || (t === "NS" && "N" in e) || (t === "BS" && "B" in e))
        return setHas(t, payload(v), payload(e));
      return false;
    }
    default:
      throw validation(`Invalid ${refs.kind}: Invalid function name; function: ${fn}`);
  }
}

/** The item reduced to the given paths (nested maps kept, list elements compacted), as DynamoDB projects. */
export function project(item: Item, paths: Path[], refs: Refs): Item {
  const out: { M: Item } = { M: {} };
  for (const path of paths) {
    const v = resolve(item, path, refs);
    if (v === undefined) continue;
    let dst: AttributeValue = out;
    let src: AttributeValue = { M: item };
    path.forEach((seg, i) => {
      const last = i === path.length - 1;
      if ("index" in seg) {
        const srcNext = (src as { L: AttributeValue[] }).L[seg.index] as AttributeValue;
        const list = (dst as { L: AttributeValue[] }).L;
        const next: AttributeValue = last ? clone(srcNext) : "M" in srcNext ? { M: {} } : { L: [] };
        list.push(next);
        dst = next;
        src = srcNext;
      } else {
        const name = segName(seg, refs);
        const srcNext = (src as { M: Item }).M[name] as AttributeValue;
        const map = (dst as { M: Item }).M;
        if (last) map[name] = clone(srcNext);
        else map[name] ??= "M" in srcNext ? { M: {} } : { L: [] };
        dst = map[name] as AttributeValue;
        src = srcNext;
      }
    });
  }
  return out.M;
}
