/**
 * Reads a batch file the transform wrote (DuckDB's CSV: comma-separated, fields quoted with `"` only when they
 * hold a comma, quote or newline, quotes doubled). Hashes never need quoting; raw EXTERN_IDs may.
 */
export function parseBatchCsv(text: string): { header: string[]; rows: string[][] } {
  // Almost every batch is hashes only: split and slice, which is some 30 times faster than the general parser
  // below and leaves flat strings that JSON.stringify copies cheaply.
  if (!text.includes('"')) {
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const records = lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line).split(','));
    const [header = [], ...rows] = records;
    return { header, rows };
  }
  return parseQuotedCsv(text);
}

function parseQuotedCsv(text: string): { header: string[]; rows: string[][] } {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endField = () => {
    record.push(field);
    field = '';
  };
  while (i < text.length) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += char;
      i++;
      continue;
    }
    if (char === '"' && field === '') quoted = true;
    else if (char === ',') endField();
    else if (char === '\n' || char === '\r') {
      endField();
      records.push(record);
      record = [];
      if (char === '\r' && text[i + 1] === '\n') i++;
    } else field += char;
    i++;
  }
  if (field !== '' || record.length > 0) {
    endField();
    records.push(record);
  }
  const [header = [], ...rows] = records;
  return { header, rows };
}
