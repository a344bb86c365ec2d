-- Only a confirmed account holds its KVNR: an unconfirmed registration
-- (anybody can start one with any KVNR) blocks nobody, and an operator can
-- release a KVNR held wrongly by emptying it (akte admin kvnr release).

-- +goose Up
DROP INDEX accounts_kvnr;
CREATE UNIQUE INDEX accounts_kvnr ON accounts (kvnr) WHERE confirmed_at IS NOT NULL AND kvnr <> '';

-- +goose Down
DROP INDEX accounts_kvnr;
CREATE UNIQUE INDEX accounts_kvnr ON accounts (kvnr);
