import { describe, expect, it } from 'vitest';
import { parseBatchCsv } from './batch-csv.js';

describe('parseBatchCsv', () => {
  it.each([
    ['EMAIL,PHONE\na,b\nc,\n', ['EMAIL', 'PHONE'], [['a', 'b'], ['c', '']]],
    ['EMAIL,PHONE\r\na,b\r\n', ['EMAIL', 'PHONE'], [['a', 'b']]],
    ['EXTERN_ID,EMAIL\n"id,with,commas",h\n', ['EXTERN_ID', 'EMAIL'], [['id,with,commas', 'h']]],
    ['EXTERN_ID\n"say ""hi"""\n', ['EXTERN_ID'], [['say "hi"']]],
    ['EXTERN_ID\n"two\nlines"\n', ['EXTERN_ID'], [['two\nlines']]],
    ['EMAIL\nlast-without-newline', ['EMAIL'], [['last-without-newline']]],
    ['', [], []],
  ])('%j', (text, header, rows) => {
    expect(parseBatchCsv(text)).toEqual({ header, rows });
  });
});
