-- What several hub instances on one database share (docs/architecture.md, "Several hub instances").
-- Secrets every instance must agree on (the LFS URL signing key): the first instance to need one inserts it,
-- the others read that row (insert ... on conflict do nothing).
create table cluster_secrets (
    name       text primary key,
    value      text        not null,
    created_at timestamptz not null default now()
);

-- The last run of each periodic task that only one instance should do per period (blob GC): an instance runs the
-- task only if it moves last_run_at forward (io.modelhub.platform.ClusterLocks.claimPeriod).
create table cluster_task_runs (
    task        text primary key,
    last_run_at timestamptz not null,
    instance    text        not null
);
