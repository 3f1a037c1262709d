-- The geometry a viewer draws with, read at ingest: Pixel Spacing and Image Orientation
-- (Patient) as DICOM writes them (backslash-separated), Slice Thickness in mm. NULL: not in
-- the object, or ingested before they were read.
ALTER TABLE instances ADD COLUMN pixel_spacing TEXT;
ALTER TABLE instances ADD COLUMN image_orientation TEXT;
ALTER TABLE instances ADD COLUMN slice_thickness DOUBLE PRECISION;
