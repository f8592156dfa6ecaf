-- Decisions on access requests: the risk judged for each request, one approval row per
-- admin (the two-person rule), and constraints that make duplicate desired grants
-- impossible. Racing decisions before this migration could leave active grants behind
-- denied requests and several active copies of one grant; both are repaired here.

ALTER TABLE access_request ADD COLUMN high_risk INTEGER NOT NULL DEFAULT 0;
ALTER TABLE access_request ADD COLUMN risk_reason TEXT;
ALTER TABLE access_request ADD COLUMN approvals_required INTEGER NOT NULL DEFAULT 1;

CREATE TABLE access_request_approval (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    access_request_id INTEGER NOT NULL REFERENCES access_request (id),
    approver TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    UNIQUE (access_request_id, approver)
);

-- A grant whose request is not approved (denied, revoked, or still pending after a lost
-- race) must not stay active.
UPDATE desired_grant
SET status = 'revoked', revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE status = 'active'
  AND access_request_id IS NOT NULL
  AND access_request_id IN (SELECT id FROM access_request WHERE status <> 'approved');

-- Of several active grants with the same identity the oldest stays; the later copies are
-- kept for the record as 'superseded'.
UPDATE desired_grant
SET status = 'superseded', revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE status = 'active'
  AND EXISTS (
    SELECT 1 FROM desired_grant AS older
    WHERE older.status = 'active'
      AND older.principal = desired_grant.principal
      AND older.grant_kind = desired_grant.grant_kind
      AND older.grant_value = desired_grant.grant_value
      AND COALESCE(older.account_id, '') = COALESCE(desired_grant.account_id, '')
      AND older.id < desired_grant.id
  );

-- One active grant per identity (principal, kind, value, account; no account = any).
CREATE UNIQUE INDEX desired_grant_active_identity
    ON desired_grant (principal, grant_kind, grant_value, COALESCE(account_id, ''))
    WHERE status = 'active';
