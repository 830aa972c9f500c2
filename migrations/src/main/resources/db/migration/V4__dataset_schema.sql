-- What a dataset holds, detected at commit time: format, splits with counts, labels, columns.
alter table repos add column dataset_schema jsonb;
