-- Downsampled metric series for the compare view (issue 17 part 8): per (job, metric) and per bucket of `width`
-- consecutive steps, the first, last, lowest and highest point and the number of points, at nine widths
-- (16, 64, ..., 16 * 4^8 = 1,048,576 steps). The compare view reads, per series, the widest width that still
-- gives it one bucket per drawn pair of points (io.modelhub.metrics.MetricBuckets), so 100 runs x 10k points
-- read 62,500 bucket rows instead of 1,000,000 metric rows, and the lowest and highest value of every bucket
-- survive the downsampling.
-- min_attempt/max_attempt say whether more than one attempt of the job recorded the series: a resumed job's later
-- attempt replaces the values of the steps it recorded again, which buckets cannot undo, so the compare view
-- reads such series from job_metrics.
create table job_metric_buckets (
    job_id      bigint           not null references jobs (id) on delete cascade,
    name        text             not null,
    width       bigint           not null,
    bucket      bigint           not null,
    points      integer          not null,
    min_attempt integer          not null,
    max_attempt integer          not null,
    first_step  bigint           not null,
    first_value double precision not null,
    last_step   bigint           not null,
    last_value  double precision not null,
    min_step    bigint           not null,
    min_value   double precision not null,
    max_step    bigint           not null,
    max_value   double precision not null,
    primary key (job_id, width, name, bucket)
);

-- The statement that merges the metric rows of the relation `source` into the buckets: one text, run by the
-- trigger below for each insert into job_metrics (same transaction) and once here for the rows already there.
-- Ties go as io.modelhub.metrics.MetricBuckets.of decides them: first/last by step, lowest/highest by value and
-- then the earlier step. The bucket of a step is floor(step / width), written with % so negative steps round down.
create function job_metric_buckets_merge(source text) returns text language sql immutable as $fn$
select format($sql$
insert into job_metric_buckets as b (job_id, name, width, bucket, points, min_attempt, max_attempt, first_step,
                                     first_value, last_step, last_value, min_step, min_value, max_step, max_value)
select m.job_id, m.name, w.width, (m.step - ((m.step %% w.width) + w.width) %% w.width) / w.width, count(*),
       min(m.attempt), max(m.attempt),
       (array_agg(m.step order by m.step, m.attempt))[1], (array_agg(m.value order by m.step, m.attempt))[1],
       (array_agg(m.step order by m.step desc, m.attempt desc))[1], (array_agg(m.value order by m.step desc, m.attempt desc))[1],
       (array_agg(m.step order by m.value, m.step))[1], min(m.value),
       (array_agg(m.step order by m.value desc, m.step))[1], max(m.value)
from %I m
cross join (values (16::bigint), (64), (256), (1024), (4096), (16384), (65536), (262144), (1048576)) w (width)
group by m.job_id, m.name, w.width, 4
on conflict (job_id, width, name, bucket) do update set
    points      = b.points + excluded.points,
    min_attempt = least(b.min_attempt, excluded.min_attempt),
    max_attempt = greatest(b.max_attempt, excluded.max_attempt),
    first_step  = case when excluded.first_step < b.first_step then excluded.first_step else b.first_step end,
    first_value = case when excluded.first_step < b.first_step then excluded.first_value else b.first_value end,
    last_step   = case when excluded.last_step >= b.last_step then excluded.last_step else b.last_step end,
    last_value  = case when excluded.last_step >= b.last_step then excluded.last_value else b.last_value end,
    min_step    = case when excluded.min_value < b.min_value
                         or (excluded.min_value = b.min_value and excluded.min_step < b.min_step)
                       then excluded.min_step else b.min_step end,
    min_value   = least(b.min_value, excluded.min_value),
    max_step    = case when excluded.max_value > b.max_value
                         or (excluded.max_value = b.max_value and excluded.max_step < b.max_step)
                       then excluded.max_step else b.max_step end,
    max_value   = greatest(b.max_value, excluded.max_value)
$sql$, source)
$fn$;

create function job_metric_buckets_add() returns trigger language plpgsql as $fn$
begin
    execute job_metric_buckets_merge('added_metrics');
    return null;
end
$fn$;

-- Per statement, over the rows it inserted: a batch of metrics costs one merge, whoever inserts them (the runner
-- API, a bulk load).
create trigger job_metric_buckets_add after insert on job_metrics
    referencing new table as added_metrics for each statement execute function job_metric_buckets_add();

do $$
begin
    execute job_metric_buckets_merge('job_metrics');
end
$$;
