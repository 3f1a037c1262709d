-- Where each slice lies along its stack, in mm (see ferrum_dicom::InstanceLevel), so that
-- viewers order slices by anatomy and show the position. NULL for objects without geometry
-- and for instances catalogued before this column existed.
ALTER TABLE instances ADD COLUMN slice_position DOUBLE PRECISION;
