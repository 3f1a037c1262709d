#!/usr/bin/env python3
"""Builds the rendering correctness corpus under tests/render-corpus/.

Each row of the support matrix in crates/ferrum-dicom/RENDERING.md gets a small DICOM file
and a reference PNG made by an independent implementation, normally dcmtk's dcm2pnm. Where
dcm2pnm cannot read a row (JPEG 2000, HTJ2K, LINEAR_EXACT, ...) the reference comes from
another decoder (OpenJPEG/OpenJPH through imagecodecs) re-wrapped as native DICOM for
dcm2pnm, or from pydicom + numpy; the manifest says which.

Needs: python3 with pydicom, numpy, imagecodecs (pip install pydicom numpy imagecodecs),
dcmtk and OpenJPEG's tools (apt-get install -y dcmtk libopenjp2-tools). The rows for
real-world quirks (big endian, padding, float pixel data, ...) are in render_corpus_quirks.py. Run from the repository root:

    python3 scripts/make_render_corpus.py

The output is deterministic (fixed seeds and UIDs) so that a rerun only changes files whose
recipe changed.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import imagecodecs
import pydicom

import render_corpus_quirks
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    UID,
    ExplicitVRLittleEndian,
)

# pydicom 3.0 predates Deflated Image Frame Compression (2024); teach it the UID.
from pydicom._uid_dict import UID_dictionary  # noqa: E402
UID_dictionary.setdefault("1.2.840.10008.1.2.8.1", (
    "Deflated Image Frame Compression", "Transfer Syntax", "", "", "DeflatedImageFrameCompression"))

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "render-corpus")
UID_ROOT = "1.2.826.0.1.3680043.10.1234."
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT = "1.2.840.10008.5.1.4.1.1.2.1"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
TS = {
    "implicit": "1.2.840.10008.1.2",
    "explicit": "1.2.840.10008.1.2.1",
    "deflated": "1.2.840.10008.1.2.1.99",
    "big": "1.2.840.10008.1.2.2",
    "jpeg_baseline": "1.2.840.10008.1.2.4.50",
    "jpeg_extended": "1.2.840.10008.1.2.4.51",
    "jpeg_lossless": "1.2.840.10008.1.2.4.57",
    "jpeg_sv1": "1.2.840.10008.1.2.4.70",
    "jpegls": "1.2.840.10008.1.2.4.80",
    "jpegls_near": "1.2.840.10008.1.2.4.81",
    "j2k_lossless": "1.2.840.10008.1.2.4.90",
    "j2k": "1.2.840.10008.1.2.4.91",
    "htj2k_lossless": "1.2.840.10008.1.2.4.201",
    "htj2k": "1.2.840.10008.1.2.4.203",
    "rle": "1.2.840.10008.1.2.5",
}

manifest = []
counter = [0]


def uid():
    counter[0] += 1
    return UID(UID_ROOT + str(counter[0]))


def run(*args):
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise subprocess.CalledProcessError(done.returncode, args)


# ---------------------------------------------------------------- synthetic images

def ct_hu(rows, cols):
    """Smooth gradients plus shapes, in Hounsfield-like units (-1000..~1900)."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    hu = -1000 + 1600 * x / max(cols - 1, 1) + 300 * y / max(rows - 1, 1)
    inside = (x - cols * 0.35) ** 2 + (y - rows * 0.45) ** 2 < (min(rows, cols) * 0.2) ** 2
    hu[inside] = 40 + 20 * np.sin(x[inside] / 3)
    hu[int(rows * 0.65):int(rows * 0.85), int(cols * 0.6):int(cols * 0.85)] = 1200
    return hu


def grey8(rows, cols):
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    img = 255 * (0.6 * x / (cols - 1) + 0.4 * y / (rows - 1))
    img[(x - cols / 2) ** 2 + (y - rows / 2) ** 2 < (min(rows, cols) / 5) ** 2] = 30
    img[2:8, 2:cols - 2] = 250
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def rgb8(rows, cols):
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    r = 255 * x / (cols - 1)
    g = 255 * y / (rows - 1)
    b = 255 * (1 - x / (cols - 1)) * (y / (rows - 1))
    img = np.stack([r, g, b], axis=-1)
    img[(x - cols * 0.6) ** 2 + (y - rows * 0.4) ** 2 < (min(rows, cols) / 6) ** 2] = [250, 240, 20]
    img[rows // 2:rows // 2 + 6, 4:cols // 3] = [20, 30, 200]
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- dataset builders

def dataset(rows, cols, *, photometric, bits_allocated, bits_stored=None, signed=False,
            samples=1, planar=0, frames=1, sop_class=SECONDARY_CAPTURE, ts=ExplicitVRLittleEndian):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    sop = uid()
    meta.MediaStorageSOPInstanceUID = sop
    meta.TransferSyntaxUID = UID(ts)
    meta.ImplementationClassUID = UID(UID_ROOT + "0")
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop
    ds.StudyInstanceUID = UID(UID_ROOT + "9.1")
    ds.SeriesInstanceUID = UID(UID_ROOT + "9.2")
    ds.PatientName = "CORPUS^RENDER"
    ds.PatientID = "RENDER-CORPUS"
    ds.Modality = "CT" if sop_class in (CT_IMAGE, ENHANCED_CT) else "OT"
    ds.Rows = rows
    ds.Columns = cols
    ds.SamplesPerPixel = samples
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = bits_allocated
    ds.BitsStored = bits_stored or bits_allocated
    ds.HighBit = (bits_stored or bits_allocated) - 1
    ds.PixelRepresentation = 1 if signed else 0
    if samples > 1:
        ds.PlanarConfiguration = planar
    if frames > 1 or sop_class == ENHANCED_CT:
        ds.NumberOfFrames = frames
    return ds


def save(ds, name, **encoding):
    path = os.path.join(OUT, name)
    ds.save_as(path, enforce_file_format=True, **encoding)
    return path


def ct_dataset(rows=80, cols=97, frames=1, **kw):
    stored = np.stack([np.clip(np.round(ct_hu(rows, cols) + 1024 + 37 * f), 0, 4095) for f in range(frames)])
    ds = dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=16, bits_stored=12,
                 frames=frames, sop_class=CT_IMAGE, **kw)
    ds.RescaleIntercept = -1024
    ds.RescaleSlope = 1
    ds.RescaleType = "HU"
    ds.PixelData = stored.astype("<u2").tobytes()
    return ds, stored


