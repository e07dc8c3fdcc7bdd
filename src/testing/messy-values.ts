/**
 * Seeded generators of messy identifier values, for table tests and the SQL-vs-TypeScript cross-checks: valid
 * values in many spellings, whitespace of every kind, case changes, spreadsheet placeholders, junk, rare Unicode
 * (final sigma, Turkish dotted I, code points newer than DuckDB's Unicode tables), too short and too long values.
 * Everything is made up: names come from short lists of common given names, domains are reserved, numbers are
 * random digits.
 */

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  hex(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
}

/** Whitespace JavaScript's trim removes (and RE2's \s mostly does not know), plus look-alikes it keeps. */
export const WHITESPACE = [' ', '  ', '\t', '\n', '\r\n', '\v', '\f', '\u00A0', '\u2003', '\u2009', '\u202F', '\u3000', '\uFEFF', '\u1680', '\u2028'];
const NOT_WHITESPACE = ['\u200B', '\u200E', '\u200F', '\u2060', '\u180E'];
export const PLACEHOLDERS = ['', ' ', 'nan', 'NaN', 'None', 'NULL', 'null', 'n/a', 'N/A', '#N/A', 'NA', 'undefined', 'nil', '-', '--', '?'];
/** Characters that trip up case mapping, normalization or regular expressions. */
export const TRICKY_CHARS = [
  'Σ', 'σ', 'ς', 'İ', 'ı', 'ß', 'ẞ', 'ﬁ', 'K' /* Kelvin */, 'Å' /* Angstrom */, '\u0301', '\u0308', 'é', 'e\u0301', 'Ǆ', 'ǅ',
  '😀', '🇺🇸', '\u{1D49C}', '٣', '５', 'Ａ', '\u0001', '\u001F', '\u007F', '\u0085', '\u00AD', '\u200D',
  '\u1C89', '\uA7CB', '\u{10D50}', '\u{10D70}', '\u{16EA0}', '\u{11380}', '\u{1E5D0}', '\u088F',
  '"', "'", '’', ',', ';', '<', '>', '@', '.', '+', '-', '_', '/', '\\', '(', ')', '#', '%', '&', '*', '=',
];
const ASCII_PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

export function pad(rng: Rng, value: string): string {
  const left = rng.chance(0.3) ? rng.pick(WHITESPACE) : '';
  const right = rng.chance(0.3) ? rng.pick(WHITESPACE) : '';
  return left + value + right;
}

export function recase(rng: Rng, value: string): string {
  const r = rng.float();
  if (r < 0.2) return value.toUpperCase();
  if (r < 0.35) return value.toLowerCase();
  if (r < 0.45) return [...value].map((ch) => (rng.chance(0.5) ? ch.toUpperCase() : ch.toLowerCase())).join('');
  return value;
}

/** Inserts, replaces or deletes a random character. */
export function mutate(rng: Rng, value: string): string {
  const chars = [...value];
  const at = rng.int(0, chars.length);
  const ch = rng.chance(0.5) ? rng.pick(TRICKY_CHARS) : rng.chance(0.5) ? rng.pick(ASCII_PRINTABLE) : rng.pick(NOT_WHITESPACE);
  const op = rng.int(0, 2);
  if (op === 0) chars.splice(at, 0, ch);
  else if (op === 1) chars.splice(at, 1, ch);
  else chars.splice(at, 1);
  return chars.join('');
}

export function junk(rng: Rng): string {
  const n = rng.int(1, 12);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.chance(0.7) ? rng.pick(ASCII_PRINTABLE) : rng.pick(TRICKY_CHARS);
  return s;
}

/** Wraps a generator of good values with the usual mess: placeholders, junk, mutations, case and padding. */
function messy(rng: Rng, good: () => string, bad: () => string): string | null {
  const r = rng.float();
  if (r < 0.02) return null;
  if (r < 0.07) return pad(rng, rng.pick(PLACEHOLDERS));
  if (r < 0.1) return junk(rng);
  if (r < 0.22) return pad(rng, bad());
  let value = good();
  if (rng.chance(0.12)) value = mutate(rng, value);
  if (rng.chance(0.3)) value = recase(rng, value);
  return pad(rng, value);
}

