import { describe, expect, it } from 'vitest';
import { cleanColumnNames, headerLooksLikeData, layoutFromSniff, rejectReason } from './csv.js';
import { classifyContent, formatFromName, hasMixedNewlines, headStats, looksLikeJson } from './detect.js';
import { engineErrorFacts, wrapEngineError } from './engine-errors.js';
import { estimateTextRows } from './open.js';
import { isBookkeepingName } from './resolve.js';
import type { SourceFile } from './types.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('formatFromName', () => {
  it.each([
    ['a.csv', 'csv', false],
    ['dir/A.CSV.GZ', 'csv', true],
    ['x.tsv', 'csv', false],
    ['x.jsonl.gz', 'json', true],
    ['x.ndjson', 'json', false],
    ['x.json', 'json', false],
    ['part-00000-abc.snappy.parquet', 'parquet', false],
    ['part-00000-abc.c000', undefined, false],
    ['part-00000.gz', undefined, true],
    ['data.txt', undefined, false],
  ])('%s', (name, format, gzip) => {
    expect(formatFromName(name)).toEqual(format ? { format, gzip } : { gzip });
  });
});

describe('classifyContent', () => {
  it.each([
    ['gzip', [0x1f, 0x8b, 8, 0], 'gzip'],
    ['parquet', [...bytes('PAR1'), 0, 0], 'parquet'],
    ['zip', [0x50, 0x4b, 3, 4, 0], 'archive'],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd], 'archive'],
    ['utf-16 be', [0xfe, 0xff, 0, 0x61], 'utf16be'],
    ['binary', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d], 'binary'],
    ['blank', [...bytes('  \n\n ')], 'blank'],
  ])('%s', (_label, head, kind) => {
    expect(classifyContent(Uint8Array.from(head)).kind).toBe(kind);
  });

  it('tells CSV, JSON lines, JSON arrays and documents apart', () => {
    expect(classifyContent(bytes('email,phone\na@example.test,1\n'))).toMatchObject({ kind: 'text', format: 'csv', encoding: 'utf-8' });
    expect(classifyContent(bytes('\uFEFFemail;phone\n'))).toMatchObject({ kind: 'text', format: 'csv' });
    expect(classifyContent(bytes('{"a":1}\n{"a":2}\n'))).toMatchObject({ format: 'json', jsonLayout: 'lines' });
    expect(classifyContent(bytes(' [\n {"a":1}\n]'))).toMatchObject({ format: 'json', jsonLayout: 'array' });
    expect(classifyContent(bytes('{\n  "a": 1\n}\n'))).toMatchObject({ format: 'json', jsonLayout: 'document' });
  });

  it('reads UTF-16 LE with a BOM as text and flags UTF-16 without one', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('id,email\n1,a@example.test\n', 'utf16le')]);
    expect(classifyContent(utf16)).toMatchObject({ kind: 'text', format: 'csv', encoding: 'utf-16' });
    expect(classifyContent(Buffer.from('id,email\n1,a@example.test\n', 'utf16le'))).toEqual({ kind: 'binary', utf16WithoutBom: true });
  });
});

describe('looksLikeJson', () => {
  it.each([
    ['{"a": 1}', true],
    ['{ }', true],
    ['[{"a":1}]', true],
    ['[]', true],
    ['[ "x" ]', true],
    ['[id],[email]', false],
    ['{id};{email}', false],
    ['email,phone', false],
  ])('%s', (text, expected) => {
    expect(looksLikeJson(text)).toBe(expected);
  });
});

describe('headStats', () => {
  it('counts complete lines of a partial head, and every line of a whole file', () => {
    expect(headStats('a,b\n1,2\n3,', 10, false)).toEqual({ bytes: 8, records: 2, complete: false });
    expect(headStats('a,b\n1,2\n3,4', 11, true)).toEqual({ bytes: 11, records: 3, complete: true });
  });
  it('counts concatenated (pretty-printed) JSON documents, not their lines', () => {
    expect(headStats('{\n  "a": {"b": 1}\n}\n{\n  "a": 2\n}\n', 32, true, 'document').records).toBe(2);
  });
  it('counts top-level records of a JSON array, ignoring braces in strings', () => {
    expect(headStats('[{"a":"}{"},{"a":{"b":1}},{"a', 30, false, 'array').records).toBe(2);
  });
});

describe('hasMixedNewlines', () => {
  it.each([
    ['a,b\n1,2\n', false],
    ['a,b\r\n1,2\r\n', false],
    ['a,b\r\n1,"x\ny"\r\n', false],
    ['a,b\r\n1,2\n3,4\r\n', true],
    ['a\n1\r\n', true],
  ])('%j -> %s', (text, expected) => {
    expect(hasMixedNewlines(text)).toBe(expected);
  });
});

describe('estimateTextRows', () => {
  const base: SourceFile = { path: 'x.csv', bytes: 1000, format: 'csv', compression: 'none', encoding: 'utf-8' };
  it('counts lines when the whole file was seen', () => {
    expect(estimateTextRows({ ...base, head: { bytes: 1000, records: 11, complete: true } }, 1)).toEqual({ rows: 10, counted: true });
  });
  it('uses verified gzip newline counts', () => {
    expect(estimateTextRows({ ...base, compression: 'gzip', newlines: 501, head: { bytes: 10, records: 1, complete: false } }, 1)).toEqual({ rows: 500, counted: true });
  });
  it('scales by bytes otherwise', () => {
    expect(estimateTextRows({ ...base, bytes: 100_000, head: { bytes: 1000, records: 10, complete: false } }, 1)).toEqual({ rows: 999, counted: false });
  });
});

