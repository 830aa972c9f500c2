-- A job's state timeline: every state a job enters, written by the database itself so that no code path that
-- moves a job (submit, claim, lease expiry, release, completion, failure, cancel, retry) can forget it.
create table job_events (
    id      bigserial primary key,
    job_id  bigint not null references jobs (id) on delete cascade,
    at      timestamptz not null default now(),
    state   text not null,
    attempt integer not null,
    runner_id bigint
);
create index job_events_job on job_events (job_id, id);

create function job_state_event() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.state is distinct from old.state then
        insert into job_events (job_id, state, attempt, runner_id) values (new.id, new.state, new.attempt, new.runner_id);
    end if;
    return new;
end $$;

create trigger job_state_events after insert or update of state on jobs
    for each row execute function job_state_event();

-- Jobs created before this migration start their timeline with what is known.
insert into job_events (job_id, at, state, attempt, runner_id) select id, created_at, 'queued', 0, null from jobs;
insert into job_events (job_id, at, state, attempt, runner_id)
    select id, coalesce(finished_at, started_at, created_at), state, attempt, runner_id from jobs where state <> 'queued';

-- When the runner's system metrics (runners.utilisation: CPU load, memory, per-GPU use) were last reported.
alter table runners add column utilisation_at timestamptz;