/* -------------------------------------------------------------------------------------------- per identifier */

const GIVEN_NAMES = [
  'Mary', 'Valéry', 'José', 'Zoë', 'Anne-Marie', "D'Arcy", 'Jürgen', 'Chloé', 'Søren', 'Ana', 'Élodie', 'Jean Luc', 'Mary-Kate', "O'Neil",
  'ΟΔΥΣΣΕΑΣ', 'Νίκος', 'ΝΙΚΟΣ', 'Ιωάννης', 'İsmail', 'IŞIK', 'Владимир', 'Анна', '李', '山田', '김민준', 'محمد', 'דוד', 'Nguyễn', 'Zoe\u0308',
  'Łukasz', 'Ørjan', 'Đorđe', 'Şule', 'Ægir', 'Þóra', 'Mary2', 'J.', 'A', 'ΣΑΣ', 'ΛΑΣ-ΒΕΓΑΣ',
];
const CITIES = ['New York', 'São Paulo', 'St. Louis', 'Köln', 'Zürich', "L'Aquila", 'Αθήνα', 'ΚΩΣ', 'İstanbul', '東京', 'Winston-Salem', 'Saint-Étienne', 'Montréal', 'Kraków', 'Reykjavík', 'New York City'];
const DOMAINS = ['example.com', 'example.test', 'mail.example.org', 'corp.example.net', 'gmail.com', 'googlemail.com', 'bücher.example', 'παράδειγμα.δοκιμή', 'example.co.uk'];

export function messyEmail(rng: Rng): string | null {
  const local = () => {
    const base = rng.pick(['mary', 'jane.doe', 'j.smith', 'user', 'ΣΑΣ', 'josé', 'test.user']) + (rng.chance(0.4) ? rng.digits(rng.int(1, 4)) : '');
    return rng.chance(0.3) ? `${base}+${rng.pick(['tag', 'news', 'x.y', ''])}` : base;
  };
  return messy(
    rng,
    () => `${local()}@${rng.pick(DOMAINS)}`,
    () => rng.pick([`${local()}`, `${local()}@@example.com`, `${local()} x@example.com`, `${local()}@example`, `${local()}@example.c`, `${local()}@-example.com`, `"${local()}"@example.com`, `${local()}@example.com.`, `@example.com`, `${local()}@exa mple.com`]),
  );
}

/** Countries the phone generator knows how to write numbers for, with a typical national length and prefix. */
const PHONE_COUNTRIES: readonly { country: string; cc: string; len: number; trunk: string; first: string }[] = [
  { country: 'US', cc: '1', len: 10, trunk: '1', first: '2345689' },
  { country: 'CA', cc: '1', len: 10, trunk: '1', first: '2456789' },
  { country: 'GB', cc: '44', len: 10, trunk: '0', first: '127' },
  { country: 'DE', cc: '49', len: 10, trunk: '0', first: '123456789' },
  { country: 'FR', cc: '33', len: 9, trunk: '0', first: '1234679' },
  { country: 'AM', cc: '374', len: 8, trunk: '0', first: '1234789' },
  { country: 'IN', cc: '91', len: 10, trunk: '0', first: '6789' },
  { country: 'RU', cc: '7', len: 10, trunk: '8', first: '3489' },
  { country: 'IT', cc: '39', len: 10, trunk: '', first: '03' },
  { country: 'AU', cc: '61', len: 9, trunk: '0', first: '2378' },
  { country: 'BR', cc: '55', len: 11, trunk: '0', first: '1234' },
  { country: 'JP', cc: '81', len: 10, trunk: '0', first: '3679' },
  { country: 'MX', cc: '52', len: 10, trunk: '', first: '2345' },
  { country: 'HU', cc: '36', len: 9, trunk: '06', first: '1237' },
];
export const PHONE_ROW_COUNTRIES = [null, null, 'US', 'GB', 'United Kingdom', 'Germany', 'fr', 'AM', 'Armenia', 'India', 'RU', 'IT', 'AQ', 'XX', 'nan', 'United States', 'HU', 'JP', 'Brasil'];

