-- Listing a record page by page (ItemsPage) seeks to a cursor
-- (created_at, id) and reads the next rows in index order: the indexes end
-- in id, so neither a page nor the whole listing needs a sort, and a page
-- costs the same however many items the record or the table holds.

-- +goose Up
CREATE INDEX items_account_page ON items (account_id, state, created_at, id);
CREATE INDEX items_category_page ON items (account_id, state, category, created_at, id);
DROP INDEX items_account;

-- +goose Down
CREATE INDEX items_account ON items (account_id, state, category, created_at);
DROP INDEX items_category_page;
DROP INDEX items_account_page;