def grey8_dataset(rows=49, cols=65, **kw):
    ds = dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=8, **kw)
    ds.PixelData = grey8(rows, cols).tobytes()
    return ds


def rgb_dataset(rows=48, cols=64, planar=0, **kw):
    img = rgb8(rows, cols)
    ds = dataset(rows, cols, photometric="RGB", bits_allocated=8, samples=3, planar=planar, **kw)
    data = img.transpose(2, 0, 1) if planar else img
    ds.PixelData = np.ascontiguousarray(data).tobytes()
    return ds, img


def ybr_full(img):
    r, g, b = [img[..., i].astype(np.float64) for i in range(3)]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
    cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
    return np.clip(np.round(np.stack([y, cb, cr], -1)), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- references

def dcm2pnm(src, png, frame=0, window=None, mode="first", extra=()):
    head = pydicom.dcmread(src, stop_before_pixels=True)
    photometric = head.PhotometricInterpretation
    ts = str(head.file_meta.TransferSyntaxUID)
    # Debian builds the JPEG and JPEG-LS decoders into these two variants of dcm2pnm only.
    tool = "dcml2pnm" if ts.startswith("1.2.840.10008.1.2.4.8") else "dcmj2pnm"
    args = [tool, "+on", "+F", str(frame + 1)]
    if not photometric.startswith("MONOCHROME"):
        pass
    elif window is not None:
        args += ["+Ww", repr(float(window[0])), repr(float(window[1]))]
    elif mode == "first":
        args += ["+Wi", "1"]
    elif mode == "minmax":
        args += ["+Wm"]
    elif mode == "voilut":
        args += ["+Wl", "1"]
    args += list(extra)
    run(*args, src, png)


def write_png(path, img):
    """A minimal PNG writer, so that references do not depend on an imaging library."""
    img = np.ascontiguousarray(img.astype(np.uint8))
    h, w = img.shape[:2]
    color = 2 if img.ndim == 3 else 0
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))

    def chunk(tag, data):
        c = tag + data
        return len(data).to_bytes(4, "big") + c + zlib.crc32(c).to_bytes(4, "big")

    ihdr = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([8, color, 0, 0, 0])
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def numpy_window(values, center, width, function="LINEAR", invert=False):
    """PS3.3 C.11.2.1.2 written out independently of the Rust code."""
    x = values.astype(np.float64)
    if function == "LINEAR_EXACT":
        y = np.clip((x - center) / width + 0.5, 0, 1)
        y[x <= center - width / 2] = 0
        y[x > center + width / 2] = 1
    elif function == "SIGMOID":
        y = 1 / (1 + np.exp(-4 * (x - center) / width))
    else:
        y = np.clip((x - (center - 0.5)) / (width - 1) + 0.5, 0, 1)
        y[x <= center - 0.5 - (width - 1) / 2] = 0
        y[x > center - 0.5 + (width - 1) / 2] = 1
    if invert:
        y = 1 - y
    return np.round(y * 255).astype(np.uint8)


def add(name, *, frame=0, window=None, lossless=True, reference, reference_kind, note, expect="match"):
    manifest.append({
        "file": name,
        "frame": frame,
        "window": window,
        "lossless": lossless,
        "reference": reference,
        "reference_kind": reference_kind,
        "transfer_syntax": str(pydicom.dcmread(os.path.join(OUT, name), stop_before_pixels=True).file_meta.TransferSyntaxUID),
        "note": note,
        "expect": expect,
    })


def with_dcm2pnm(name, note, *, frame=0, window=None, mode="first", lossless=True, source=None, extra=(), expect="match"):
    """Reference from dcm2pnm reading `source` (default: the corpus file itself)."""
    png = name.rsplit(".", 1)[0] + ".ref.png"
    dcm2pnm(source or os.path.join(OUT, name), os.path.join(OUT, png), frame, window, mode, extra)
    kind = "dcm2pnm" if source is None else "dcm2pnm of an independently decoded copy"
    add(name, frame=frame, window=window, lossless=lossless, reference=png, reference_kind=kind, note=note, expect=expect)