export function messyPhone(rng: Rng): string | null {
  const c = rng.pick(PHONE_COUNTRIES);
  const national = () => rng.pick([...c.first]) + rng.digits(c.len - 1 + rng.pick([0, 0, 0, 0, -1, 1, -3, 3]));
  const group = (digits: string) => {
    const sep = rng.pick([' ', '-', '.', '', ' ', '/']);
    return digits.replace(/(\d{3})(?=\d{3,})/g, `$1${sep}`);
  };
  return messy(
    rng,
    () => {
      const n = national();
      switch (rng.int(0, 8)) {
        case 0:
          return `+${c.cc} ${group(n)}`;
        case 1:
          return `00${c.cc} ${group(n)}`;
        case 2:
          return `${c.trunk}${group(n)}`;
        case 3:
          return `+${c.cc} (${c.trunk || '0'}) ${group(n)}`;
        case 4:
          return `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`;
        case 5:
          return `${c.cc}${n}`; // a numeric column
        case 6:
          return `+${c.cc}${n}`;
        case 7:
          return n;
        default:
          return `(+${c.cc}) ${group(n)}`;
      }
    },
    () =>
      rng.pick([
        `${national()} ext. ${rng.digits(3)}`,
        `tel:+${c.cc}${national()}`,
        rng.digits(rng.int(1, 6)),
        rng.digits(rng.int(16, 20)),
        `+${rng.pick(['0', '28', '999', '80', '42'])}${rng.digits(9)}`,
        `++${c.cc}${national()}`,
        `${national()}+`,
        `${c.cc}-${national()}x`,
        '+',
        '()',
        `１２３${rng.digits(7)}`,
        `${rng.digits(3)}_${rng.digits(7)}`,
      ]),
  );
}

export function messyMaid(rng: Rng): string | null {
  const uuid = () => `${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`;
  return messy(
    rng,
    () => rng.pick([uuid(), uuid(), uuid().toUpperCase(), uuid().replaceAll('-', ''), '00000000-0000-0000-0000-000000000000']),
    () => rng.pick([`{${uuid()}}`, uuid().slice(0, 35), `${uuid()}0`, uuid().replace(/[a-f]/, 'g'), uuid().replace('-', ' '), rng.hex(31), rng.hex(33), '0'.repeat(32), uuid().replaceAll('-', '_')]),
  );
}

export function messyName(rng: Rng): string | null {
  return messy(
    rng,
    () => {
      const name = rng.pick(GIVEN_NAMES);
      return rng.chance(0.1) ? name.normalize('NFD') : name;
    },
    () => rng.pick(['123', '!!!', '---', '.', '😀', `${rng.pick(GIVEN_NAMES)} 3rd`, 'Mr. Smith', '\u0301\u0301', '٣٤', '_']),
  );
}

export function messyCity(rng: Rng): string | null {
  return messy(rng, () => (rng.chance(0.1) ? rng.pick(CITIES).normalize('NFD') : rng.pick(CITIES)), () => rng.pick(['12345', '###', '.', '', '🏙️', 'Apt 5']));
}

const STATES = ['New York', 'NY', 'ny', 'N.Y.', 'California', 'CA', 'Calif', 'Washington DC', 'Washington, D.C.', 'District of Columbia', 'Texas', 'tx', 'Puerto Rico', 'Bavaria', 'Bayern', 'Île-de-France', 'Ontario', 'ON', 'Nueva York', 'Κρήτη', 'NSW', 'Greater London', 'XX', 'Narnia', 'New York State', 'Armed Forces Europe'];
export const REGION_ROW_COUNTRIES = [null, null, 'US', 'US', 'USA', 'United States', 'GB', 'Canada', 'DE', 'FR', 'PR', 'JE', 'Australia', 'XX', 'Greece'];

export function messyState(rng: Rng): string | null {
  return messy(rng, () => rng.pick(STATES), () => rng.pick(['12', '!!', '.', '😀', 'N/Y', '—']));
}

export function messyZip(rng: Rng): string | null {
  return messy(
    rng,
    () =>
      rng.pick([
        rng.digits(5),
        `${rng.digits(5)}-${rng.digits(4)}`,
        rng.digits(9),
        rng.digits(4),
        'M1 1AE',
        'SW1A 1AA',
        'sw1a1aa',
        'EC1A 1BB',
        'M1',
        'B33 8TH',
        '10115',
        '75008',
        '1011 AB',
        'K1A 0B1',
        '100-0001',
        'SE-123 45',
        `${rng.digits(5)} ${rng.digits(4)}`,
      ]),
    () => rng.pick(['ZIP', '!!', '1', 'ＭＩ', 'K1A', '12345678901', 'M1 1AE 1', '#12345', 'n°75008']),
  );
}

