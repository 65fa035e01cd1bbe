-- The sessionkit session table. {{table}} is replaced with the quoted table
-- name by Migrate; the statement is idempotent. Text a client supplies
-- (key, subject, metadata) lives in binary columns: compared byte for byte,
-- case- and trailing-space-sensitive, never converted between character
-- sets. Times are microseconds since the Unix epoch, UTC.
CREATE TABLE IF NOT EXISTS {{table}} (
    k            VARBINARY(256)  NOT NULL,
    data         LONGBLOB        NOT NULL,
    version      BIGINT UNSIGNED NOT NULL,
    subject      VARBINARY(1024) NOT NULL DEFAULT '',
    created_us   BIGINT          NOT NULL,
    last_seen_us BIGINT          NOT NULL,
    expires_us   BIGINT          NULL,
    meta         BLOB            NULL,
    PRIMARY KEY (k),
    KEY subject_created (subject, created_us),
    KEY expires (expires_us)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4
