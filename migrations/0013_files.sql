-- Uploaded files (issue 9: onboarding documents, case evidence). The bytes
-- live in the object store (a local directory under the data folder, or S3)
-- at tenants/<tenant_id>/files/<id>; this row is the only way to find them,
-- always looked up with the reader's tenant.
CREATE TABLE files (
    tenant_id    BIGINT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    id           BIGINT NOT NULL,          -- snowflake
    owner_id     BIGINT NOT NULL,          -- who uploaded it
    name         TEXT NOT NULL,            -- the uploader's file name
    content_type TEXT NOT NULL,            -- checked against the bytes
    size         BIGINT NOT NULL CHECK (size > 0),
    sha256       TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
