#!/usr/bin/env python3
"""Writes the small sample studies of sample-dicom/ (committed; rerun to regenerate).

    pip install pydicom numpy && python3 scripts/make_samples.py sample-dicom

Everything is synthetic: made-up patients, generated pixels. Deterministic (fixed UIDs and
seeds), so a rerun gives the same files.
"""
import os
import sys

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    DeflatedExplicitVRLittleEndian,
    RLELossless,
)

ROOT = "1.2.826.0.1.3680043.10.1137"  # a fixed prefix for the samples' UIDs
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"
US_MULTIFRAME = "1.2.840.10008.5.1.4.1.1.3.1"
SC_IMAGE = "1.2.840.10008.5.1.4.1.1.7"


def phantom(size, seed, slice_index, signed=True):
    """A disc of 'tissue' with a brighter inner disc that moves with the slice."""
    rng = np.random.default_rng(seed + slice_index)
    y, x = np.mgrid[0:size, 0:size]
    c = size / 2
    r = np.hypot(x - c, y - c)
    img = np.full((size, size), -1000 if signed else 0, dtype=np.int32)
    img[r < size * 0.45] = 40
    inner = np.hypot(x - c - slice_index, y - c) < size * 0.15
    img[inner] = 700
    img += rng.integers(-20, 20, size=(size, size))
    return img


def base(study, series, number, modality, sop_class, name, patient_id, description, charset=None):
    ds = Dataset()
    if charset:
        ds.SpecificCharacterSet = charset
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = f"{ROOT}.{study}.{series}.{number}"
    ds.StudyInstanceUID = f"{ROOT}.{study}"
    ds.SeriesInstanceUID = f"{ROOT}.{study}.{series}"
    ds.PatientName = name
    ds.PatientID = patient_id
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "O"
    ds.StudyDate = "20240315"
    ds.StudyTime = "101500"
    ds.AccessionNumber = f"ACC{study:04d}"
    ds.StudyDescription = description
    ds.ReferringPhysicianName = "Referrer^Rita"
    ds.StudyID = str(study)
    ds.Modality = modality
    ds.SeriesNumber = series
    ds.SeriesDescription = f"{description} series {series}"
    ds.InstanceNumber = number
    return ds


def mono16(ds, img):
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = img.shape
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    ds.PixelData = img.astype("<i2").tobytes()


def geometry(ds, orientation, position, spacing=0.7, thickness=5.0):
    # The stack's geometry, so that viewers order slices by anatomy and show where they are.
    ds.ImageOrientationPatient = orientation
    ds.ImagePositionPatient = position
    ds.PixelSpacing = [spacing, spacing]
    ds.SliceThickness = thickness


AXIAL = [1, 0, 0, 0, 1, 0]
SAGITTAL = [0, 1, 0, 0, 0, -1]


def save(ds, path, ts=ExplicitVRLittleEndian, preamble=True):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = f"{ROOT}.99"
    ds.file_meta = meta
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if ts == ExplicitVRBigEndian:
        # pydicom writes big endian only from data already in that byte order
        ds.PixelData = np.frombuffer(ds.PixelData, dtype="<i2").astype(">i2").tobytes()
    ds.save_as(path, enforce_file_format=True)
    if not preamble:
        with open(path, "rb") as f:
            data = f.read()
        with open(path, "wb") as f:
            f.write(data[128:])


def main(out):
    size = 64
    # Study 1: CT, 8 slices, Latin-1 patient name, one slice in each classic encoding.
    for i in range(1, 9):
        ds = base(1, 1, i, "CT", CT_IMAGE, "Müller^Jürgen", "PAT-0001", "CT Thorax", "ISO_IR 100")
        mono16(ds, phantom(size, 1, i))
        geometry(ds, AXIAL, [-22.4, -22.4, 100.0 - 5.0 * i])
        ts, preamble = ExplicitVRLittleEndian, True
        if i == 2:
            ts = ImplicitVRLittleEndian
        elif i == 3:
            ts = ExplicitVRBigEndian
        elif i == 4:
            ts = DeflatedExplicitVRLittleEndian
        elif i == 5:
            preamble = False
        save(ds, f"{out}/ct-thorax/IM{i:04d}.dcm", ts, preamble)
    # Study 2: MR, 6 slices, plain ASCII name, UTF-8 declared.
    for i in range(1, 7):
        ds = base(2, 1, i, "MR", MR_IMAGE, "Doe^Jane", "PAT-0002", "MR Brain", "ISO_IR 192")
        mono16(ds, phantom(size, 2, i, signed=False))
        geometry(ds, SAGITTAL, [-15.0 + 5.0 * i, -22.4, 22.4], thickness=4.0)
        save(ds, f"{out}/mr-brain/IM{i:04d}.dcm")
    # Study 3: one multi-frame ultrasound clip, 10 frames of 8-bit.
    ds = base(3, 1, 1, "US", US_MULTIFRAME, "Smith^John", "PAT-0003", "US Abdomen")
    frames = np.stack([((phantom(size, 3, f, signed=False) + 1000) // 8).clip(0, 255) for f in range(10)]).astype(np.uint8)
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = 10
    ds.Rows, ds.Columns = size, size
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.FrameIncrementPointer = 0x00181063
    ds.FrameTime = 40
    ds.PixelData = frames.tobytes()
    save(ds, f"{out}/us-multiframe/IM0001.dcm")
    # Study 4: RLE Lossless compressed CT, 3 slices.
    for i in range(1, 4):
        ds = base(4, 1, i, "CT", CT_IMAGE, "Rossi^Maria", "PAT-0004", "CT Head RLE")
        mono16(ds, phantom(size, 4, i))
        geometry(ds, AXIAL, [-22.4, -22.4, 40.0 - 5.0 * i])
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.compress(RLELossless, encoding_plugin="pydicom")
        save(ds, f"{out}/ct-head-rle/IM{i:04d}.dcm", RLELossless)
    # Study 5: Japanese name in ISO 2022 IR 87 (PS3.5 H.3.1), secondary capture.
    ds = base(5, 1, 1, "OT", SC_IMAGE, "", "PAT-0005", "Japanese name", ["", "ISO 2022 IR 87"])
    ds["PatientName"].value = (
        b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B"
    )
    mono16(ds, phantom(size, 5, 0))
    save(ds, f"{out}/jp-iso2022/IM0001.dcm")
    # Study 6: Korean name in ISO 2022 IR 149 (PS3.5 I.2).
    ds = base(6, 1, 1, "OT", SC_IMAGE, "", "PAT-0006", "Korean name", ["", "ISO 2022 IR 149"])
    ds["PatientName"].value = (
        b"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf"
    )
    mono16(ds, phantom(size, 6, 0))
    save(ds, f"{out}/kr-iso2022/IM0001.dcm")
    with open(f"{out}/README.txt", "w") as f:
        f.write("Synthetic sample studies, written by scripts/make_samples.py. Not patient data.\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sample-dicom")
