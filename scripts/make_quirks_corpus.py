#!/usr/bin/env python3
"""Writes tests/real-world-corpus/: small DICOM files with the quirks real devices send, and
manifest.json with the outcome Ferrum must give each (committed; rerun to regenerate).

    pip install pydicom numpy && python3 scripts/make_quirks_corpus.py tests/real-world-corpus

The files are written byte by byte (not through a DICOM library), because most of them break
a rule that a library would not let us break. Everything is synthetic: made-up patients,
generated pixels, fixed UIDs, so a rerun gives the same files.

Each manifest entry records `pydicom_reads`: whether pydicom (`dcmread(force=True)`) reads the
file and finds its three UIDs. The tests hold Ferrum to store every such file, except where
`pydicom_differs` says why Ferrum refuses it on purpose.
"""
import json
import os
import struct
import sys

ROOT = "1.2.826.0.1.3680043.10.1137.99"  # the samples' prefix, .99 for this corpus
SC_IMAGE = "1.2.840.10008.5.1.4.1.1.7"
IMPLICIT_LE = "1.2.840.10008.1.2"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
EXPLICIT_BE = "1.2.840.10008.1.2.2"
LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"UC", b"UN", b"UR", b"UT", b"SV", b"UV"}
TEXT_PAD = {b"UI": b"\0", b"OB": b"\0", b"UN": b"\0"}


class Enc:
    def __init__(self, explicit, big):
        self.explicit, self.big = explicit, big
        self.e = ">" if big else "<"


IMPLICIT = Enc(False, False)
EXPLICIT = Enc(True, False)
BIG = Enc(True, True)
IMPLICIT_BIG = Enc(False, True)  # not a transfer syntax: nothing may read it as DICOM


def element(enc, tag, vr, value, length=None):
    group, elem = tag
    out = struct.pack(enc.e + "HH", group, elem)
    n = len(value) if length is None else length
    if not enc.explicit or group == 0xFFFE:
        out += struct.pack(enc.e + "I", n)
    elif vr in LONG_VRS:
        out += vr + b"\0\0" + struct.pack(enc.e + "I", n)
    else:
        out += vr + struct.pack(enc.e + "H", n)
    return out + value


def text(vr, s, pad=True):
    b = s.encode("latin-1") if isinstance(s, str) else s
    if pad and len(b) % 2:
        b += TEXT_PAD.get(vr, b" ")
    return b


def us(enc, n):
    return struct.pack(enc.e + "H", n)


def pixels(enc):
    """16×16, 12 bits stored: a ramp with a bright square, so a rendering is not uniform."""
    words = []
    for y in range(16):
        for x in range(16):
            v = 200 * x + 50 * y
            if 5 <= x < 11 and 5 <= y < 11:
                v = 4000
            words.append(v)
    return struct.pack(enc.e + "256H", *words)


def base(n, **over):
    """The attributes of one instance, as {tag: (vr, value)}; `over` replaces or removes them."""
    attrs = {
        (0x0008, 0x0016): (b"UI", text(b"UI", SC_IMAGE)),
        (0x0008, 0x0018): (b"UI", text(b"UI", f"{ROOT}.{n}.1.1")),
        (0x0008, 0x0020): (b"DA", text(b"DA", "20240601")),
        (0x0008, 0x0060): (b"CS", text(b"CS", "OT")),
        (0x0008, 0x1030): (b"LO", text(b"LO", f"Quirk {n}")),
        (0x0010, 0x0010): (b"PN", text(b"PN", f"Quirk^Case{n}")),
        (0x0010, 0x0020): (b"LO", text(b"LO", f"QUIRK{n:03d}")),
        (0x0020, 0x000D): (b"UI", text(b"UI", f"{ROOT}.{n}")),
        (0x0020, 0x000E): (b"UI", text(b"UI", f"{ROOT}.{n}.1")),
        (0x0020, 0x0013): (b"IS", text(b"IS", "1")),
        (0x0028, 0x0002): (b"US", None),
        (0x0028, 0x0004): (b"CS", text(b"CS", "MONOCHROME2")),
        (0x0028, 0x0010): (b"US", None),
        (0x0028, 0x0011): (b"US", None),
        (0x0028, 0x0100): (b"US", None),
        (0x0028, 0x0101): (b"US", None),
        (0x0028, 0x0102): (b"US", None),
        (0x0028, 0x0103): (b"US", None),
        (0x7FE0, 0x0010): (b"OW", None),
    }
    for k, v in over.items():
        tag = TAGS[k]
        if v is None:
            attrs.pop(tag, None)
        else:
            attrs[tag] = v
    return attrs


