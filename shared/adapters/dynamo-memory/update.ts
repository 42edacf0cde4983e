/**
 * An update expression applied to an item, by DynamoDB's rules: every right-hand side reads the item
 * as it was before the update; two actions on overlapping paths, an update of a key attribute, a path
 * through a missing parent and arithmetic on a non-number are validation errors; ADD adds numbers or
 * unites sets, DELETE takes elements out of a set (and the attribute, when none is left).
 */
import { validation } from "./errors.ts";
import { type Refs, refValue, resolve, segName } from "./evaluate.ts";
import type { Operand, Path, UpdateActions } from "./expressions.ts";
import { type AttributeValue, addNumbers, clone, type Item, payload, setHas, typeOf } from "./values.ts";

const wrongType = () => validation("An operand in the update expression has an incorrect data type");

/**
 * The type checks DynamoDB makes before it reads the item (so a transaction holding such a write is
 * refused as a whole, not cancelled): ADD takes a number or a set, DELETE a set, `+`/`-` numbers and
 * list_append lists, wherever the operand is a :value.
 */
export function checkUpdateOperands(actions: UpdateActions, refs: Refs): void {
  const valueType = (o: Operand) => (o.t === "value" ? typeOf(refValue(o.ref, refs)) : undefined);
  const expect = (o: Operand, types: string[]) => {
    const t = valueType(o);
    if (t !== undefined && !types.includes(t))
      throw validation(
        `Invalid UpdateExpression: Incorrect operand type for operator or function; operand type: ${t}`,
      );
  };
  const walk = (o: Operand): void => {
    const inner = o.t === "arith" ? [o.l, o.r] : o.t === "call" ? o.args : [];
    for (const x of inner) {
      if (o.t === "arith") expect(x, ["N"]);
      if (o.t === "call" && o.fn === "list_append") expect(x, ["L"]);
      walk(x);
    }
  };
  for (const a of actions.set) walk(a.value);
  for (const a of actions.add) expect(a.value, ["N", "SS", "NS", "BS"]);
  for (const a of actions.delete) expect(a.value, ["SS", "NS", "BS"]);
}

/** A SET right-hand side, read from the item before the update. */
function setOperand(o: Operand, old: Item | undefined, refs: Refs): AttributeValue {
  if (o.t === "value") return refValue(o.ref, refs);
  if (o.t === "path") {
    const v = resolve(old, o.path, refs);
    if (v === undefined)
      throw validation("The provided expression refers to an attribute that does not exist in the item");
    return v;
  }
  if (o.t === "arith") {
    const l = setOperand(o.l, old, refs);
    const r = setOperand(o.r, old, refs);
    if (!("N" in l) || !("N" in r)) throw wrongType();
    return { N: addNumbers(l.N, r.N, o.op === "-") };
  }
  if (o.fn === "if_not_exists" && o.args.length === 2 && o.args[0]?.t === "path") {
    return resolve(old, o.args[0].path, refs) ?? setOperand(o.args[1] as Operand, old, refs);
  }
  if (o.fn === "list_append" && o.args.length === 2) {
    const a = setOperand(o.args[0] as Operand, old, refs);
    const b = setOperand(o.args[1] as Operand, old, refs);
    if (!("L" in a) || !("L" in b)) throw wrongType();
    return { L: [...a.L, ...b.L] };
  }
  throw validation(`Invalid UpdateExpression: Invalid function name; function: ${o.fn}`);
}

const badPath = () => validation("The document path provided in the update expression is invalid for update");

/** The container holding a path's last step (creating nothing), or a validation error. */
function parentOf(item: Item, path: Path, refs: Refs): AttributeValue {
  const parent = path.length === 1 ? { M: item } : resolve(item, path.slice(0, -1), refs);
  if (!parent) throw badPath();
  return parent;
}

function put(item: Item, path: Path, value: AttributeValue, refs: Refs): void {
  const parent = parentOf(item, path, refs);
  const last = path[path.length - 1] as Path[number];
  if ("index" in last) {
    if (!("L" in parent)) throw badPath();
    if (last.index >= parent.L.length) parent.L.push(value);
    else parent.L[last.index] = value;
  } else {
    if (!("M" in parent)) throw badPath();
    parent.M[segName(last, refs)] = value;
  }
}

