-- config.json inspections now derive model type "timm" (and its architecture) for timm checkpoints, which have no
-- model_type: forget the cached ones, so the next indexing of a repo reads its config.json again.
delete from blob_inspections where kind = 'CONFIG';
