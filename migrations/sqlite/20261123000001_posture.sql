-- Posture state: runs, results with history, findings, desired state, drift,
-- remediation and the audit log. Times are ISO-8601 UTC text (they sort as text).

CREATE TABLE run (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    triggered_by TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    ok_count INTEGER NOT NULL DEFAULT 0,
    alarm_count INTEGER NOT NULL DEFAULT 0,
    info_count INTEGER NOT NULL DEFAULT 0,
    skip_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    new_count INTEGER NOT NULL DEFAULT 0,
    resolved_count INTEGER NOT NULL DEFAULT 0,
    unchanged_count INTEGER NOT NULL DEFAULT 0,
    previous_run_id INTEGER,
    message TEXT
);
CREATE INDEX run_job ON run (job, id);
CREATE INDEX run_status ON run (status);

CREATE TABLE control_result (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES run (id),
    job TEXT NOT NULL,
    benchmark TEXT,
    control_id TEXT NOT NULL,
    title TEXT,
    section TEXT,
    severity TEXT,
    resource TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    account_id TEXT,
    region TEXT,
    change TEXT NOT NULL,
    previous_status TEXT,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL
);
CREATE INDEX control_result_run ON control_result (run_id);
CREATE INDEX control_result_key ON control_result (job, control_id, resource);

CREATE TABLE finding (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    control_id TEXT NOT NULL,
    resource TEXT NOT NULL,
    title TEXT,
    severity TEXT,
    reason TEXT,
    account_id TEXT,
    region TEXT,
    status TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    resolved_at TEXT,
    first_run_id INTEGER NOT NULL,
    last_run_id INTEGER NOT NULL,
    status_history TEXT NOT NULL,
    UNIQUE (job, control_id, resource)
);

CREATE TABLE access_request (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    principal TEXT NOT NULL,
    grant_kind TEXT NOT NULL,
    grant_value TEXT NOT NULL,
    account_id TEXT,
    justification TEXT,
    requested_by TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE desired_grant (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    principal TEXT NOT NULL,
    grant_kind TEXT NOT NULL,
    grant_value TEXT NOT NULL,
    account_id TEXT,
    source TEXT NOT NULL,
    access_request_id INTEGER REFERENCES access_request (id),
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE drift (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL REFERENCES run (id),
    drift_kind TEXT NOT NULL,
    principal TEXT NOT NULL,
    grant_kind TEXT NOT NULL,
    grant_value TEXT NOT NULL,
    account_id TEXT,
    detected_at TEXT NOT NULL
);

CREATE TABLE remediation_action (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    drift_id INTEGER REFERENCES drift (id),
    run_id INTEGER REFERENCES run (id),
    api_call TEXT NOT NULL,
    parameters TEXT NOT NULL,
    mode TEXT NOT NULL,
    high_risk INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    result TEXT,
    approved_by TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    user_name TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    action TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    rows INTEGER,
    error TEXT
);
CREATE INDEX audit_log_time ON audit_log (time);
