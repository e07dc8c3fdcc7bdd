/**
 * SQL that renders typed values (Parquet, JSON) as the text a person would have typed, so identifiers survive:
 * numbers without exponent or a trailing `.0` (a phone stored as DOUBLE 15559876543.0 becomes `15559876543`),
 * dates and timestamps as ISO 8601, nested values as JSON.
 */

/** `[sign, integer digits, fraction digits, exponent]` of a number in scientific notation, for RE2. */
const SCIENTIFIC = String.raw`^(-?)(\d+)(?:\.(\d*))?[eE]([+-]?\d+)$`;

/** Removes trailing fraction zeros and a dangling point; only for text that contains a point. */
function tidyFraction(text: string): string {
  return `regexp_replace(regexp_replace(${text}, '0+$', ''), '\\.$', '')`;
}

/**
 * Given a VARCHAR expression holding a number as DuckDB or a JSON writer prints it (`15559876543.0`, `1e+20`,
 * `1.5e-07`, `12.50`), returns it in plain positional notation with no exponent and no trailing zeros after the
 * point (`15559876543`, `100000000000000000000`, `0.00000015`, `12.5`). Other text passes through unchanged.
 * Works on the digits as text, so no precision is lost on the way.
 */
export function plainNumberSql(text: string): string {
  const part = (group: number) => `regexp_extract(${text}, '${SCIENTIFIC}', ${group})`;
  const digits = `(${part(2)} || ${part(3)})`;
  const point = `(length(${part(2)}) + CAST(${part(4)} AS INTEGER))`;
  const positioned =
    `CASE WHEN ${point} <= 0 THEN '0.' || repeat('0', -${point}) || ${digits} ` +
    `WHEN ${point} >= length(${digits}) THEN ${digits} || repeat('0', ${point} - length(${digits})) ` +
    `ELSE left(${digits}, ${point}) || '.' || substr(${digits}, ${point} + 1) END`;
  const noLeadingZeros = `regexp_replace(${positioned}, '^0+(\\d)', '\\1')`;
  const expanded = `${part(1)} || CASE WHEN contains(${noLeadingZeros}, '.') THEN ${tidyFraction(noLeadingZeros)} ELSE ${noLeadingZeros} END`;
  const rendered =
    `CASE WHEN regexp_full_match(${text}, '${SCIENTIFIC}') THEN ${expanded} ` +
    `WHEN regexp_full_match(${text}, '-?\\d+\\.\\d*') THEN ${tidyFraction(text)} ` +
    `ELSE ${text} END`;
  // Negative zero prints as -0.0; nobody means that.
  return `regexp_replace(${rendered}, '^-0$', '0')`;
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

/** SQL rendering a column of the given DuckDB type as VARCHAR text, by the rules above. */
export function castToTextSql(expr: string, duckType: string): string {
  const type = duckType.trim().toUpperCase();
  if (type === 'VARCHAR' || type.startsWith('VARCHAR(')) return expr;
  if (INTEGER_TYPES.has(type) || type === 'BOOLEAN' || type === 'UUID' || type === 'DATE' || type === 'TIME' || type === 'INTERVAL') {
    return `CAST(${expr} AS VARCHAR)`;
  }
  if (type === 'FLOAT' || type === 'DOUBLE' || type === 'REAL' || type.startsWith('DECIMAL')) return plainNumberSql(`CAST(${expr} AS VARCHAR)`);
  if (type === 'TIMESTAMP WITH TIME ZONE' || type === 'TIMESTAMPTZ') {
    return `replace(CAST(timezone('UTC', ${expr}) AS VARCHAR), ' ', 'T') || 'Z'`;
  }
  if (type.startsWith('TIMESTAMP') || type === 'DATETIME') return `replace(CAST(${expr} AS VARCHAR), ' ', 'T')`;
  // Binary columns written without a string annotation usually hold text; fall back to hex when not UTF-8.
  if (type === 'BLOB' || type === 'BYTEA') return `coalesce(try(decode(${expr})), hex(${expr}))`;
  if (type === 'JSON') return jsonToTextSql(expr);
  if (/^(STRUCT|MAP|UNION)\b/.test(type) || type.endsWith(']')) return `CAST(to_json(${expr}) AS VARCHAR)`;
  return `CAST(${expr} AS VARCHAR)`;
}

/**
 * For a JSON-typed column: strings unquoted and unescaped, numbers as written (big integers keep every digit)
 * but without exponent or trailing `.0`, booleans as true/false, JSON null as NULL, objects and arrays as JSON.
 */
export function jsonToTextSql(expr: string): string {
  return (
    `CASE json_type(${expr}) WHEN 'VARCHAR' THEN ${expr} ->> '$' WHEN 'NULL' THEN NULL ` +
    `WHEN 'DOUBLE' THEN ${plainNumberSql(`CAST(${expr} AS VARCHAR)`)} ` +
    `ELSE CAST(${expr} AS VARCHAR) END`
  );
}
