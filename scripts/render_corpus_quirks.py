"""Corpus rows for the cases real-world files bring that the base recipes do not cover.

Imported by make_render_corpus.py, which passes itself as `c` (its helpers, its manifest):

- big endian: palette lookup tables, 16-bit palette indices, 32-bit pixel data (RT Dose,
  signed and unsigned), an enhanced multi-frame object;
- Pixel Padding Value and Pixel Padding Range Limit;
- Float Pixel Data and Double Float Pixel Data (parametric maps);
- JPEG-LS with a mapping table, colour 12-bit JPEG, JPEG 2000 with sub-sampled chroma.

Where dcmtk 3.6.7 cannot serve as the reference (it reads 32-bit big-endian OW as 16-bit
words, has no float pixel data, no padding exclusion, no JPEG 2000), the reference is an
independent decode (pydicom, CharLS, OpenJPEG) written out as a native file for dcm2pnm,
or numpy applying the standard's formulas; each row's manifest entry says which.
"""
import os
import shutil
import subprocess

import numpy as np
import imagecodecs
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.filewriter import dcmwrite
from pydicom.uid import UID, ExplicitVRBigEndian, ImplicitVRLittleEndian

RT_DOSE = "1.2.840.10008.5.1.4.1.1.481.2"
PARAMETRIC_MAP = "1.2.840.10008.5.1.4.1.1.30"


def rows(c, tmp):
    big_endian_rows(c, tmp)
    padding_rows(c)
    float_rows(c)
    codec_rows(c, tmp)


def copy_reference(c, src_name, dst_name, *, frame=0, note, kind_suffix):
    """A new corpus file whose pixels equal `src_name`'s: reuse that file's reference."""
    src = [m for m in c.manifest if m["file"] == src_name and m["frame"] == frame][0]
    png = dst_name.rsplit(".", 1)[0] + (f".f{frame}" if frame else "") + ".ref.png"
    shutil.copy(os.path.join(c.OUT, src["reference"]), os.path.join(c.OUT, png))
    c.add(dst_name, frame=frame, reference=png, reference_kind=src["reference_kind"] + kind_suffix, note=note)


def true_big_endian(c, src_name, dst_name):
    """`src_name` rewritten in explicit VR big endian with each pixel cell byte-swapped as a
    whole (a 32-bit value is 4 bytes, most significant first), as pydicom and GDCM write
    and read it. dcmconv +tb instead swaps the bytes of each 16-bit word of OW data."""
    ds = pydicom.dcmread(os.path.join(c.OUT, src_name))
    arr = ds.pixel_array
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    ds.PixelData = arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = c.uid()
    path = os.path.join(c.OUT, dst_name)
    dcmwrite(path, ds, implicit_vr=False, little_endian=False, enforce_file_format=True)
    back = pydicom.dcmread(path).pixel_array
    assert (back == arr).all(), f"{dst_name}: pydicom does not read back the values written"


