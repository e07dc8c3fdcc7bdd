-- What the REST API needs beside the pipeline's columns:
-- the dataset a job was submitted from (the web app's wizard); SET NULL keeps the job's history.
ALTER TABLE jobs ADD COLUMN dataset_id bigint REFERENCES datasets (id) ON DELETE SET NULL;
CREATE INDEX jobs_dataset_idx ON jobs (dataset_id);
-- When the preparation (transform, plan) finished: the end of the "prepare" stage and the start of "upload".
ALTER TABLE jobs ADD COLUMN prepared_at timestamptz;
-- The audience id this job used no longer names that audience (a sandbox that forgot its audiences on restart):
-- a later upload by name must not reuse it.
ALTER TABLE jobs ADD COLUMN audience_id_stale boolean NOT NULL DEFAULT false;
-- The job list filters by who submitted it.
CREATE INDEX jobs_created_by_idx ON jobs (created_by, created_at DESC);
