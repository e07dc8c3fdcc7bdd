export { createMasterKey, loadMasterKey, parseMasterKey, MASTER_KEY_ENV, MASTER_KEY_FILE, type LoadMasterKeyOptions, type MasterKey } from './master-key.js';
export { isSealedSecret, open, rewrap, seal, type SealedSecret } from './envelope.js';
export { describeCredentials, type CredentialFieldSpec, type CredentialView } from './redact.js';
