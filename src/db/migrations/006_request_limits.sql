-- Request counters of the rate-limited API routes (sign-in), shared by every server process on this database:
-- with one counter per process, N servers would allow N times the attempts. `key` is a hash (route, address,
-- email), never the address or email itself.
CREATE TABLE request_limits (
  key text PRIMARY KEY,
  hits integer NOT NULL,
  window_start timestamptz NOT NULL
);
CREATE INDEX request_limits_window_idx ON request_limits (window_start);
