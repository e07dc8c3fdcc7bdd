-- Schedules run an upload job spec (kept whole in options.spec: inputs, mapping, mode, audience), so a schedule
-- needs neither a dataset record nor a saved destination: without one, the worker's environment supplies the
-- credentials, as for any job. Each schedule is a pg-boss cron schedule on its own queue (au-schedule-<id>).
ALTER TABLE schedules ALTER COLUMN dataset_id DROP NOT NULL;
ALTER TABLE schedules ALTER COLUMN destination_id DROP NOT NULL;
-- Schedules are looked up by destination when one is removed.
CREATE INDEX schedules_destination_idx ON schedules (destination_id);
