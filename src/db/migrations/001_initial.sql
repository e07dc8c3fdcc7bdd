-- Audience Uploader schema 1. Runs unchanged on PGlite (embedded) and PostgreSQL 13+.
-- Conventions: snake_case; bigint identity ids, except jobs (uuid: they appear in URLs, logs and queue payloads);
-- timestamptz; jsonb for structured values; the "actor" of an action is a user id as text, or 'cli',
-- 'dropzone', 'scheduler'. Never store raw identifiers (PII) or secrets in clear in any column.

CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email text NOT NULL,
  -- argon2id PHC string; NULL for accounts that only log in through OpenID Connect
  password_hash text,
  role text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
  must_change_password boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);
-- emails are compared without case
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- SHA-256 of the token; the token itself is shown once and never stored
  token_hash text NOT NULL UNIQUE,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE destinations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  platform text NOT NULL,
  name text NOT NULL UNIQUE,
  -- advertiser id (TikTok) or ad account id (Meta): not a secret
  account text NOT NULL,
  sandbox boolean NOT NULL DEFAULT false,
  -- non-secret settings: base URL, API version, requests per second...
  settings jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Written and read only by the credentials vault (envelope encryption); never selected in lists.
CREATE TABLE destination_credentials (
  destination_id bigint PRIMARY KEY REFERENCES destinations (id) ON DELETE CASCADE,
  ciphertext bytea NOT NULL,
  -- the rest of the envelope: wrapped data key, IVs, tags, format version (all non-secret)
  envelope jsonb NOT NULL,
  -- which master key wrapped the data key (for rotation)
  key_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  rotated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX destination_credentials_key_idx ON destination_credentials (key_id);

CREATE TABLE datasets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  -- storage paths of the part files: {"paths": ["s3://...", ...]} or similar
  source jsonb NOT NULL,
  -- discovered columns (names, types; masked samples at most)
  columns jsonb NOT NULL DEFAULT '[]',
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX datasets_created_idx ON datasets (created_at);

CREATE TABLE saved_mappings (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- hash of the sorted column names: the same export layout finds its mapping again
  columns_signature text NOT NULL,
  platform text NOT NULL,
  mapping jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (columns_signature, platform)
);

CREATE TABLE audiences (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  destination_id bigint NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
  platform_audience_id text NOT NULL,
  name text NOT NULL,
  -- the identifier layout the audience holds (TikTok calculate_type, Meta schema signature)
  type_name text,
  -- true when this installation created it: reused by name before any same-named audience on the platform
  created_here boolean NOT NULL DEFAULT false,
  -- storage path of the hashed member list last synced (diff base)
  last_snapshot text,
  last_synced_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (destination_id, platform_audience_id)
);
CREATE INDEX audiences_name_idx ON audiences (destination_id, name);

CREATE TABLE schedules (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  cron text NOT NULL,
  timezone text NOT NULL DEFAULT 'UTC',
  dataset_id bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  destination_id bigint NOT NULL REFERENCES destinations (id) ON DELETE CASCADE,
  audience_name text NOT NULL,
  mode text NOT NULL DEFAULT 'append',
  mapping jsonb NOT NULL,
  -- other transform options (default country, date format...)
  options jsonb NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  last_run_at timestamptz,
  next_run_at timestamptz,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled;

CREATE TABLE jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind text NOT NULL CHECK (kind IN ('upload', 'dropzone', 'sync')),
  state text NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'transforming', 'planned', 'uploading', 'done', 'failed', 'dead', 'cancelled')),
  -- SET NULL: deleting a destination keeps the history of what was sent
  destination_id bigint REFERENCES destinations (id) ON DELETE SET NULL,
  audience_id bigint REFERENCES audiences (id) ON DELETE SET NULL,
  schedule_id bigint REFERENCES schedules (id) ON DELETE SET NULL,
  audience_name text,
  -- append | remove | replace (sync jobs: what the diff resolved to)
  mode text,
  -- mapping, default country, inputs...
  options jsonb NOT NULL DEFAULT '{}',
  -- the transform report
  report jsonb,
  -- the upload summary
  summary jsonb,
  -- {code, message}
  error jsonb,
  -- platform session id chosen at planning time (Meta)
  session_id text,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz
);
CREATE INDEX jobs_created_idx ON jobs (created_at DESC);
CREATE INDEX jobs_destination_idx ON jobs (destination_id, created_at DESC);
CREATE INDEX jobs_audience_idx ON jobs (audience_id);
CREATE INDEX jobs_schedule_idx ON jobs (schedule_id);
-- the unfinished jobs (resume after a crash, dashboards)
CREATE INDEX jobs_active_idx ON jobs (state) WHERE state NOT IN ('done', 'failed', 'dead', 'cancelled');

CREATE TABLE batches (
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  kind text NOT NULL,
  files jsonb NOT NULL DEFAULT '[]',
  rows integer NOT NULL DEFAULT 0,
  checksum text,
  -- platform parameters fixed at planning time
  params jsonb NOT NULL DEFAULT '{}',
  depends_on integer[] NOT NULL DEFAULT '{}',
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'done', 'failed', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  -- the platform's answer (TikTok file path, created audience id, Meta counts)
  outcome jsonb,
  last_error jsonb,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, seq)
);
CREATE INDEX batches_state_idx ON batches (job_id, state);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  target_type text,
  target_id text,
  -- counts and names only, never identifiers or secrets
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, at DESC);

-- The per-account rate limiter shared by every worker: the next free request slot, and a pause after a
-- throttle answer.
CREATE TABLE rate_limits (
  account text PRIMARY KEY,
  next_slot_at timestamptz NOT NULL DEFAULT now(),
  paused_until timestamptz
);
