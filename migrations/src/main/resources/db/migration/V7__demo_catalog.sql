-- Steps of the demo catalog that are done (a dataset published, a model trained). A done step is never redone,
-- so a demo repo a user deleted stays deleted; an unfinished step resumes on the next start.
create table demo_steps (
    step    text primary key,
    done_at timestamptz not null default now()
);
