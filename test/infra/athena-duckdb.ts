/**
 * Running Athena's named queries locally: DuckDB over the archive's NDJSON files, with every
 * difference between Athena (Trino, Hive JSON SerDe) and DuckDB handled HERE and nowhere else, and
 * the Trino rules DuckDB would not enforce checked separately (`trinoShapeProblems`), so the
 * translation can never hide a query Athena would reject.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import type { Column } from "../../infra/constructs/analytics.ts";
import type { AthenaQuery } from "../../infra/constructs/athena-queries.ts";

// ---------------------------------------------------------------------------------------------
// Glue (Hive) types
// ---------------------------------------------------------------------------------------------

type HiveType =
  | { kind: "scalar"; name: string }
  | { kind: "array"; of: HiveType }
  | { kind: "struct"; fields: { name: string; type: HiveType }[] };

export function parseHiveType(text: string): HiveType {
  let i = 0;
  const word = () => /^[a-z_][a-z0-9_]*/i.exec(text.slice(i))?.[0] ?? "";
  const expect = (c: string) => {
    if (text[i] !== c) throw new Error(`bad Hive type ${text} at ${i}: expected ${c}`);
    i++;
  };
  const parse = (): HiveType => {
    const w = word();
    i += w.length;
    if (w === "array") {
      expect("<");
      const of = parse();
      expect(">");
      return { kind: "array", of };
    }
    if (w === "struct") {
      expect("<");
      const fields: { name: string; type: HiveType }[] = [];
      for (;;) {
        const name = word();
        i += name.length;
        expect(":");
        fields.push({ name, type: parse() });
        if (text[i] === ",") i++;
        else break;
      }
      expect(">");
      return { kind: "struct", fields };
    }
    if (!w) throw new Error(`bad Hive type ${text} at ${i}`);
    return { kind: "scalar", name: w };
  };
  const t = parse();
  if (i !== text.length) throw new Error(`bad Hive type ${text}: trailing text`);
  return t;
}

const DUCK_SCALARS: Record<string, string> = {
  string: "VARCHAR",
  int: "INTEGER",
  bigint: "BIGINT",
  double: "DOUBLE",
  boolean: "BOOLEAN",
};