def big_endian_rows(c, tmp):
    c.convert("palette8.dcm", "palette8_big_endian.dcm", "dcmconv", "+tb")
    c.with_dcm2pnm("palette8_big_endian.dcm", "PALETTE COLOR, explicit VR big endian (LUT data as big-endian words)")
    c.convert("palette8_segmented.dcm", "palette8_segmented_big_endian.dcm", "dcmconv", "+tb")
    copy_reference(c, "palette8_segmented.dcm", "palette8_segmented_big_endian.dcm",
                   note="segmented PALETTE COLOR, explicit VR big endian", kind_suffix=" (of the little-endian original)")

    # 8-bit pixels in OW (implicit VR gives Pixel Data OW; dcmconv keeps it): in big endian
    # every pair of pixels is swapped on the wire
    via = os.path.join(tmp, "palette8_implicit.dcm")
    c.run("dcmconv", "+ti", os.path.join(c.OUT, "palette8.dcm"), via)
    c.run("dcmconv", "+tb", via, os.path.join(c.OUT, "palette8_ow_big_endian.dcm"))
    c.with_dcm2pnm("palette8_ow_big_endian.dcm", "PALETTE COLOR, 8-bit pixels in OW, explicit VR big endian")

    # 8-bit entries, two to a word: on the wire in big endian the word's high byte comes first
    rows, cols = 50, 61
    t = np.arange(256) / 255
    ds = c.dataset(rows, cols, photometric="PALETTE COLOR", bits_allocated=8)
    for name, lut in (("Red", np.clip(1.5 * t, 0, 1)), ("Green", t ** 2), ("Blue", 1 - t)):
        setattr(ds, f"{name}PaletteColorLookupTableDescriptor", [256, 0, 8])
        setattr(ds, f"{name}PaletteColorLookupTableData", np.round(255 * lut).astype(np.uint8).tobytes())
    ds.PixelData = c.grey8(rows, cols).tobytes()
    c.save(ds, "palette8_entries8.dcm")
    c.with_dcm2pnm("palette8_entries8.dcm", "PALETTE COLOR, 8-bit entries packed two per word")
    c.convert("palette8_entries8.dcm", "palette8_entries8_big_endian.dcm", "dcmconv", "+tb")
    c.with_dcm2pnm("palette8_entries8_big_endian.dcm", "PALETTE COLOR, 8-bit entries, explicit VR big endian")

    # 16-bit indices into 4096-entry tables whose first mapped value is 100
    rows, cols = 46, 57
    y, x = np.mgrid[0:rows, 0:cols]
    index = (100 + (x * 4000 // (cols - 1) + y * 7) % 4096).astype(np.uint16)
    t = np.arange(4096) / 4095
    ds = c.dataset(rows, cols, photometric="PALETTE COLOR", bits_allocated=16)
    for name, lut in (("Red", t), ("Green", (t * 3) % 1), ("Blue", 1 - t ** 0.5)):
        setattr(ds, f"{name}PaletteColorLookupTableDescriptor", [4096, 100, 16])
        setattr(ds, f"{name}PaletteColorLookupTableData", np.round(65535 * lut).astype("<u2").tobytes())
    ds.PixelData = index.astype("<u2").tobytes()
    c.save(ds, "palette16.dcm")
    c.with_dcm2pnm("palette16.dcm", "PALETTE COLOR, 16-bit indices, 4096 entries from 100")
    c.convert("palette16.dcm", "palette16_big_endian.dcm", "dcmconv", "+tb")
    c.with_dcm2pnm("palette16_big_endian.dcm", "PALETTE COLOR, 16-bit indices, explicit VR big endian")

    # RT Dose: 32-bit unsigned, 3 frames, Dose Grid Scaling
    rows, cols, frames = 31, 43, 3
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    dose = np.stack([
        np.exp(-(((x - cols * (0.4 + 0.1 * f)) / 9) ** 2 + ((y - rows / 2) / 7) ** 2)) * 70.0 * (1 + 0.2 * f)
        + 0.3 * x / cols for f in range(frames)])
    stored = np.round(dose / 2e-5).astype(np.uint32)
    ds = c.dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=32, frames=frames, sop_class=RT_DOSE)
    ds.Modality = "RTDOSE"
    ds.DoseUnits = "GY"
    ds.DoseType = "PHYSICAL"
    ds.DoseSummationType = "PLAN"
    ds.DoseGridScaling = 2e-5
    ds.GridFrameOffsetVector = [0.0, 2.5, 5.0]
    ds.FrameIncrementPointer = 0x3004000C
    ds.PixelData = stored.astype("<u4").tobytes()
    c.save(ds, "rtdose_u32.dcm")
    c.with_dcm2pnm("rtdose_u32.dcm", "RT Dose, 32-bit unsigned, 3 frames, min/max window", frame=1, mode="minmax")
    true_big_endian(c, "rtdose_u32.dcm", "rtdose_u32_big_endian.dcm")
    copy_reference(c, "rtdose_u32.dcm", "rtdose_u32_big_endian.dcm", frame=1,
                   note="RT Dose, 32-bit, explicit VR big endian (each 32-bit cell big endian)",
                   kind_suffix=" of the little-endian original (dcmtk 3.6.7 reads big-endian 32-bit OW as words)")
    for name in ("u32.dcm", "s32.dcm"):
        be = name.replace(".dcm", "_big_endian.dcm")
        true_big_endian(c, name, be)
        copy_reference(c, name, be, note=f"{name[:3]} in explicit VR big endian",
                       kind_suffix=" of the little-endian original (dcmtk 3.6.7 reads big-endian 32-bit OW as words)")

    # Enhanced multi-frame in big endian: the functional groups still govern each frame.
    c.convert("enhanced_ct.dcm", "enhanced_ct_big_endian.dcm", "dcmconv", "+tb")
    for f in range(3):
        src = [m for m in c.manifest if m["file"] == "enhanced_ct.dcm" and m["frame"] == f][0]
        c.add("enhanced_ct_big_endian.dcm", frame=f, reference=src["reference"], reference_kind=src["reference_kind"],
              note=f"enhanced multi-frame in explicit VR big endian, frame {f + 1}")


def padding_rows(c):
    """PS3.3 C.7.5.1.1.2: padding pixels are background and take no part in the VOI."""
    rows, cols = 62, 75
    y, x = np.mgrid[0:rows, 0:cols]
    outside = ((x - cols / 2) / (cols * 0.45)) ** 2 + ((y - rows / 2) / (rows * 0.42)) ** 2 > 1
    hu = np.round(c.ct_hu(rows, cols)).astype(np.int16)
    hu[outside] = -3024
    ds = c.dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=16, signed=True, sop_class=c.CT_IMAGE)
    ds.RescaleIntercept = 0
    ds.RescaleSlope = 1
    ds.PixelPaddingValue = -3024
    ds["PixelPaddingValue"].VR = "SS"
    ds.PixelData = hu.astype("<i2").tobytes()
    c.save(ds, "ct_pixel_padding.dcm")
    inside = hu[~outside].astype(np.float64)
    lo, hi = inside.min(), inside.max()
    out = c.numpy_window(hu, (lo + hi + 1) / 2, hi - lo + 1)
    out[outside] = 0
    c.write_png(os.path.join(c.OUT, "ct_pixel_padding.ref.png"), out)
    c.add("ct_pixel_padding.dcm", reference="ct_pixel_padding.ref.png", reference_kind="pydicom+numpy",
          note="Pixel Padding Value -3024 (signed): black, left out of the min/max window")

    ds, stored = c.ct_dataset(rows=rows, cols=cols)
    stored = stored[0].astype(np.uint16)
    stored[outside] = np.random.default_rng(11).integers(0, 21, size=int(outside.sum()))
    ds.PixelData = stored.astype("<u2").tobytes()
    ds.PixelPaddingValue = 0
    ds["PixelPaddingValue"].VR = "US"
    ds.PixelPaddingRangeLimit = 20
    ds["PixelPaddingRangeLimit"].VR = "US"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = c.uid()
    c.save(ds, "ct_pixel_padding_range.dcm")
    hu = stored.astype(np.float64) - 1024
    lo, hi = hu[~outside].min(), hu[~outside].max()
    out = c.numpy_window(hu, (lo + hi + 1) / 2, hi - lo + 1)
    out[outside] = 0
    c.write_png(os.path.join(c.OUT, "ct_pixel_padding_range.ref.png"), out)
    c.add("ct_pixel_padding_range.dcm", reference="ct_pixel_padding_range.ref.png", reference_kind="pydicom+numpy",
          note="Pixel Padding Value 0 with Range Limit 20: stored 0..20 are background")