const COUNTRY_SPELLINGS = [
  'US', 'us', 'USA', 'U.S.A.', 'U.S.', 'United States', 'united states', 'UNITED STATES OF AMERICA', 'The United States', 'America',
  'GB', 'UK', 'U.K.', 'United Kingdom', 'Great Britain', 'England', 'Scotland', 'Deutschland', 'Germany', 'DEU', 'Allemagne',
  'France', 'FRA', 'fr', 'España', 'Espagne', 'Spain', 'Italia', 'Brasil', 'Brazil', 'México', 'Mexico', 'Türkiye', 'Turkey',
  "Côte d'Ivoire", 'Cote d’Ivoire', 'Ivory Coast', 'Congo', 'DRC', 'South Korea', 'Korea', 'Korea, Republic of', 'Holland',
  'Netherlands', 'The Netherlands', 'Nederland', 'Schweiz', 'Suisse', 'Österreich', 'Armenia', 'Hayastan', 'India', 'IN', 'IND',
  'Japan', 'JP', 'Narnia', 'XX', 'ZZ', 'Antarctica', 'AQ', 'Kosovo', 'Micronesia', 'Moldova', 'Virgin Islands', '🇺🇸', 'Россия', '日本',
];

export function messyCountry(rng: Rng): string | null {
  return messy(rng, () => rng.pick(COUNTRY_SPELLINGS), () => rng.pick(['1', 'U', 'Untied States', 'Europe', 'EU', '!!', 'N.A.', 'Earth']));
}

function randomDateParts(rng: Rng): { y: number; m: number; d: number } {
  return { y: rng.chance(0.8) ? rng.int(1930, 2024) : rng.int(1850, 2100), m: rng.chance(0.95) ? rng.int(1, 12) : rng.int(0, 13), d: rng.chance(0.9) ? rng.int(1, 28) : rng.int(0, 32) };
}
const two = (n: number) => String(n).padStart(2, '0');

function formatDate(rng: Rng, { y, m, d }: { y: number; m: number; d: number }): string {
  const [mm, dd] = rng.chance(0.7) ? [two(m), two(d)] : [String(m), String(d)];
  switch (rng.int(0, 11)) {
    case 0:
      return `${y}-${two(m)}-${two(d)}`;
    case 1:
      return `${y}${two(m)}${two(d)}`;
    case 2:
      return `${y}/${mm}/${dd}`;
    case 3:
      return `${y}-${two(m)}-${two(d)}T${two(rng.int(0, 23))}:${two(rng.int(0, 59))}:00${rng.pick(['', 'Z', '.000Z', '+02:00', '-0500'])}`;
    case 4:
      return `${y}-${two(m)}-${two(d)} 00:00:00`;
    case 5:
      return `${mm}/${dd}/${y}`;
    case 6:
      return `${dd}/${mm}/${y}`;
    case 7:
      return `${dd}.${mm}.${y}`;
    case 8:
      return `${dd}-${mm}-${y}`;
    case 9:
      return `${mm}/${dd}/${y} ${rng.int(1, 12)}:00 ${rng.pick(['AM', 'PM', 'am'])}`;
    case 10:
      return `${mm}/${dd}/${String(y).slice(2)}`;
    default:
      return rng.pick([`${d} May ${y}`, `May ${d}, ${y}`, `${y}.${mm}.${dd}`, `${y}-${mm}`, `${y}`]);
  }
}

export function messyDob(rng: Rng): string | null {
  return messy(rng, () => formatDate(rng, randomDateParts(rng)), () => rng.pick(['1990-02-30', '31/31/1990', '00/00/0000', '1990-13-01', 'yesterday', '1990--05-17', '19900230', '2/29/1900', '2/29/2000']));
}

const MONTH_SPELLINGS = ['January', 'jan', 'Jan.', 'FEB', 'March', 'Mar', 'Sept', 'Sept.', 'sep', 'December', 'Dez', 'März', 'Mai', 'june'];