function duckType(t: HiveType): string {
  if (t.kind === "array") return `${duckType(t.of)}[]`;
  if (t.kind === "struct")
    return `STRUCT(${t.fields.map((f) => `"${f.name}" ${duckType(f.type)}`).join(", ")})`;
  const d = DUCK_SCALARS[t.name];
  if (!d) throw new Error(`no DuckDB type for Hive ${t.name}`);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Trino's rules, checked on the SQL as Athena receives it
// ---------------------------------------------------------------------------------------------

/** Functions the queries may call: Trino functions (https://trino.io/docs/current/functions/list.html). */
const TRINO_FUNCTIONS = new Set([
  "max_by",
  "min",
  "max",
  "count",
  "count_if",
  "sum",
  "cardinality",
  "filter",
  "date_trunc",
  "from_iso8601_timestamp",
  "coalesce",
  "substr",
  "round",
  "nullif",
  "cast",
]);
/** Words followed by "(" that are syntax, not calls. */
const SQL_WORDS = new Set(["as", "in", "unnest", "and", "or", "not", "over", "from", "join"]);

const UNNEST = /\bUNNEST\s*\(/gi;
const UNNEST_FULL = /CROSS JOIN UNNEST\(\s*([a-z_]+\.)?([a-z_]+)\s*\) AS ([a-z_]+) \(([^)]*)\)/gi;
const unquote = (s: string) => s.trim().replace(/^"(.*)"$/, "$1");

/**
 * What Athena (Trino) would reject or what would scan the whole archive, none of which DuckDB would
 * notice: an UNNEST of an array of structs must name every field, in order; every read of the
 * decisions table is restricted by `dt BETWEEN ? AND ?`, whose two parameters come first; the
 * parameters are documented; only Trino functions are called.
 */
export function trinoShapeProblems(q: AthenaQuery, columns: Column[]): string[] {
  const problems: string[] = [];
  const types = new Map(columns.map((c) => [c.name, parseHiveType(c.type)]));
  const unnests = [...q.sql.matchAll(UNNEST)].length;
  const full = [...q.sql.matchAll(UNNEST_FULL)];
  if (full.length !== unnests)
    problems.push(`${q.id}: an UNNEST is not "CROSS JOIN UNNEST(col) AS t (fields)"`);
  for (const [, , column, , aliases] of full) {
    const t = types.get((column as string).toLowerCase());
    const names = (aliases as string).split(",").map(unquote);
    if (t?.kind !== "array") {
      problems.push(`${q.id}: UNNEST(${column}) is not an array column`);
      continue;
    }
    // Arrays of rows expand into one column per field; arrays of anything else into one column.
    const expected = t.of.kind === "struct" ? t.of.fields.map((f) => f.name) : [names[0] ?? ""];
    if (names.join(",") !== expected.join(","))
      problems.push(`${q.id}: UNNEST(${column}) AS (${names.join(", ")}) must name (${expected.join(", ")})`);
  }
  const reads = [...q.sql.matchAll(/\bFROM decisions\b/g)].length;
  const windows = [...q.sql.matchAll(/\bdt BETWEEN \? AND \?/g)].length;
  if (reads === 0 || windows !== reads)
    problems.push(`${q.id}: ${reads} reads of decisions, ${windows} dt BETWEEN ? AND ? predicates`);
  const beforeWindow = q.sql.slice(0, q.sql.search(/\bdt BETWEEN \? AND \?/));
  if (beforeWindow.includes("?")) problems.push(`${q.id}: a parameter comes before the date window`);
  const placeholders = [...q.sql.matchAll(/\?/g)].length;
  if (placeholders !== q.params.length)
    problems.push(`${q.id}: ${placeholders} ? but ${q.params.length} params`);
  if (!/Parameters:/.test(q.description))
    problems.push(`${q.id}: the description does not name the parameters`);
  // Every call is a Trino function (DuckDB accepts many Trino does not have: len, list_filter, arg_max...).
  for (const [, name] of q.sql.replace(UNNEST_FULL, "UNNEST()").matchAll(/\b([a-z_][a-z0-9_]*)\s*\(/gi)) {
    const n = (name as string).toLowerCase();
    if (!TRINO_FUNCTIONS.has(n) && !SQL_WORDS.has(n))
      problems.push(`${q.id}: ${n}() is not a Trino function`);
  }
  if (/::|\blambda\b/i.test(q.sql)) problems.push(`${q.id}: DuckDB-only syntax`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Translation: the ONLY place Athena SQL is changed to run on DuckDB
// ---------------------------------------------------------------------------------------------

/**
 * DuckDB's UNNEST yields each struct as one column; Trino expands its fields into columns. A lateral
 * subquery unnests the struct a second time, so the alias list means the same positional fields.
 * max_by, count_if, filter with `x -> e`, nullif, round, substr, coalesce and `?` parameters are the
 * same in both; cardinality of an array is len in DuckDB; from_iso8601_timestamp is a macro (setup).
 */
export function toDuckDb(sql: string): string {
  return sql
    .replace(UNNEST_FULL, (_m, qual: string | undefined, col: string, alias: string, names: string) => {
      const ref = `${qual ?? ""}${col}`;
      return `CROSS JOIN LATERAL (SELECT unnest(u.x) FROM (SELECT unnest(${ref}) AS x) u) AS ${alias} (${names})`;
    })
    .replace(/\bcardinality\(/g, "len(");
}

// ---------------------------------------------------------------------------------------------
// The archive as Athena's tables see it
// ---------------------------------------------------------------------------------------------

/** The openx JSON SerDe matches keys case-insensitively (Glue columns are lower case); DuckDB does not. */
function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
  return v;
}

export interface AthenaLike {
  run(q: AthenaQuery, params: string[]): Promise<Record<string, unknown>[]>;
  close(): void;
}

/**
 * A DuckDB with a `decisions` view over `<archive>/decisions/dt=*\/*.ndjson.gz` (the archive's own
 * layout), typed by the Glue columns, `dt` from the path as the partition projection gives it.
 */
export async function athenaOver(
  archiveDir: string,
  columns: Column[],
  workDir: string,
): Promise<AthenaLike> {
  const root = join(archiveDir, "decisions");
  for (const part of readdirSync(root)) {
    for (const file of readdirSync(join(root, part))) {
      const lines = gunzipSync(readFileSync(join(root, part, file)))
        .toString("utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.stringify(lowerKeys(JSON.parse(l))));
      mkdirSync(join(workDir, part), { recursive: true });
      writeFileSync(join(workDir, part, file.replace(/\.gz$/, "")), `${lines.join("\n")}\n`);
    }
  }
  const db = await DuckDBInstance.create(":memory:");
  const c: DuckDBConnection = await db.connect();
  await c.run("SET TimeZone = 'UTC'");
  await c.run("CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)");
  const spec = columns.map((col) => `"${col.name}": '${duckType(parseHiveType(col.type))}'`).join(", ");
  await c.run(
    `CREATE VIEW decisions AS SELECT * FROM read_json('${workDir}/*/*.ndjson', format = 'newline_delimited',
       hive_partitioning = true, hive_types = {'dt': 'VARCHAR'}, columns = {${spec}})`,
  );
  return {
    async run(q, params) {
      const reader = await c.runAndReadAll(toDuckDb(q.sql), params);
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    },
    close: () => {
      c.closeSync();
      db.closeSync();
    },
  };
}