function remove(item: Item, path: Path, refs: Refs): void {
  const parent = path.length === 1 ? { M: item } : resolve(item, path.slice(0, -1), refs);
  const last = path[path.length - 1] as Path[number];
  // DynamoDB refuses to remove through a parent that is missing or of another type.
  if (!parent) throw badPath();
  if ("index" in last) {
    if (!("L" in parent)) throw badPath();
    if (last.index < parent.L.length) parent.L.splice(last.index, 1);
  } else {
    if (!("M" in parent)) throw badPath();
    delete parent.M[segName(last, refs)];
  }
}

const pathKey = (path: Path, refs: Refs): string[] =>
  path.map((s) => ("index" in s ? `[${s.index}]` : segName(s, refs)));

/**
 * The item after an update (a new object; `old` is not touched), and the top-level attributes it
 * changed (for UPDATED_OLD / UPDATED_NEW).
 */
export function applyUpdate(
  old: Item | undefined,
  key: Item,
  actions: UpdateActions,
  refs: Refs,
): { item: Item; updated: Path[] } {
  const targets = [
    ...actions.set.map((a) => a.path),
    ...actions.remove,
    ...actions.add.map((a) => a.path),
    ...actions.delete.map((a) => a.path),
  ];
  const keys = targets.map((p) => pathKey(p, refs));
  for (let i = 0; i < keys.length; i++) {
    const a = keys[i] as string[];
    if (a[0] !== undefined && a[0] in key)
      throw validation(
        `One or more parameter values were invalid: Cannot update attribute ${a[0]}. This attribute is part of the key`,
      );
    for (let j = i + 1; j < keys.length; j++) {
      const b = keys[j] as string[];
      const n = Math.min(a.length, b.length);
      if (a.slice(0, n).every((s, k) => s === b[k]))
        throw validation(
          `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${a.join(", ")}], path two: [${b.join(", ")}]`,
        );
    }
  }
  const values = actions.set.map((a) => setOperand(a.value, old, refs));
  const item: Item = old ? clone(old) : clone(key);
  actions.set.forEach((a, i) => {
    put(item, a.path, clone(values[i] as AttributeValue), refs);
  });
  // Removals from one list use the indexes of the list as it was: highest first.
  const removals = [...actions.remove].sort((x, y) => {
    const a = x[x.length - 1];
    const b = y[y.length - 1];
    return a && b && "index" in a && "index" in b ? b.index - a.index : 0;
  });
  for (const p of removals) remove(item, p, refs);
  for (const a of actions.add) {
    const v = setOperand(a.value, undefined, refs);
    const cur = resolve(item, a.path, refs);
    if (!("N" in v) && !("SS" in v) && !("NS" in v) && !("BS" in v)) throw wrongType();
    if (cur === undefined) put(item, a.path, clone(v), refs);
    else if ("N" in cur && "N" in v) put(item, a.path, { N: addNumbers(cur.N, v.N) }, refs);
    else if (typeOf(cur) === typeOf(v) && typeOf(v) !== "N") {
      const t = typeOf(v);
      const set = [...payload(cur)] as string[];
      for (const e of payload(v) as string[]) if (!setHas(t, set, e)) set.push(e);
      put(item, a.path, { [t]: set } as AttributeValue, refs);
    } else throw wrongType();
  }
  for (const a of actions.delete) {
    const v = setOperand(a.value, undefined, refs);
    const cur = resolve(item, a.path, refs);
    const t = typeOf(v);
    if (t !== "SS" && t !== "NS" && t !== "BS") throw wrongType();
    if (cur === undefined) continue;
    if (typeOf(cur) !== t) throw wrongType();
    const rest = (payload(cur) as string[]).filter((e) => !setHas(t, payload(v), e));
    if (rest.length === 0) remove(item, a.path, refs);
    else put(item, a.path, { [t]: rest } as AttributeValue, refs);
  }
  return { item, updated: targets };
}
