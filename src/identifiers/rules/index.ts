export { emailGoogleRule, emailRule, emailTiktokRule } from './email.js';
export { CALLING_CODE_PLANS, COUNTRY_PHONE_PLANS, normalizePhoneDigits, phoneE164Rule, phonePlanRows, phoneRule, type PhonePlan } from './phone.js';
export { maidRule } from './maid.js';
export { cityRule, firstInitialRule, nameGoogleRule, nameRule } from './name.js';
export { COUNTRY_KEYS, US_STATE_KEYS, countryRule, stateRule, zipRule } from './region.js';
export { dobDayRule, dobMonthRule, dobRule, dobYearRule, parseDateOfBirth } from './dob.js';
export { FEMALE_SYNONYMS, MALE_SYNONYMS, genderRule } from './gender.js';
export { externIdRule } from './extern-id.js';
export { MIXED_MIN_SHARE, detectPrehashed, prehashedRule, type PrehashedDetection } from './prehashed.js';
