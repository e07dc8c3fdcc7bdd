-- Browser sessions for the web app. Kept in the database (not in process memory) so that any of several `serve`
-- processes behind a load balancer accepts the cookie. The cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
  id_hash text PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- the synchronizer token a cookie-authenticated request must echo in the x-csrf-token header (not a secret at rest:
  -- it is useless without the cookie)
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- idle expiry, pushed forward on use; absolute expiry bounds a stolen cookie's life
  expires_at timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