def float_rows(c):
    """Float (7FE0,0008) and Double Float (7FE0,0009) Pixel Data, as parametric maps carry.
    No Bits Stored, High Bit or Pixel Representation: the values are the modality values.
    Without a window, min/max map to black and white exactly (LINEAR_EXACT)."""
    rows, cols, frames = 38, 51, 2
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    maps = np.stack([
        1800 * np.sin(x / 7) * np.cos(y / 9) + 400 * x / cols + 0.37,
        2400 * np.exp(-((x - cols / 2) ** 2 + (y - rows / 3) ** 2) / 150) - 250.5,
    ])
    for name, keyword, dtype, ts, note in (
        ("float_pixel_data.dcm", "FloatPixelData", "<f4", None, "Float Pixel Data (32-bit), parametric map"),
        ("double_pixel_data.dcm", "DoubleFloatPixelData", "<f8", ImplicitVRLittleEndian,
         "Double Float Pixel Data (64-bit), implicit VR"),
    ):
        ds = c.dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=32 if dtype == "<f4" else 64,
                       frames=frames, sop_class=PARAMETRIC_MAP, ts=ts or c.ExplicitVRLittleEndian)
        del ds.BitsStored, ds.HighBit, ds.PixelRepresentation
        ds.Modality = "MR"
        shared = Dataset()
        pvt = Dataset()
        pvt.RescaleIntercept = 0
        pvt.RescaleSlope = 1
        pvt.RescaleType = "US"
        shared.PixelValueTransformationSequence = [pvt]
        ds.SharedFunctionalGroupsSequence = [shared]
        second = Dataset()
        voi = Dataset()
        voi.WindowCenter = 900
        voi.WindowWidth = 1800
        second.FrameVOILUTSequence = [voi]
        ds.PerFrameFunctionalGroupsSequence = [Dataset(), second]
        setattr(ds, keyword, maps.astype(dtype).tobytes())
        c.save(ds, name)
        values = pydicom.dcmread(os.path.join(c.OUT, name)).pixel_array.astype(np.float64)
        png = name.replace(".dcm", ".f0.ref.png")
        c.write_png(os.path.join(c.OUT, png),
                    c.numpy_window(values[0], (values[0].min() + values[0].max()) / 2,
                                   values[0].max() - values[0].min(), "LINEAR_EXACT"))
        c.add(name, reference=png, reference_kind="pydicom+numpy", note=note + ", frame 1: min/max")
        png = name.replace(".dcm", ".f1.ref.png")
        c.write_png(os.path.join(c.OUT, png), c.numpy_window(values[1], 900, 1800))
        c.add(name, frame=1, reference=png, reference_kind="pydicom+numpy",
              note=note + ", frame 2: per-frame window 900/1800")


