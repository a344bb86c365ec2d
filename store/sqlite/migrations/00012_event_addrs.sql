-- The retention job blanks the client address of events older than the
-- retention period (ClearEventAddrsBefore). With only events_time it read
-- every old event on every run, cleared or not: 3.4 s of CPU per run at 10
-- million events. This index holds only the events that still have an
-- address, so a run reads just those it changes.

-- +goose Up
CREATE INDEX events_addr_time ON events (time) WHERE client_addr <> '';

-- +goose Down
DROP INDEX events_addr_time;
