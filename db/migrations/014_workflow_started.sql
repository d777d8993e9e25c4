-- When a request's workflow was seen started (by intake, the pending-workflow sweep or the
-- workflow's own projection updates). NULL means no workflow is known to exist: the sweep checks
-- Temporal and starts it, oldest first.
ALTER TABLE requests ADD COLUMN workflow_started_at timestamptz;

-- Any status past `received` was written by the request's workflow, so it exists.
UPDATE requests SET workflow_started_at = coalesce(updated_at, received_at) WHERE status <> 'received';

CREATE INDEX requests_without_workflow ON requests (received_at, id) WHERE workflow_started_at IS NULL;