def jpegls_with_mapping_table(plain, table):
    """A CharLS stream of indices with a mapping table (LSE id 2, T.87 C.2.4.1.2) spliced in
    before the scan, and the scan's component naming it (Tm = 1)."""
    stream = bytearray(plain)
    sos = stream.index(b"\xff\xda")
    ns = stream[sos + 4]
    assert ns == 1
    stream[sos + 6] = 1  # Tm of the only component
    entries = b"".join(int(v).to_bytes(2, "big") for v in table)
    lse = b"\xff\xf8" + (5 + len(entries)).to_bytes(2, "big") + bytes([2, 1, 2]) + entries
    return bytes(stream[:sos]) + lse + bytes(stream[sos:])


def codec_rows(c, tmp):
    # JPEG-LS with a mapping table: 6-bit indices → 12-bit values
    rows, cols = 44, 59
    indices = (c.grey8(rows, cols) >> 2).astype(np.uint8)
    table = np.round(4095 * (np.arange(64) / 63) ** 2).astype(np.uint16)
    plain = imagecodecs.jpegls_encode(indices, level=0)
    stream = jpegls_with_mapping_table(plain, table)
    ds = c.dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=16, bits_stored=12, ts=c.TS["jpegls"])
    ds.WindowCenter = 1500
    ds.WindowWidth = 3000
    ds.PixelData = encapsulate([stream])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    c.save(ds, "jpegls_mapping_table.dcm")
    # CharLS 2.4 refuses streams that name a mapping table: it decodes the indices from the
    # stream before the table went in (the same scan bytes), and numpy applies the table.
    decoded = imagecodecs.jpegls_decode(plain)
    assert (decoded == indices).all()
    native = c.dataset(rows, cols, photometric="MONOCHROME2", bits_allocated=16, bits_stored=12)
    native.WindowCenter, native.WindowWidth = 1500, 3000
    native.PixelData = table[decoded].astype("<u2").tobytes()
    src = os.path.join(tmp, "jpegls_mapping_table.dcm")
    native.save_as(src, enforce_file_format=True)
    c.with_dcm2pnm("jpegls_mapping_table.dcm", "JPEG-LS lossless with a mapping table (LSE id 2), 6 → 12 bits",
                   source=src)

    # Colour 12-bit JPEG extended (dcmtk's 12-bit IJG encoder, YBR_FULL_422)
    rows, cols = 48, 64
    rgb12 = c.rgb8(rows, cols).astype(np.uint16) * 16 + 7
    ds = c.dataset(rows, cols, photometric="RGB", bits_allocated=16, bits_stored=12, samples=3)
    ds.PixelData = rgb12.astype("<u2").tobytes()
    c.save(ds, "rgb12.dcm")
    c.with_dcm2pnm("rgb12.dcm", "RGB 12 bits stored in 16")
    c.convert("rgb12.dcm", "jpeg_extended_rgb12.dcm", "dcmcjpeg", "+ee")
    ybr = pydicom.dcmread(os.path.join(c.OUT, "jpeg_extended_rgb12.dcm")).PhotometricInterpretation
    c.with_dcm2pnm("jpeg_extended_rgb12.dcm", f"JPEG extended 12-bit colour ({ybr})", lossless=False)

    # JPEG 2000 with sub-sampled chroma: Y at full size, Cb and Cr at half width (OpenJPEG)
    if shutil.which("opj_compress") is None:
        raise SystemExit("opj_compress not found: apt-get install -y libopenjp2-tools")
    rows, cols = 48, 64
    ybr = c.ybr_full(c.rgb8(rows, cols)).astype(np.int32)
    half = [((ybr[:, 0::2, k] + ybr[:, 1::2, k] + 1) // 2).astype(np.uint8) for k in (1, 2)]
    raw = os.path.join(tmp, "ybr422.raw")
    with open(raw, "wb") as f:
        f.write(ybr[..., 0].astype(np.uint8).tobytes() + half[0].tobytes() + half[1].tobytes())
    j2k = os.path.join(tmp, "ybr422.j2k")
    subprocess.run(["opj_compress", "-i", raw, "-o", j2k, "-F", f"{cols},{rows},3,8,u@1x1:2x1:2x1", "-mct", "0"],
                   check=True, stdout=subprocess.DEVNULL)
    with open(j2k, "rb") as f:
        stream = f.read()
    ds = c.dataset(rows, cols, photometric="YBR_FULL_422", bits_allocated=8, samples=3, ts=c.TS["j2k_lossless"])
    ds.PlanarConfiguration = 0
    ds.PixelData = encapsulate([stream])
    ds["PixelData"].VR = "OB"
    ds["PixelData"].is_undefined_length = True
    c.save(ds, "j2k_subsampled_ybr422.dcm")
    # The same samples as native YBR_FULL_422 (Y1 Y2 Cb Cr), which dcm2pnm reads.
    packed = np.stack([ybr[:, 0::2, 0], ybr[:, 1::2, 0], half[0], half[1]], axis=-1).astype(np.uint8)
    native = c.dataset(rows, cols, photometric="YBR_FULL_422", bits_allocated=8, samples=3)
    native.PixelData = packed.tobytes()
    src = os.path.join(tmp, "j2k_subsampled_native.dcm")
    native.save_as(src, enforce_file_format=True)
    c.with_dcm2pnm("j2k_subsampled_ybr422.dcm", "JPEG 2000 lossless, Cb and Cr sub-sampled 2:1 horizontally",
                   source=src)