def convert(src_name, dst_name, tool, *args):
    run(tool, *args, os.path.join(OUT, src_name), os.path.join(OUT, dst_name))


# ---------------------------------------------------------------- the rows

def native_rows(tmp):
    ds, _ = ct_dataset()
    ds.WindowCenter = [40, 400]
    ds.WindowWidth = [400, 2000]
    save(ds, "ct_explicit_le.dcm")
    with_dcm2pnm("ct_explicit_le.dcm", "CT 12/16 bits, rescale -1024, first window of two")
    manifest.append(dict(manifest[-1], window=[300.0, 1500.0], reference="ct_explicit_le.w300.ref.png"))
    dcm2pnm(os.path.join(OUT, "ct_explicit_le.dcm"), os.path.join(OUT, "ct_explicit_le.w300.ref.png"), 0, (300, 1500))
    manifest[-1]["note"] = "request-time window overrides the file's"

    convert("ct_explicit_le.dcm", "ct_implicit_le.dcm", "dcmconv", "+ti")
    with_dcm2pnm("ct_implicit_le.dcm", "implicit VR little endian")
    convert("ct_explicit_le.dcm", "ct_big_endian.dcm", "dcmconv", "+tb")
    with_dcm2pnm("ct_big_endian.dcm", "explicit VR big endian")
    convert("ct_explicit_le.dcm", "ct_deflated.dcm", "dcmconv", "+td")
    with_dcm2pnm("ct_deflated.dcm", "deflated explicit VR little endian")

    ds, _ = ct_dataset(rows=67, cols=53)
    save(ds, "ct_no_window.dcm")
    with_dcm2pnm("ct_no_window.dcm", "no window in the file: min/max of modality values", mode="minmax")

    # signed 16-bit with negative values and a slope
    rows, cols = 64, 71
    values = np.round(ct_hu(rows, cols)).astype(np.int16)
    ds = dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=16, signed=True, sop_class=CT_IMAGE)
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    ds.WindowCenter = -200
    ds.WindowWidth = 1800
    ds.PixelData = values.astype("<i2").tobytes()
    save(ds, "signed16.dcm")
    with_dcm2pnm("signed16.dcm", "signed 16-bit, negative stored values")

    # signed 12-in-16 with sign bits only in the stored range and junk above
    stored = np.clip(np.round(ct_hu(rows, cols) / 2), -2048, 2047).astype(np.int32)
    junk = (np.random.default_rng(7).integers(0, 16, size=stored.shape) << 12)
    words = ((stored & 0x0FFF) | junk).astype("<u2")
    ds = dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=16, bits_stored=12, signed=True)
    ds.RescaleSlope = 2
    ds.RescaleIntercept = 0
    ds.PixelData = words.tobytes()
    save(ds, "signed12_junk_bits.dcm")
    with_dcm2pnm("signed12_junk_bits.dcm", "signed 12 bits stored in 16 with random junk in the high bits", mode="minmax")

    # unsigned 12-in-16 with junk high bits (overlay-like)
    ds, stored = ct_dataset(rows=59, cols=61)
    junk = (np.random.default_rng(3).integers(0, 16, size=stored.shape) << 12).astype(np.uint16)
    ds.PixelData = (stored.astype(np.uint16) | junk).astype("<u2").tobytes()
    ds.WindowCenter = 40
    ds.WindowWidth = 350
    save(ds, "ct_junk_high_bits.dcm")
    with_dcm2pnm("ct_junk_high_bits.dcm", "12 of 16 bits stored, junk in the top 4 bits")

    # high bit below the top: 10 bits stored at bits 2..11
    ds, stored = ct_dataset(rows=40, cols=45)
    ds.BitsStored = 10
    ds.HighBit = 11
    ds.PixelData = (((stored.astype(np.uint16) >> 2) << 2) | 0x3).astype("<u2").tobytes()
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    save(ds, "high_bit_11_of_10.dcm")
    with_dcm2pnm("high_bit_11_of_10.dcm", "bits stored 10 with high bit 11 (stored value shifted up by 2)")

    # 8-bit grey, odd size; MONOCHROME1; presentation INVERSE
    save(grey8_dataset(), "grey8_odd.dcm")
    with_dcm2pnm("grey8_odd.dcm", "8-bit grey, odd rows and columns", mode="minmax")
    ds = grey8_dataset()
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.WindowCenter = 128
    ds.WindowWidth = 256
    save(ds, "mono1_8bit.dcm")
    with_dcm2pnm("mono1_8bit.dcm", "MONOCHROME1: low values are white")
    ds, _ = ct_dataset(rows=50, cols=50)
    ds.PhotometricInterpretation = "MONOCHROME1"
    ds.WindowCenter = 40
    ds.WindowWidth = 800
    save(ds, "mono1_ct16.dcm")
    with_dcm2pnm("mono1_ct16.dcm", "MONOCHROME1, 16-bit with rescale")

    # VOI LUT functions
    ds, stored = ct_dataset(rows=48, cols=56)
    ds.WindowCenter = 100
    ds.WindowWidth = 600
    ds.VOILUTFunction = "SIGMOID"
    save(ds, "ct_sigmoid.dcm")
    with_dcm2pnm("ct_sigmoid.dcm", "VOI LUT Function SIGMOID", extra=("+Wfs",))
    ds.VOILUTFunction = "LINEAR_EXACT"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid()
    save(ds, "ct_linear_exact.dcm")
    write_png(os.path.join(OUT, "ct_linear_exact.ref.png"), numpy_window(stored[0] - 1024, 100, 600, "LINEAR_EXACT"))
    add("ct_linear_exact.dcm", reference="ct_linear_exact.ref.png", reference_kind="pydicom+numpy",
        note="VOI LUT Function LINEAR_EXACT (dcmtk 3.6.7 has no LINEAR_EXACT)")

    # Modality LUT Sequence and VOI LUT Sequence
    ds, stored = ct_dataset(rows=45, cols=52)
    del ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType
    mlut = Dataset()
    mlut.LUTDescriptor = [4096, 0, 16]
    mlut.ModalityLUTType = "HU"
    mlut.add_new(0x00283006, "US", (np.sqrt(np.arange(4096) / 4095) * 4000).astype(np.uint16).tolist())
    ds.ModalityLUTSequence = [mlut]
    save(ds, "modality_lut_seq.dcm")
    with_dcm2pnm("modality_lut_seq.dcm", "Modality LUT Sequence (square-root curve), min/max window", mode="minmax")
    ds, stored = ct_dataset(rows=45, cols=52)
    vlut = Dataset()
    vlut.LUTDescriptor = [2048, -1024 & 0xFFFF, 8]
    vlut.add_new(0x00283006, "US", np.clip(np.round(255 * (np.arange(2048) / 2047) ** 0.5), 0, 255).astype(np.uint16).tolist())
    ds.VOILUTSequence = [vlut]
    ds["VOILUTSequence"][0]["LUTDescriptor"].VR = "US"
    ds.PixelRepresentation = 0
    save(ds, "voi_lut_seq.dcm")
    # the first mapped value -1024 is a modality (HU) value; US carries its 16-bit pattern
    lut = np.array(vlut.LUTData)
    hu = stored[0].astype(np.int64) - 1024
    write_png(os.path.join(OUT, "voi_lut_seq.ref.png"), np.round(lut[np.clip(hu + 1024, 0, 2047)] / 255 * 255).astype(np.uint8))
    add("voi_lut_seq.dcm", reference="voi_lut_seq.ref.png", reference_kind="pydicom+numpy",
        note="VOI LUT Sequence, 8-bit entries, first mapped value -1024 HU")

    # 1-bit, odd size, two frames so that frame 2 starts mid-byte
    rows, cols = 29, 37
    y, x = np.mgrid[0:rows, 0:cols]
    bits = np.stack([((x // 4 + y // 4) % 2), ((x - 18) ** 2 + (y - 14) ** 2 < 100)]).astype(np.uint8)
    packed = np.packbits(bits.reshape(-1), bitorder="little")
    ds = dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=1, frames=2)
    ds.PixelData = packed.tobytes() + (b"\x00" if len(packed) % 2 else b"")
    save(ds, "bits1_two_frames.dcm")
    with_dcm2pnm("bits1_two_frames.dcm", "1 bit allocated, second frame starts mid-byte", frame=1, mode="minmax")

    # 32-bit unsigned and signed
    for signed, name in ((False, "u32.dcm"), (True, "s32.dcm")):
        rows, cols = 33, 47
        v = ct_hu(rows, cols) * 50000
        v = v if signed else v + 60_000_000
        ds = dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=32, signed=signed)
        arr = v.astype("<i4" if signed else "<u4")
        ds.PixelData = arr.tobytes()
        save(ds, name)
        try:
            with_dcm2pnm(name, f"32 bits allocated, {'signed' if signed else 'unsigned'}", mode="minmax")
        except subprocess.CalledProcessError:
            write_png(os.path.join(OUT, name.replace(".dcm", ".ref.png")),
                      numpy_window(arr.astype(np.float64), (arr.min() + arr.max() + 1) / 2, arr.max() - arr.min() + 1))
            add(name, reference=name.replace(".dcm", ".ref.png"), reference_kind="pydicom+numpy",
                note="32 bits allocated (dcm2pnm refused it)")

    # colour: RGB planar 0/1, YBR_FULL, YBR_FULL_422, palette
    ds, img = rgb_dataset(rows=48, cols=63)
    save(ds, "rgb_planar0.dcm")
    with_dcm2pnm("rgb_planar0.dcm", "RGB, planar configuration 0")
    ds, img = rgb_dataset(rows=47, cols=64, planar=1)
    save(ds, "rgb_planar1.dcm")
    with_dcm2pnm("rgb_planar1.dcm", "RGB, planar configuration 1")
    ds, img = rgb_dataset(rows=48, cols=64)
    ds.PhotometricInterpretation = "YBR_FULL"
    ds.PixelData = ybr_full(img).tobytes()
    save(ds, "ybr_full.dcm")
    with_dcm2pnm("ybr_full.dcm", "YBR_FULL native", lossless=False)
    ybr = ybr_full(img)
    packed = bytearray()
    for r in range(ybr.shape[0]):
        for c in range(0, ybr.shape[1], 2):
            cb = (int(ybr[r, c, 1]) + int(ybr[r, c + 1, 1]) + 1) // 2
            cr = (int(ybr[r, c, 2]) + int(ybr[r, c + 1, 2]) + 1) // 2
            packed += bytes([ybr[r, c, 0], ybr[r, c + 1, 0], cb, cr])
    ds.PhotometricInterpretation = "YBR_FULL_422"
    ds.PixelData = bytes(packed)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid()
    save(ds, "ybr_full_422.dcm")
    with_dcm2pnm("ybr_full_422.dcm", "YBR_FULL_422 native (Y1 Y2 Cb Cr)", lossless=False)

    palette_rows(tmp)
    multiframe_rows(tmp)


def palette_rows(tmp):
    rows, cols = 50, 61
    index = grey8(rows, cols)
    t = np.arange(256) / 255
    red = np.round(65535 * np.clip(1.5 * t, 0, 1)).astype(np.uint16)
    green = np.round(65535 * t ** 2).astype(np.uint16)
    blue = np.round(65535 * (1 - t)).astype(np.uint16)
    ds = dataset(rows, cols, photometric="PALETTE COLOR", bits_allocated=8)
    for name, lut in (("Red", red), ("Green", green), ("Blue", blue)):
        setattr(ds, f"{name}PaletteColorLookupTableDescriptor", [256, 0, 16])
        setattr(ds, f"{name}PaletteColorLookupTableData", lut.astype("<u2").tobytes())
    ds.PixelData = index.tobytes()
    save(ds, "palette8.dcm")
    with_dcm2pnm("palette8.dcm", "PALETTE COLOR, 256 entries of 16 bits")

    # segmented: a discrete start, then linear ramps (PS3.3 C.7.9.2)
    def segmented(points):
        words = [0, 1, points[0][1]]
        for length, value in points[1:]:
            words += [1, length, value]
        return words

    segs = {
        "Red": segmented([(1, 0), (127, 65535), (128, 65535)]),
        "Green": segmented([(1, 0), (64, 0), (191, 65535)]),
        "Blue": segmented([(1, 65535), (255, 0)]),
    }
    ds = dataset(rows, cols, photometric="PALETTE COLOR", bits_allocated=8)
    for name, words in segs.items():
        setattr(ds, f"{name}PaletteColorLookupTableDescriptor", [256, 0, 16])
        ds.add_new(
            {"Red": 0x00281221, "Green": 0x00281222, "Blue": 0x00281223}[name], "OW",
            np.array(words, dtype="<u2").tobytes())
    ds.PixelData = index.tobytes()
    save(ds, "palette8_segmented.dcm")
    # pydicom expands segmented tables independently of dcmtk and of the Rust code
    from pydicom.pixels import apply_color_lut
    rgb = apply_color_lut(index, pydicom.dcmread(os.path.join(OUT, "palette8_segmented.dcm")))
    write_png(os.path.join(OUT, "palette8_segmented.ref.png"), (rgb.astype(np.uint32) >> 8).astype(np.uint8))
    add("palette8_segmented.dcm", reference="palette8_segmented.ref.png", reference_kind="pydicom+numpy",
        note="PALETTE COLOR with segmented LUTs (expanded by pydicom)")


def multiframe_rows(tmp):
    ds, _ = ct_dataset(rows=40, cols=43, frames=3)
    ds.WindowCenter = 100
    ds.WindowWidth = 1000
    save(ds, "ct_multiframe.dcm")
    with_dcm2pnm("ct_multiframe.dcm", "classic multi-frame, third frame", frame=2)

    # enhanced multi-frame: per-frame rescale and window, shared fallback
    rows, cols, frames = 36, 41, 3
    ds, stored = ct_dataset(rows=rows, cols=cols, frames=frames, )
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = ENHANCED_CT
    del ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType
    shared = Dataset()
    pvt = Dataset()
    pvt.RescaleIntercept = -1024
    pvt.RescaleSlope = 1
    pvt.RescaleType = "HU"
    shared.PixelValueTransformationSequence = [pvt]
    voi = Dataset()
    voi.WindowCenter = 40
    voi.WindowWidth = 400
    shared.FrameVOILUTSequence = [voi]
    ds.SharedFunctionalGroupsSequence = [shared]
    per_frame = []
    settings = [(None, None), ((-1000, 2), (500, 3000)), (None, (-600, 1200))]
    for rescale, window in settings:
        item = Dataset()
        if rescale:
            p = Dataset()
            p.RescaleIntercept, p.RescaleSlope = rescale
            p.RescaleType = "HU"
            item.PixelValueTransformationSequence = [p]
        if window:
            v = Dataset()
            v.WindowCenter, v.WindowWidth = window
            item.FrameVOILUTSequence = [v]
        per_frame.append(item)
    ds.PerFrameFunctionalGroupsSequence = per_frame
    save(ds, "enhanced_ct.dcm")
    # dcmtk 3.6.7 reads no functional groups: the reference renders each frame extracted as
    # a classic image with that frame's effective rescale and window.
    for f, (rescale, window) in enumerate(settings):
        intercept, slope = rescale or (-1024, 1)
        center, width = window or (40, 400)
        single, _ = ct_dataset(rows=rows, cols=cols)
        single.PixelData = stored[f].astype("<u2").tobytes()
        single.RescaleIntercept, single.RescaleSlope = intercept, slope
        single.WindowCenter, single.WindowWidth = center, width
        src = os.path.join(tmp, f"enhanced_frame{f}.dcm")
        single.save_as(src, enforce_file_format=True)
        png = f"enhanced_ct.f{f}.ref.png"
        dcm2pnm(src, os.path.join(OUT, png))
        add("enhanced_ct.dcm", frame=f, reference=png, reference_kind="dcm2pnm of the frame as a classic image",
            note=f"enhanced multi-frame frame {f + 1}: " + ("per-frame" if rescale or window else "shared") + " groups")


def compressed_rows(tmp):
    def compress(src, dst, tool, *args):
        convert(src, dst, tool, *args)

    # JPEG family (dcmtk's IJG-based encoder)
    compress("grey8_odd.dcm", "jpeg_baseline_grey.dcm", "dcmcjpeg", "+eb")
    with_dcm2pnm("jpeg_baseline_grey.dcm", "JPEG baseline, 8-bit grey", mode="minmax", lossless=False)
    compress("rgb_planar0.dcm", "jpeg_baseline_ybr422.dcm", "dcmcjpeg", "+eb")
    with_dcm2pnm("jpeg_baseline_ybr422.dcm", "JPEG baseline colour, YBR_FULL_422", lossless=False)
    compress("rgb_planar0.dcm", "jpeg_baseline_rgb.dcm", "dcmcjpeg", "+eb", "+cr")
    with_dcm2pnm("jpeg_baseline_rgb.dcm", "JPEG baseline colour kept as RGB (no colour transform)", lossless=False)
    compress("ct_explicit_le.dcm", "jpeg_extended_12bit.dcm", "dcmcjpeg", "+ee")
    with_dcm2pnm("jpeg_extended_12bit.dcm", "JPEG extended (process 4), 12-bit CT", lossless=False)
    compress("ct_explicit_le.dcm", "jpeg_lossless_p14.dcm", "dcmcjpeg", "+el", "+sv", "6")
    with_dcm2pnm("jpeg_lossless_p14.dcm", "JPEG lossless process 14, selection value 6")
    compress("ct_explicit_le.dcm", "jpeg_lossless_sv1.dcm", "dcmcjpeg", "+e1")
    with_dcm2pnm("jpeg_lossless_sv1.dcm", "JPEG lossless SV1, 12-bit CT")
    compress("signed16.dcm", "jpeg_lossless_signed.dcm", "dcmcjpeg", "+e1")
    with_dcm2pnm("jpeg_lossless_signed.dcm", "JPEG lossless SV1, signed 16-bit")
    compress("rgb_planar0.dcm", "jpeg_lossless_rgb.dcm", "dcmcjpeg", "+e1")
    with_dcm2pnm("jpeg_lossless_rgb.dcm", "JPEG lossless SV1, RGB")
    compress("ct_multiframe.dcm", "jpeg_lossless_fragments.dcm", "dcmcjpeg", "+e1", "+fs", "1")
    with_dcm2pnm("jpeg_lossless_fragments.dcm", "3 frames, each split into 1 KiB fragments, with offset table", frame=1)
    compress("ct_multiframe.dcm", "jpeg_lossless_fragments_no_bot.dcm", "dcmcjpeg", "+e1", "+fs", "1", "-ot")
    with_dcm2pnm("jpeg_lossless_fragments_no_bot.dcm", "3 frames split into fragments, empty offset table", frame=2,
                 source=os.path.join(OUT, "ct_multiframe.dcm"))

    # JPEG-LS (dcmtk's CharLS-based encoder)
    compress("ct_explicit_le.dcm", "jpegls_lossless.dcm", "dcmcjpls", "+el")
    with_dcm2pnm("jpegls_lossless.dcm", "JPEG-LS lossless, 12-bit CT")
    compress("ct_explicit_le.dcm", "jpegls_near_lossless.dcm", "dcmcjpls", "+en", "+md", "3")
    with_dcm2pnm("jpegls_near_lossless.dcm", "JPEG-LS near-lossless (NEAR=3)", lossless=False)
    compress("rgb_planar0.dcm", "jpegls_rgb_sample.dcm", "dcmcjpls", "+el", "+is")
    with_dcm2pnm("jpegls_rgb_sample.dcm", "JPEG-LS lossless RGB, sample interleaved")
    compress("rgb_planar0.dcm", "jpegls_rgb_line.dcm", "dcmcjpls", "+el", "+il")
    with_dcm2pnm("jpegls_rgb_line.dcm", "JPEG-LS lossless RGB, line interleaved")
    compress("rgb_planar0.dcm", "jpegls_rgb_near.dcm", "dcmcjpls", "+en", "+md", "2", "+is")
    with_dcm2pnm("jpegls_rgb_near.dcm", "JPEG-LS near-lossless RGB (NEAR=2), sample interleaved", lossless=False)
    compress("rgb_planar0.dcm", "jpegls_rgb_none.dcm", "dcmcjpls", "+el", "+in")
    with_dcm2pnm("jpegls_rgb_none.dcm", "JPEG-LS lossless RGB, separate scans per component")
    compress("grey8_odd.dcm", "jpegls_grey8.dcm", "dcmcjpls", "+el")
    with_dcm2pnm("jpegls_grey8.dcm", "JPEG-LS lossless 8-bit grey, odd size", mode="minmax")

    # RLE (dcmtk's encoder, and pydicom's for 32-bit)
    compress("ct_explicit_le.dcm", "rle_ct16.dcm", "dcmcrle")
    with_dcm2pnm("rle_ct16.dcm", "RLE lossless 16-bit")
    compress("grey8_odd.dcm", "rle_grey8.dcm", "dcmcrle")
    with_dcm2pnm("rle_grey8.dcm", "RLE lossless 8-bit, odd size", mode="minmax")
    compress("rgb_planar0.dcm", "rle_rgb.dcm", "dcmcrle")
    with_dcm2pnm("rle_rgb.dcm", "RLE lossless RGB (3 segments)")
    compress("ct_multiframe.dcm", "rle_multiframe.dcm", "dcmcrle")
    with_dcm2pnm("rle_multiframe.dcm", "RLE lossless, 3 frames", frame=1)
    compress("u32.dcm", "rle_u32.dcm", "dcmcrle")
    src = [m for m in manifest if m["file"] == "u32.dcm"][0]
    shutil.copy(os.path.join(OUT, src["reference"]), os.path.join(OUT, "rle_u32.ref.png"))
    add("rle_u32.dcm", reference="rle_u32.ref.png", reference_kind=src["reference_kind"] + " (of the uncompressed original)",
        note="RLE lossless 32-bit (4 segments)")

    j2k_rows(tmp)


def j2k_rows(tmp):
    """JPEG 2000 and HTJ2K, encoded by OpenJPEG / OpenJPH through imagecodecs."""
    def encapsulated(src_name, dst_name, ts, frames_bytes, photometric=None):
        ds = pydicom.dcmread(os.path.join(OUT, src_name))
        ds.file_meta.TransferSyntaxUID = UID(ts)
        ds.PixelData = encapsulate(frames_bytes)
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
        if photometric:
            ds.PhotometricInterpretation = photometric
        if "PlanarConfiguration" in ds:
            ds.PlanarConfiguration = 0
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid()
        save(ds, dst_name)

    def decoded_copy(src_name, pixels, name):
        """The codec's own decode of a lossy stream, as a native file for dcm2pnm."""
        ds = pydicom.dcmread(os.path.join(OUT, src_name))
        ds.PhotometricInterpretation = "RGB" if pixels.ndim == 3 else ds.PhotometricInterpretation
        ds.PixelData = np.ascontiguousarray(pixels).astype(pixels.dtype.newbyteorder("<")).tobytes()
        path = os.path.join(tmp, name)
        ds.save_as(path, enforce_file_format=True)
        return path

    ct = pydicom.dcmread(os.path.join(OUT, "ct_explicit_le.dcm")).pixel_array.astype(np.uint16)
    rgb = pydicom.dcmread(os.path.join(OUT, "rgb_planar0.dcm")).pixel_array

    stream = imagecodecs.jpeg2k_encode(ct, level=0, codecformat="J2K", reversible=True, bitspersample=12)
    encapsulated("ct_explicit_le.dcm", "j2k_lossless_ct.dcm", TS["j2k_lossless"], [stream])
    with_dcm2pnm("j2k_lossless_ct.dcm", "JPEG 2000 lossless, 12-bit CT",
                 source=os.path.join(OUT, "ct_explicit_le.dcm"))

    stream = imagecodecs.jpeg2k_encode(ct, level=40, codecformat="J2K", reversible=False, bitspersample=12)
    encapsulated("ct_explicit_le.dcm", "j2k_lossy_ct.dcm", TS["j2k"], [stream])
    with_dcm2pnm("j2k_lossy_ct.dcm", "JPEG 2000 lossy (9/7), 12-bit CT", lossless=False,
                 source=decoded_copy("ct_explicit_le.dcm", imagecodecs.jpeg2k_decode(stream), "j2k_lossy_ct.dcm"))

    stream = imagecodecs.jpeg2k_encode(rgb, level=0, codecformat="J2K", reversible=True, mct=True)
    encapsulated("rgb_planar0.dcm", "j2k_lossless_rgb_rct.dcm", TS["j2k_lossless"], [stream], "YBR_RCT")
    with_dcm2pnm("j2k_lossless_rgb_rct.dcm", "JPEG 2000 lossless colour, YBR_RCT",
                 source=os.path.join(OUT, "rgb_planar0.dcm"))

    stream = imagecodecs.jpeg2k_encode(rgb, level=35, codecformat="J2K", reversible=False, mct=True)
    encapsulated("rgb_planar0.dcm", "j2k_lossy_rgb_ict.dcm", TS["j2k"], [stream], "YBR_ICT")
    with_dcm2pnm("j2k_lossy_rgb_ict.dcm", "JPEG 2000 lossy colour, YBR_ICT", lossless=False,
                 source=decoded_copy("rgb_planar0.dcm", imagecodecs.jpeg2k_decode(stream), "j2k_lossy_rgb.dcm"))

    signed = pydicom.dcmread(os.path.join(OUT, "signed16.dcm")).pixel_array.astype(np.int16)
    stream = imagecodecs.jpeg2k_encode(signed, level=0, codecformat="J2K", reversible=True)
    encapsulated("signed16.dcm", "j2k_lossless_signed.dcm", TS["j2k_lossless"], [stream])
    with_dcm2pnm("j2k_lossless_signed.dcm", "JPEG 2000 lossless, signed 16-bit",
                 source=os.path.join(OUT, "signed16.dcm"))

    frames = pydicom.dcmread(os.path.join(OUT, "ct_multiframe.dcm")).pixel_array.astype(np.uint16)
    streams = [imagecodecs.jpeg2k_encode(f, level=0, codecformat="J2K", reversible=True, bitspersample=12) for f in frames]
    ds = pydicom.dcmread(os.path.join(OUT, "ct_multiframe.dcm"))
    ds.file_meta.TransferSyntaxUID = UID(TS["j2k_lossless"])
    ds.PixelData = encapsulate(streams, fragments_per_frame=3, has_bot=False)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid()
    save(ds, "j2k_fragments_no_bot.dcm")
    with_dcm2pnm("j2k_fragments_no_bot.dcm", "JPEG 2000, 3 frames of 3 fragments each, no offset table",
                 frame=2, source=os.path.join(OUT, "ct_multiframe.dcm"))

    # Extended Offset Table (7FE0,0001/0002) with an empty Basic Offset Table
    from pydicom.encaps import encapsulate_extended
    ds = pydicom.dcmread(os.path.join(OUT, "ct_multiframe.dcm"))
    ds.file_meta.TransferSyntaxUID = UID(TS["j2k_lossless"])
    ds.PixelData, ds.ExtendedOffsetTable, ds.ExtendedOffsetTableLengths = encapsulate_extended(streams)
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid()
    save(ds, "j2k_extended_offset_table.dcm")
    with_dcm2pnm("j2k_extended_offset_table.dcm", "JPEG 2000, 3 frames located by the Extended Offset Table",
                 frame=1, source=os.path.join(OUT, "ct_multiframe.dcm"))

    # Deflated Image Frame Compression and Encapsulated Uncompressed: one fragment per frame
    raw_frames = [f.astype("<u2").tobytes() for f in frames]
    for ts, name, encode_frame, note in (
        ("1.2.840.10008.1.2.8.1", "deflated_image_frames.dcm",
         lambda b: (lambda c: c.compress(b) + c.flush())(zlib.compressobj(9, zlib.DEFLATED, -15)),
         "Deflated Image Frame Compression, 3 frames"),
        ("1.2.840.10008.1.2.1.98", "encapsulated_uncompressed.dcm", lambda b: b,
         "Encapsulated Uncompressed Explicit VR Little Endian, 3 frames"),
    ):
        ds = pydicom.dcmread(os.path.join(OUT, "ct_multiframe.dcm"))
        ds.file_meta.TransferSyntaxUID = UID(ts)
        ds.PixelData = encapsulate([encode_frame(b) for b in raw_frames], has_bot=True)
        ds["PixelData"].VR = "OB"
        ds["PixelData"].is_undefined_length = True
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = uid()
        save(ds, name)
        with_dcm2pnm(name, note, frame=2, source=os.path.join(OUT, "ct_multiframe.dcm"))

    # HTJ2K (OpenJPH)
    stream = imagecodecs.htj2k_encode(ct, reversible=True)
    encapsulated("ct_explicit_le.dcm", "htj2k_lossless_ct.dcm", TS["htj2k_lossless"], [stream])
    with_dcm2pnm("htj2k_lossless_ct.dcm", "HTJ2K lossless, 12-bit CT", source=os.path.join(OUT, "ct_explicit_le.dcm"))
    stream = imagecodecs.htj2k_encode(ct, level=95, reversible=False)
    encapsulated("ct_explicit_le.dcm", "htj2k_lossy_ct.dcm", TS["htj2k"], [stream])
    with_dcm2pnm("htj2k_lossy_ct.dcm", "HTJ2K lossy, 12-bit CT", lossless=False,
                 source=decoded_copy("ct_explicit_le.dcm", imagecodecs.htj2k_decode(stream), "htj2k_lossy_ct.dcm"))
    stream = imagecodecs.htj2k_encode(rgb, reversible=True)
    encapsulated("rgb_planar0.dcm", "htj2k_lossless_rgb.dcm", TS["htj2k_lossless"], [stream], "YBR_RCT")
    with_dcm2pnm("htj2k_lossless_rgb.dcm", "HTJ2K lossless colour, YBR_RCT", source=os.path.join(OUT, "rgb_planar0.dcm"))


def main():
    for tool in ("dcm2pnm", "dcmconv", "dcmcjpeg", "dcmcjpls", "dcmcrle", "opj_compress"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} not found: apt-get install -y dcmtk libopenjp2-tools")
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    with tempfile.TemporaryDirectory() as tmp:
        native_rows(tmp)
        compressed_rows(tmp)
        render_corpus_quirks.rows(sys.modules[__name__], tmp)
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump({"generator": "scripts/make_render_corpus.py",
                   "tolerance": {"lossless": 1.0, "lossy": 3.0},
                   "entries": manifest}, f, indent=1)
        f.write("\n")
    size = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"{len(manifest)} entries, {size / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