describe('isBookkeepingName', () => {
  it.each([
    ['_SUCCESS', true],
    ['_metadata', true],
    ['_committed_123', true],
    ['.part-00000.csv.crc', true],
    ['part-00000.csv.crc', true],
    ['.DS_Store', true],
    ['query.csv.metadata', true],
    ['part-00000.csv', false],
    ['part-00000-abc.c000.snappy.parquet', false],
  ])('%s', (name, expected) => {
    expect(isBookkeepingName(name)).toBe(expected);
  });
});

describe('CSV layout helpers', () => {
  it.each([
    [['email', 'phone'], false],
    [['user1@example.test', 'Ava'], true],
    [['15551234567', 'x'], true],
    [['+1 (555) 123-4567'], true],
    [['a'.repeat(64)], true],
    [['f81d4fae-7dec-11d0-a765-00a0c91e6bf6'], true],
    [['1990-05-17'], true],
    [['customer id', 'zip5'], false],
  ])('headerLooksLikeData(%j) = %s', (names, expected) => {
    expect(headerLooksLikeData(names)).toBe(expected);
  });

  it('cleans header names: trims, fills blanks by position, dedupes case-insensitively', () => {
    expect(cleanColumnNames([' email ', 'Email', '', 'x', 'x'])).toEqual(['email', 'Email_1', 'column2', 'x', 'x_1']);
  });

  it('defaults to standard quoting when the sample had no quotes', () => {
    const layout = layoutFromSniff({ delim: ',', quote: '(empty)', escape: '(empty)', comment: '(empty)', skip: 0n, header: true, columns: [{ name: 'email', type: 'VARCHAR' }] });
    expect(layout).toEqual({ delim: ',', quote: '"', escape: '"', comment: '', skip: 0, header: true, columns: ['email'] });
  });

  it('treats a data-looking first row as data', () => {
    const layout = layoutFromSniff({ delim: ',', quote: '"', escape: '"', comment: '(empty)', skip: 0, header: true, columns: [{ name: 'user1@example.test', type: 'VARCHAR' }, { name: 'Ava', type: 'VARCHAR' }] });
    expect(layout.header).toBe(false);
    expect(layout.columns).toEqual(['column0', 'column1']);
  });

  it.each([
    ['TOO MANY COLUMNS', 'too_many_fields'],
    ['MISSING COLUMNS', 'too_few_fields'],
    ['INVALID ENCODING', 'invalid_encoding'],
    ['INVALID UNICODE', 'invalid_encoding'],
    ['UNQUOTED VALUE', 'bad_quoting'],
    ['LINE SIZE OVER MAXIMUM', 'line_too_long'],
    ['CAST', 'unreadable'],
  ])('rejectReason(%s)', (type, reason) => {
    expect(rejectReason(type)).toBe(reason);
  });
});

describe('engine error wrapping', () => {
  const csvError = [
    'Invalid Input Error: CSV Error on Line: 5',
    'Original Line: 3,jane.doe@example.test,15551234567',
    'Expected Number of Columns: 3 Found: 4',
    '',
    '  file = exports/part-1.csv',
    '  delimiter = , (Auto-Detected)',
  ].join('\n');

  it('keeps file and line, drops the offending line', () => {
    const facts = engineErrorFacts(csvError);
    expect(facts).toMatchObject({ code: 'AU_INPUT_RAGGED', file: 'exports/part-1.csv', line: 5 });
    const wrapped = wrapEngineError(new Error(csvError), ['exports/part-1.csv', 'exports/part-2.csv']);
    expect(wrapped.message).toBe('exports/part-1.csv (line 5): a row has a different number of fields than the header');
    expect(wrapped.message).not.toMatch(/jane|1555/);
    expect(JSON.stringify(wrapped.details)).not.toMatch(/jane|1555/);
    expect(wrapped.cause).toBeUndefined();
  });

  it.each([
    ['Invalid Input Error: Malformed JSON in file "a.jsonl", at byte 10 in line 3: unexpected character.', 'AU_INPUT_UNREADABLE', 'a.jsonl', 3],
    ['Invalid Input Error: No magic bytes found at end of file \'x.parquet\'', 'AU_INPUT_CORRUPT', 'x.parquet', undefined],
    ['IO Error: Input is not a GZIP stream: data.csv.gz', 'AU_INPUT_FORMAT', 'data.csv.gz', undefined],
    ['IO Error: No files found that match the pattern "gone.csv"', 'AU_INPUT_NOT_FOUND', undefined, undefined],
  ])('%s', (message, code, file, line) => {
    const facts = engineErrorFacts(message);
    expect(facts.code).toBe(code);
    expect(facts.file).toBe(file);
    expect(facts.line).toBe(line);
  });

  it('never repeats quoted cell values', () => {
    const wrapped = wrapEngineError(new Error("Conversion Error: Could not convert string 'jane@example.test' to INT64"), ['in.csv']);
    expect(wrapped.message).toBe('in.csv: input cannot be read');
  });
});