TAGS = {
    "charset": (0x0008, 0x0005),
    "sop": (0x0008, 0x0018),
    "study": (0x0020, 0x000D),
    "series": (0x0020, 0x000E),
    "name": (0x0010, 0x0010),
    "rows": (0x0028, 0x0010),
}
NUMBERS = {
    (0x0028, 0x0002): 1,
    (0x0028, 0x0010): 16,
    (0x0028, 0x0011): 16,
    (0x0028, 0x0100): 16,
    (0x0028, 0x0101): 12,
    (0x0028, 0x0102): 11,
    (0x0028, 0x0103): 0,
}


def encode(enc, attrs, extra=()):
    """The data set in `enc`, elements in tag order; `extra` are raw (tag, bytes) spliced in."""
    items = []
    for tag, (vr, value) in attrs.items():
        if value is None:
            value = pixels(enc) if tag == (0x7FE0, 0x0010) else us(enc, NUMBERS[tag])
        items.append((tag, element(enc, tag, vr, value)))
    items.extend(extra)
    items.sort(key=lambda t: t[0])
    return b"".join(b for _, b in items)


def meta(ts, sop, group_length=None, preamble=True, magic=True, sop_class=SC_IMAGE):
    body = element(EXPLICIT, (2, 1), b"OB", b"\0\1")
    body += element(EXPLICIT, (2, 2), b"UI", text(b"UI", sop_class))
    body += element(EXPLICIT, (2, 3), b"UI", text(b"UI", sop))
    body += element(EXPLICIT, (2, 0x10), b"UI", text(b"UI", ts))
    body += element(EXPLICIT, (2, 0x12), b"UI", text(b"UI", f"{ROOT}.0"))
    length = len(body) if group_length is None else group_length
    head = (b"\0" * 128 if preamble else b"") + (b"DICM" if magic else b"")
    return head + element(EXPLICIT, (2, 0), b"UL", struct.pack("<I", length)) + body


def part10(n, enc, ts, attrs, extra=(), **meta_opts):
    sop = attrs[(0x0008, 0x0018)][1].rstrip(b"\0 ").decode("latin-1") if (0x0008, 0x0018) in attrs else ""
    return meta(ts, sop, **meta_opts) + encode(enc, attrs, extra)


def uid(s, vr=b"UI"):
    return (vr, text(vr, s))


