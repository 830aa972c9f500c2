-- The job states of the backend's JobState enum, by name (JobStatesTest compares these lists with the enum): the
-- V3 check was unnamed, and job_events, whose rows the V5 trigger copies from jobs, had none.
alter table jobs drop constraint if exists jobs_state_check;
alter table jobs add constraint jobs_state_check
    check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
alter table job_events add constraint job_events_state_check
    check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
