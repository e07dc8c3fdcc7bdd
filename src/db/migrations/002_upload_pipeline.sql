-- What the upload pipeline needs beside the initial schema: the platform and account a job acts for, the
-- platform's audience id once known (created by a batch), and where its batch files are in storage.
ALTER TABLE jobs ADD COLUMN platform text;
ALTER TABLE jobs ADD COLUMN account text;
ALTER TABLE jobs ADD COLUMN platform_audience_id text;
ALTER TABLE jobs ADD COLUMN work_prefix text;
CREATE INDEX jobs_state_idx ON jobs (state, created_at);
-- Job states of the pipeline: preparing covers transform and plan, which run as one step.
ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check CHECK (state IN ('queued', 'preparing', 'uploading', 'done', 'failed', 'dead', 'cancelled'));
-- queued: a message for the batch is out; only pending batches get one, so two workers never get the same batch.
ALTER TABLE batches DROP CONSTRAINT batches_state_check;
ALTER TABLE batches ADD CONSTRAINT batches_state_check CHECK (state IN ('pending', 'queued', 'sending', 'done', 'failed', 'dead'));
