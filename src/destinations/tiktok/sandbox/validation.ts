import { z } from 'zod';
import { TiktokApiError, TiktokCode } from './envelope.js';

/** TikTok caps file_paths per create/update call: "fewer than 50" (platforms.md section 3). */
export const MAX_FILE_PATHS = 49;
/** Largest page and largest id list the read endpoints take. */
export const MAX_PAGE_SIZE = 100;
export const MAX_AUDIENCE_IDS = 100;

const TYPE_NAMES: Record<string, string> = { string: 'string', number: 'integer', int: 'integer', array: 'list', object: 'object' };

/**
 * TikTok words parameter errors the way its validation library does ("advertiser_id: Missing data for required
 * field."), so the sandbox does too: the field first, then what is wrong with it.
 */
const tiktokWording: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'Missing data for required field.';
    return `Not a valid ${TYPE_NAMES[issue.expected] ?? issue.expected}.`;
  }
  return undefined;
};

const lengthBetween = (min: number, max: number) => `Length must be between ${min} and ${max}.`;
const rangeBetween = (min: number, max: number) =>
  `Must be greater than or equal to ${min} and less than or equal to ${max}.`;
const oneOf = (values: readonly string[]) => `Must be one of: ${values.join(', ')}.`;

const advertiserId = z.string().min(1, 'Field may not be empty.');
const filePaths = z.array(z.string()).min(1, lengthBetween(1, MAX_FILE_PATHS)).max(MAX_FILE_PATHS, lengthBetween(1, MAX_FILE_PATHS));
const audienceIds = z.array(z.string()).min(1, lengthBetween(1, MAX_AUDIENCE_IDS)).max(MAX_AUDIENCE_IDS, lengthBetween(1, MAX_AUDIENCE_IDS));
const UPDATE_ACTIONS = ['APPEND', 'REMOVE', 'REPLACE'] as const;

/** calculate_type is checked against the enum by hand: an unknown value is 40909, not a parameter error. */
export const createBody = z.object({
  advertiser_id: advertiserId,
  custom_audience_name: z.string().min(1, lengthBetween(1, 128)).max(128, lengthBetween(1, 128)),
  file_paths: filePaths,
  calculate_type: z.string(),
  retention_in_days: z.number().int(rangeBetween(1, 365)).min(1, rangeBetween(1, 365)).max(365, rangeBetween(1, 365)).optional(),
});

export const updateBody = z.object({
  advertiser_id: advertiserId,
  custom_audience_id: z.string().min(1, 'Field may not be empty.'),
  file_paths: filePaths,
  action: z.enum(UPDATE_ACTIONS, oneOf(UPDATE_ACTIONS)).default('REPLACE'),
});

export const deleteBody = z.object({
  advertiser_id: advertiserId,
  custom_audience_ids: audienceIds,
});

/** Query integers arrive as text; TikTok reads them as integers within a range. */
const queryInteger = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'Not a valid integer.')
    .transform(Number)
    .pipe(z.number().min(min, rangeBetween(min, max)).max(max, rangeBetween(min, max)))
    .default(fallback);

/** Array query values are JSON text: `custom_audience_ids=["123"]`. */
const jsonStringArray = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'Not a valid JSON list.' });
      return z.NEVER;
    }
  })
  .pipe(audienceIds);

export const listQuery = z.object({
  advertiser_id: advertiserId,
  page: queryInteger(1, Number.MAX_SAFE_INTEGER, 1),
  page_size: queryInteger(1, MAX_PAGE_SIZE, 10),
  custom_audience_ids: jsonStringArray.optional(),
});

export const getQuery = z.object({
  advertiser_id: advertiserId,
  custom_audience_ids: jsonStringArray,
});

/** Parses or throws code 40002 naming the first offending field. */
export function parseParameters<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const parsed = schema.safeParse(input ?? {}, { error: tiktokWording });
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const field = issue?.path.map(String).join('.') ?? '';
  const message = issue?.message ?? 'Invalid parameters.';
  throw new TiktokApiError(TiktokCode.parameterError, field ? `${field}: ${message}` : message);
}
