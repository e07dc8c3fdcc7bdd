import type { Dataset, DateFormat, PlatformAudience, UploadMode } from '../api/types';

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

// ---- Keeping the wizard across navigation ------------------------------------------------------------------------

/** sessionStorage key of the wizard's state: it survives leaving the page (and reloading it) in the same tab only. */
export const WIZARD_STORAGE_KEY = 'au-wizard';

/** What the wizard keeps; `v` changes when the shape does, so an older tab's state is dropped rather than misread. */
export interface SavedWizard {
  v: 1;
  /** 0..3: the monitor is its own page. */
  step: number;
  selected: string[];
  dataset: Dataset | null;
  define: DefineState;
  columns: ColumnsState | null;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The saved state, checked enough that a stale or hand-edited value cannot break the wizard; null when none. */
export function readSavedWizard(): SavedWizard | null {
  let value: unknown;
  try {
    const raw = window.sessionStorage.getItem(WIZARD_STORAGE_KEY);
    if (!raw) return null;
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isObject(value) || value.v !== 1) return null;
  const selected = Array.isArray(value.selected) ? value.selected.filter((key): key is string => typeof key === 'string') : [];
  const dataset =
    isObject(value.dataset) && typeof value.dataset.id === 'number' && Array.isArray(value.dataset.keys) && Array.isArray(value.dataset.columns)
      ? (value.dataset as unknown as Dataset)
      : null;
  const define: DefineState = { ...INITIAL_DEFINE, ...(isObject(value.define) ? (value.define as Partial<DefineState>) : {}) };
  const columns =
    isObject(value.columns) && typeof value.columns.key === 'string' && isObject(value.columns.mapping)
      ? (value.columns as unknown as ColumnsState)
      : null;
  const step = typeof value.step === 'number' && Number.isInteger(value.step) && value.step >= 0 && value.step <= 3 ? value.step : 0;
  // every later step works on the dataset: without it, start from the files
  return { v: 1, step: dataset ? step : 0, selected, dataset, define, columns };
}

/** Saves the wizard's state; one that holds nothing yet is removed instead, so a fresh wizard leaves nothing behind. */
export function saveWizard(state: Omit<SavedWizard, 'v'>): void {
  const pristine =
    state.step === 0 &&
    state.selected.length === 0 &&
    state.dataset === null &&
    state.columns === null &&
    (Object.keys(INITIAL_DEFINE) as (keyof DefineState)[]).every((field) => state.define[field] === INITIAL_DEFINE[field]);
  try {
    if (pristine) window.sessionStorage.removeItem(WIZARD_STORAGE_KEY);
    else window.sessionStorage.setItem(WIZARD_STORAGE_KEY, JSON.stringify({ v: 1, ...state } satisfies SavedWizard));
  } catch {
    // storage full or turned off: the wizard still works, it just does not survive leaving the page
  }
}

export function clearSavedWizard(): void {
  try {
    window.sessionStorage.removeItem(WIZARD_STORAGE_KEY);
  } catch {
    // nothing to clear when storage is turned off
  }
}
