import type { DateFormat, PlatformAudience, UploadMode } from '../api/types';

/** Step 2: where the dataset goes. */
export interface DefineState {
  audienceName: string;
  /** '' until one is chosen. */
  destinationId: string;
  audienceChoice: 'new' | 'existing';
  existingAudience: PlatformAudience | null;
  mode: UploadMode;
  /** ISO 3166-1 alpha-2, or ''. */
  defaultCountry: string;
}

export const INITIAL_DEFINE: DefineState = {
  audienceName: '',
  destinationId: '',
  audienceChoice: 'new',
  existingAudience: null,
  mode: 'append',
  defaultCountry: '',
};

/** Step 3: which column is which identifier. */
export interface ColumnsState {
  /** `${datasetId}:${platform}`: the dataset and platform this mapping was made for. */
  key: string;
  /** column name -> identifier type, or '' for "Not used". */
  mapping: Record<string, string>;
  source: 'saved' | 'suggested';
  savedAt: string | null;
  dateFormat: '' | DateFormat;
  saveMapping: boolean;
}

export const MODE_HELP: Record<UploadMode, string> = {
  append: 'Add these people to the audience; nobody is removed.',
  remove: 'Remove these people from the audience.',
  replace: 'The audience ends up holding exactly this list (everyone else is removed).',
  mirror: 'Like replace, but sends only what changed since the last mirror of this audience.',
};

export const DATE_FORMATS: { value: DateFormat; label: string }[] = [
  { value: 'YMD', label: 'Year, month, day (1990-04-03)' },
  { value: 'MDY', label: 'Month, day, year (04/03/1990)' },
  { value: 'DMY', label: 'Day, month, year (03/04/1990)' },
];

export function mappingList(mapping: Record<string, string>): { column: string; type: string }[] {
  return Object.entries(mapping)
    .filter(([, type]) => type !== '')
    .map(([column, type]) => ({ column, type }));
}

/** A country code the user typed, upper-cased; '' when empty. */
export function normalizeCountry(value: string): string {
  return value.trim().toUpperCase();
}

export function isCountryCode(value: string): boolean {
  return /^[A-Z]{2}$/.test(value);
}

let regionNames: Intl.DisplayNames | null | undefined;

/** "US" -> "United States", when the browser knows it. */
export function countryName(code: string): string | null {
  if (!isCountryCode(code)) return null;
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    const name = regionNames?.of(code);
    return name && name !== code ? name : null;
  } catch {
    return null;
  }
}