def sequence_undefined(enc):
    """(0008,1110) Referenced Study Sequence of undefined length, holding an item of
    undefined length that holds a nested undefined-length sequence."""
    delim_item = struct.pack(enc.e + "HHI", 0xFFFE, 0xE00D, 0)
    delim_seq = struct.pack(enc.e + "HHI", 0xFFFE, 0xE0DD, 0)
    item_start = struct.pack(enc.e + "HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    inner = element(enc, (0x0008, 0x1150), b"UI", text(b"UI", "1.2.840.10008.3.1.2.3.1"))
    inner += element(enc, (0x0008, 0x1155), b"UI", text(b"UI", f"{ROOT}.21.9"))
    nested = element(enc, (0x0040, 0xA730), b"SQ", item_start + inner + delim_item + delim_seq, length=0xFFFFFFFF)
    # The sequence's bytes: header with undefined length, then its items, then the delimiter.
    seq = element(enc, (0x0008, 0x1110), b"SQ", b"", length=0xFFFFFFFF)
    seq += item_start + inner + nested + delim_item + delim_seq
    return ((0x0008, 0x1110), seq)


def iso2022_name():
    """Yamada^Tarou=山田^太郎=やまだ^たろう in ISO 2022 IR 87 (JIS X 0208 after ESC $ B)."""
    ideographic = "山田^太郎".encode("iso2022_jp")
    phonetic = "やまだ^たろう".encode("iso2022_jp")
    return b"Yamada^Tarou=" + ideographic + b"=" + phonetic


def cases():
    """(file, quirk, bytes, expected) for every file of the corpus."""
    out = []

    def add(name, quirk, data, status="stored", warnings=(), reason=None, ts=None, **more):
        expect = {"status": status}
        if status == "stored":
            expect["warnings"] = sorted(set(warnings))
            expect["transfer_syntax"] = ts or EXPLICIT_LE
        else:
            expect["reason"] = reason
        expect.update(more)
        out.append((name, quirk, data, expect))

    long_sop = f"{ROOT}.1.1." + "1234567890" * 7
    add("long-sop-uid.dcm", "SOPInstanceUID of 93 characters (PS3.5 allows 64)",
        part10(1, EXPLICIT, EXPLICIT_LE, base(1, sop=uid(long_sop))), warnings=["nonconformant_uid"])
    add("letters-in-uids.dcm", "a letter in the Study and Series Instance UIDs",
        part10(2, EXPLICIT, EXPLICIT_LE, base(2, study=uid(f"{ROOT}.2a"), series=uid(f"{ROOT}.2a.1b"))),
        warnings=["nonconformant_uid"])
    add("leading-zero-uid.dcm", "a UID component with a leading zero",
        part10(3, EXPLICIT, EXPLICIT_LE, base(3, sop=uid(f"{ROOT}.3.01.1"))), warnings=["nonconformant_uid"])
    spaced = f"{ROOT}.4.1.11 ".encode()
    assert len(spaced) % 2 == 0
    add("uid-space-padded.dcm", "SOPInstanceUID padded with a space instead of a NUL",
        part10(4, EXPLICIT, EXPLICIT_LE, base(4, sop=(b"UI", spaced))), warnings=["nonconformant_uid"])
    add("uid-url-characters.dcm", "UIDs holding / % ? # + and a leading ../ (never paths or keys)",
        part10(5, EXPLICIT, EXPLICIT_LE,
               base(5, sop=uid(f"{ROOT}.5/1%2F1?x=1#y+z"), series=uid(f"../../{ROOT}.5.1"))),
        warnings=["nonconformant_uid"])
    add("uid-control-character.dcm", "a control character inside SOPInstanceUID",
        part10(6, EXPLICIT, EXPLICIT_LE, base(6, sop=uid(f"{ROOT}.6\x01.1"))), status="rejected",
        reason="malformed SOPInstanceUID (0008,0018): contains characters that are not printable ASCII",
        pydicom_differs="a UID with a control character is not a usable identifier")
    add("uid-empty.dcm", "an empty StudyInstanceUID",
        part10(7, EXPLICIT, EXPLICIT_LE, base(7, study=(b"UI", b""))), status="rejected",
        reason="missing StudyInstanceUID (0020,000D)")
    add("uid-too-long.dcm", "a SeriesInstanceUID of 300 characters",
        part10(8, EXPLICIT, EXPLICIT_LE, base(8, series=uid("1." + "2" * 298))), status="rejected",
        reason="malformed SeriesInstanceUID (0020,000E): longer than 255 characters",
        pydicom_differs="more than 255 bytes is not a usable identifier")

    add("no-meta-implicit-le.dcm", "a bare data set in implicit VR little endian (no preamble, no DICM, no meta)",
        encode(IMPLICIT, base(9)), warnings=["no_file_meta"], ts=IMPLICIT_LE)
    add("no-meta-explicit-le.dcm", "a bare data set in explicit VR little endian",
        encode(EXPLICIT, base(10)), warnings=["no_file_meta"], ts=EXPLICIT_LE)
    add("no-meta-explicit-be.dcm", "a bare data set in explicit VR big endian",
        encode(BIG, base(11)), warnings=["no_file_meta"], ts=EXPLICIT_BE)
    add("no-meta-implicit-be.dcm", "a bare data set in implicit VR big endian, which no transfer syntax defines",
        encode(IMPLICIT_BIG, base(12)), status="rejected", reason="not a DICOM file")
    add("no-meta-long-uid.dcm", "a bare implicit VR data set whose SOPInstanceUID is 70 characters",
        encode(IMPLICIT, base(13, sop=uid(f"{ROOT}.13.1." + "7" * 33))),
        warnings=["no_file_meta", "nonconformant_uid"], ts=IMPLICIT_LE)
    add("meta-without-dicm.dcm", "a File Meta group at offset 0, without preamble or DICM",
        part10(14, EXPLICIT, EXPLICIT_LE, base(14), preamble=False, magic=False), warnings=["no_dicm_prefix"])

    add("meta-says-explicit-data-is-implicit.dcm",
        "the File Meta group declares explicit VR little endian, the data set is implicit VR",
        part10(27, IMPLICIT, EXPLICIT_LE, base(27)), warnings=["transfer_syntax_mismatch"], ts=IMPLICIT_LE)
    add("meta-says-implicit-data-is-explicit.dcm",
        "the File Meta group declares implicit VR little endian, the data set is explicit VR",
        part10(28, EXPLICIT, IMPLICIT_LE, base(28)), warnings=["transfer_syntax_mismatch"], ts=EXPLICIT_LE)

    odd = base(15, name=(b"PN", b"Odd^Len"), sop=(b"UI", f"{ROOT}.15.1.1".encode()))
    assert len(odd[(0x0010, 0x0010)][1]) % 2 and len(odd[(0x0008, 0x0018)][1]) % 2
    add("odd-lengths.dcm", "PatientName and SOPInstanceUID of odd length, without padding",
        part10(15, EXPLICIT, EXPLICIT_LE, odd), patient_name="Odd^Len")

    add("meta-group-length-too-long.dcm", "(0002,0000) declares 40 bytes more than the File Meta group holds",
        part10_with_length_delta(16, 40), warnings=["meta_group_length"], ts=IMPLICIT_LE)
    add("meta-group-length-too-short.dcm", "(0002,0000) declares 30 bytes fewer than the File Meta group holds",
        part10_with_length_delta(17, -30), warnings=["meta_group_length"], ts=IMPLICIT_LE)
    add("dataset-group-lengths-wrong.dcm", "group lengths (0008,0000) and (0010,0000) that do not match",
        part10(18, EXPLICIT, EXPLICIT_LE, base(18), extra=[
            ((0x0008, 0x0000), element(EXPLICIT, (0x0008, 0x0000), b"UL", struct.pack("<I", 9999))),
            ((0x0010, 0x0000), element(EXPLICIT, (0x0010, 0x0000), b"UL", struct.pack("<I", 2))),
        ]))

    add("trailing-garbage.dcm", "text after the Pixel Data that is not DICOM elements",
        part10(19, EXPLICIT, EXPLICIT_LE, base(19)) + b"END OF VOLUME -- written by a CD burner, 2 KB block\n" * 3,
        warnings=["trailing_bytes"])
    add("trailing-zeros.dcm", "zero bytes after the Pixel Data (a medium's block padding)",
        part10(20, EXPLICIT, EXPLICIT_LE, base(20)) + b"\0" * 1000, warnings=["trailing_bytes"])

    add("undefined-length-sequences.dcm", "sequences and items of undefined length, nested, in the header",
        part10(21, EXPLICIT, EXPLICIT_LE, base(21), extra=[sequence_undefined(EXPLICIT)]))
    add("undefined-length-sequences-implicit.dcm", "the same sequences in implicit VR, without a File Meta group",
        encode(IMPLICIT, base(22), extra=[sequence_undefined(IMPLICIT)]), warnings=["no_file_meta"], ts=IMPLICIT_LE)

    bad_vr = base(23, study=(b"UN", text(b"UN", f"{ROOT}.23")), rows=(b"SS", struct.pack("<h", 16)))
    add("bad-vr-known-tags.dcm", "StudyInstanceUID written as UN, Rows as SS (the dictionary says UI, US)",
        part10(23, EXPLICIT, EXPLICIT_LE, bad_vr))
    dup = element(EXPLICIT, (0x0010, 0x0020), b"LO", text(b"LO", "QUIRK024-SECOND"))
    add("duplicated-element.dcm", "PatientID (0010,0020) twice with different values",
        part10(24, EXPLICIT, EXPLICIT_LE, base(24), extra=[((0x0010, 0x0020), dup)]),
        warnings=["element_order"])

    jp = base(25, charset=(b"CS", text(b"CS", "\\ISO 2022 IR 87")), name=(b"PN", text(b"PN", iso2022_name())))
    add("charset-iso2022-ir87.dcm", "Specific Character Set with two terms (\\ISO 2022 IR 87), name in kanji and kana",
        part10(25, EXPLICIT, EXPLICIT_LE, jp), patient_name="Yamada^Tarou=山田^太郎=やまだ^たろう")

    add("not-dicom.txt", "a text file", b"Scanned at the front desk; not an image.\n", status="rejected",
        reason="not a DICOM file")
    full = part10(26, EXPLICIT, EXPLICIT_LE, base(26))
    add("truncated.dcm", "the Pixel Data cut short", full[: len(full) - 100], status="rejected",
        reason="truncated",
        pydicom_differs="pydicom reads the header without checking that the Pixel Data is all there; "
                        "a truncated upload is refused so that it can be sent again")
    return out


def part10_with_length_delta(n, delta):
    ts = IMPLICIT_LE
    attrs = base(n)
    sop = f"{ROOT}.{n}.1.1"
    true_length = len(meta(ts, sop, preamble=False, magic=False)) - 12
    return meta(ts, sop, group_length=true_length + delta) + encode(IMPLICIT, attrs)


def pydicom_reads(path):
    import warnings

    warnings.simplefilter("ignore")  # pydicom warns about every non-conformant UID: that is the point
    try:
        import pydicom
    except ImportError:
        return None
    try:
        ds = pydicom.dcmread(path, force=True)
        uids = [ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID]
        return all(str(u).strip("\0 ") for u in uids)
    except Exception:
        return False


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    manifest = []
    for name, quirk, data, expect in cases():
        path = os.path.join(out_dir, name)
        with open(path, "wb") as f:
            f.write(data)
        entry = {"file": name, "quirk": quirk, "expect": expect}
        reads = pydicom_reads(path)
        if reads is not None:
            entry["pydicom_reads"] = reads
        differs = expect.pop("pydicom_differs", None)
        if differs:
            entry["pydicom_differs"] = differs
        if reads and expect["status"] != "stored" and not differs:
            sys.exit(f"{name}: pydicom reads it but the expected outcome is {expect['status']}")
        manifest.append(entry)
    with open(os.path.join(out_dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"format": "ferrum-quirks-corpus/1", "files": manifest}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(manifest)} files to {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/real-world-corpus")