export function messyDobYear(rng: Rng): string | null {
  return messy(rng, () => (rng.chance(0.6) ? String(randomDateParts(rng).y) : formatDate(rng, randomDateParts(rng))), () => rng.pick(['90', '19990', 'year', '0000', '1899', '2999']));
}

export function messyDobMonth(rng: Rng): string | null {
  return messy(
    rng,
    () => {
      const r = rng.float();
      if (r < 0.4) return rng.chance(0.5) ? String(rng.int(0, 13)) : two(rng.int(0, 13));
      if (r < 0.7) return rng.pick(MONTH_SPELLINGS);
      return formatDate(rng, randomDateParts(rng));
    },
    () => rng.pick(['123', 'Ma', 'month', '1.5', '-1']),
  );
}

export function messyDobDay(rng: Rng): string | null {
  return messy(
    rng,
    () => (rng.chance(0.6) ? (rng.chance(0.5) ? String(rng.int(0, 32)) : two(rng.int(0, 32))) : formatDate(rng, randomDateParts(rng))),
    () => rng.pick(['123', 'first', '1st', '-1', '7.0']),
  );
}

const GENDERS = ['m', 'M', 'male', 'Male', 'MAN', 'f', 'F', 'female', 'Woman', 'homme', 'Femme', 'masculino', 'Femenino', 'Männlich', 'weiblich', 'W', 'FÉMININ', 'M.', 'f.', 'other', 'x', 'u', 'unknown', '1', '2', 'H', 'd', 'non-binary'];

export function messyGender(rng: Rng): string | null {
  return messy(rng, () => rng.pick(GENDERS), () => rng.pick(['0', 'mf', 'fem ale', '♂', '♀']));
}

export function messyExternId(rng: Rng): string | null {
  return messy(
    rng,
    () => rng.pick([`CUST-${rng.digits(6)}`, rng.digits(rng.int(1, 12)), rng.hex(16), `${rng.hex(8)}-${rng.hex(4)}`, `user_${rng.digits(4)}@example.com`, `Ab Cd ${rng.digits(3)}`, rng.hex(63), rng.hex(65)]),
    () => rng.pick([`id\u0001x`, `a\tb`, `line\nbreak`, `del\u007F`, `c1\u0085`, rng.hex(64), rng.hex(64).toUpperCase()]),
  );
}

export function messyPrehashed(rng: Rng): string | null {
  return messy(
    rng,
    () => rng.pick([rng.hex(64), rng.hex(64).toUpperCase(), rng.hex(64)]),
    () => rng.pick([rng.hex(63), rng.hex(65), `0x${rng.hex(64)}`, rng.hex(64).replace(/[a-f]/, 'g'), `${rng.hex(32)} ${rng.hex(32)}`, 'user@example.com']),
  );
}

export type MessyKind =
  | 'email'
  | 'phone'
  | 'maid'
  | 'name'
  | 'city'
  | 'state'
  | 'zip'
  | 'country'
  | 'dob'
  | 'dobYear'
  | 'dobMonth'
  | 'dobDay'
  | 'gender'
  | 'externId'
  | 'prehashed';

const GENERATORS: Record<MessyKind, (rng: Rng) => string | null> = {
  email: messyEmail,
  phone: messyPhone,
  maid: messyMaid,
  name: messyName,
  city: messyCity,
  state: messyState,
  zip: messyZip,
  country: messyCountry,
  dob: messyDob,
  dobYear: messyDobYear,
  dobMonth: messyDobMonth,
  dobDay: messyDobDay,
  gender: messyGender,
  externId: messyExternId,
  prehashed: messyPrehashed,
};

/** `count` messy values of one kind; the same seed gives the same values. */
export function messyValues(kind: MessyKind, count: number, seed = 1): (string | null)[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => GENERATORS[kind](rng));
}

/** Row countries as a COUNTRY column would hold them (codes, names, junk, empty), drawn from `pool`. */
export function messyRowCountries(count: number, seed: number, pool: readonly (string | null)[]): (string | null)[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const c = rng.pick(pool);
    return c === null ? null : pad(rng, rng.chance(0.2) ? recase(rng, c) : c);
  });
}
