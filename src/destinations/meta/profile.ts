import type { PlatformProfile } from '../profile.js';
import { emailRule } from '../../identifiers/rules/email.js';
import { phoneRule } from '../../identifiers/rules/phone.js';
import { maidRule } from '../../identifiers/rules/maid.js';
import { cityRule, firstInitialRule, nameRule } from '../../identifiers/rules/name.js';
import { countryRule, stateRule, zipRule } from '../../identifiers/rules/region.js';
import { dobDayRule, dobMonthRule, dobRule, dobYearRule } from '../../identifiers/rules/dob.js';
import { genderRule } from '../../identifiers/rules/gender.js';
import { externIdRule } from '../../identifiers/rules/extern-id.js';

/**
 * Meta customer-file custom audiences (Marketing API): multi-key rows, at most 10,000 per request.
 * Sources: ../../../../shared/platforms.md sections 2 and 4. MADID and EXTERN_ID are sent raw.
 */
export const metaProfile: PlatformProfile = {
  platform: 'meta',
  label: 'Meta custom audiences',
  identifiers: {
    EXTERN_ID: { rule: externIdRule, hashed: false, fields: [{ key: 'EXTERN_ID' }] },
    EMAIL: { rule: emailRule, hashed: true, fields: [{ key: 'EMAIL' }] },
    PHONE: { rule: phoneRule, hashed: true, fields: [{ key: 'PHONE' }] },
    GEN: { rule: genderRule, hashed: true, fields: [{ key: 'GEN' }] },
    DOB: {
      rule: dobRule,
      hashed: true,
      fields: [
        { key: 'DOBY', slice: { start: 1, length: 4 } },
        { key: 'DOBM', slice: { start: 5, length: 2 } },
        { key: 'DOBD', slice: { start: 7, length: 2 } },
      ],
    },
    DOBY: { rule: dobYearRule, hashed: true, fields: [{ key: 'DOBY' }] },
    DOBM: { rule: dobMonthRule, hashed: true, fields: [{ key: 'DOBM' }] },
    DOBD: { rule: dobDayRule, hashed: true, fields: [{ key: 'DOBD' }] },
    LN: { rule: nameRule, hashed: true, fields: [{ key: 'LN' }] },
    FN: { rule: nameRule, hashed: true, fields: [{ key: 'FN' }] },
    FI: { rule: firstInitialRule, hashed: true, fields: [{ key: 'FI' }] },
    CT: { rule: cityRule, hashed: true, fields: [{ key: 'CT' }] },
    ST: { rule: stateRule, hashed: true, fields: [{ key: 'ST' }] },
    ZIP: { rule: zipRule, hashed: true, fields: [{ key: 'ZIP' }] },
    IDFA: { rule: maidRule, hashed: false, fields: [{ key: 'MADID' }] },
    GAID: { rule: maidRule, hashed: false, fields: [{ key: 'MADID' }] },
    MAID: { rule: maidRule, hashed: false, fields: [{ key: 'MADID' }] },
    COUNTRY: { rule: countryRule, hashed: true, fields: [{ key: 'COUNTRY' }] },
  },
  output: {
    kind: 'multi-key',
    maxRowsPerBatch: 10_000,
    keyOrder: ['EXTERN_ID', 'EMAIL', 'PHONE', 'GEN', 'DOBY', 'DOBM', 'DOBD', 'LN', 'FN', 'FI', 'CT', 'ST', 'ZIP', 'MADID', 'COUNTRY'],
  },
};
