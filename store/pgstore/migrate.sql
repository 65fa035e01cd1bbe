-- The sessionkit session table. {{table}} and the index names are replaced
-- with quoted identifiers by Migrate; every statement is idempotent.
CREATE TABLE IF NOT EXISTS {{table}} (
    key       text        PRIMARY KEY,
    data      bytea       NOT NULL,
    version   bigint      NOT NULL,
    subject   text        NOT NULL DEFAULT '',
    created   timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    expires   timestamptz NOT NULL,
    meta      jsonb
);
CREATE INDEX IF NOT EXISTS {{subject_index}} ON {{table}} (subject);
CREATE INDEX IF NOT EXISTS {{expires_index}} ON {{table}} (expires);
