//! JPEG extended (process 2 & 4): the sequential Huffman DCT with 12-bit samples that CT
//! and MR scanners write and jpeg-decoder does not read. Small on purpose: sequential
//! Huffman only (no progressive or arithmetic coding, which DICOM does not use for this
//! transfer syntax), any sampling factors, restart intervals.
use super::decode::{DecodedFrame, Layout, Samples};
use super::header::ImageHeader;

/// Whether the first frame header is a sequential DCT one (SOF0/SOF1) with 12-bit samples.
pub(crate) fn is_12_bit_dct(data: &[u8]) -> bool {
    let mut i = 2;
    while i + 4 < data.len() {
        if data[i] != 0xFF {
            return false;
        }
        let marker = data[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let length = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        if matches!(marker, 0xC0 | 0xC1) {
            return data.get(i + 4) == Some(&12);
        }
        if matches!(marker, 0xC2..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            return false;
        }
        i += 2 + length;
    }
    false
}

const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
    28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
    47, 55, 62, 63,
];

#[derive(Clone, Default)]
struct Huffman {
    /// Canonical-code bounds per code length (JPEG F.2.2.3); tables are small, so a
    /// bit-by-bit search is fast enough for the one transfer syntax that uses this.
    maxcode: [i32; 18],
    valptr: [i32; 17],
    mincode: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    fn new(counts: &[u8; 16], values: Vec<u8>) -> Self {
        let mut h = Huffman { values, ..Default::default() };
        let mut code = 0i32;
        let mut k = 0i32;
        for len in 1..=16 {
            let n = counts[len - 1] as i32;
            if n == 0 {
                h.maxcode[len] = -1;
            } else {
                h.valptr[len] = k;
                h.mincode[len] = code;
                code += n;
                k += n;
                h.maxcode[len] = code - 1;
            }
            code <<= 1;
        }
        h.maxcode[17] = i32::MAX;
        h
    }
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u32,
    count: u32,
}

impl<'a> Bits<'a> {
    fn fill(&mut self) {
        while self.count <= 24 {
            let byte = match self.data.get(self.pos) {
                Some(0xFF) if self.data.get(self.pos + 1) == Some(&0) => {
                    self.pos += 2;
                    0xFF
                }
                // A marker (or the end): feed zeros, as libjpeg does.
                Some(0xFF) | None => 0,
                Some(&b) => {
                    self.pos += 1;
                    b
                }
            };
            self.acc |= (byte as u32) << (24 - self.count);
            self.count += 8;
        }
    }

    fn bit(&mut self) -> u32 {
        self.fill();
        let b = self.acc >> 31;
        self.acc <<= 1;
        self.count -= 1;
        b
    }

    fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        self.fill();
        let v = self.acc >> (32 - n);
        self.acc <<= n;
        self.count -= n;
        v
    }

    fn decode(&mut self, h: &Huffman) -> Result<u8, String> {
        let mut code = 0i32;
        for len in 1..=16 {
            code = (code << 1) | self.bit() as i32;
            if h.maxcode[len] >= 0 && code <= h.maxcode[len] {
                let index = (h.valptr[len] + code - h.mincode[len]) as usize;
                return h.values.get(index).copied().ok_or_else(|| "bad Huffman code".to_string());
            }
        }
        Err("bad Huffman code".into())
    }

    fn receive_extend(&mut self, size: u8) -> i32 {
        if size == 0 || size > 16 {
            return 0;
        }
        let v = self.bits(size as u32) as i32;
        if v < 1 << (size - 1) {
            v - (1 << size) + 1
        } else {
            v
        }
    }

    /// Skips to just past the next RSTn marker, dropping buffered bits.
    fn restart(&mut self) {
        self.acc = 0;
        self.count = 0;
        while self.pos + 1 < self.data.len() {
            if self.data[self.pos] == 0xFF && (0xD0..=0xD7).contains(&self.data[self.pos + 1]) {
                self.pos += 2;
                return;
            }
            self.pos += 1;
        }
    }
}

struct Component {
    id: u8,
    h: usize,
    v: usize,
    tq: usize,
    /// Decoded samples, `bw * 8` wide and `bh * 8` high.
    plane: Vec<u16>,
    bw: usize,
    bh: usize,
}

pub(crate) fn decode(data: &[u8], header: &ImageHeader) -> Result<DecodedFrame, String> {
    let err = |s: &str| format!("JPEG extended: {s}");
    let mut qt = [[0u16; 64]; 4];
    let mut dc: [Huffman; 4] = Default::default();
    let mut ac: [Huffman; 4] = Default::default();
    let mut components: Vec<Component> = Vec::new();
    let (mut width, mut height, mut precision) = (0usize, 0usize, 8u32);
    let mut restart_interval = 0usize;
    let mut i = 2;
    if !data.starts_with(&[0xFF, 0xD8]) {
        return Err(err("no start of image"));
    }
    loop {
        while data.get(i) == Some(&0xFF) && data.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (data.get(i), data.get(i + 1)) else {
            return Err(err("missing marker"));
        };
        if marker == 0xD9 {
            break;
        }
        let length = data
            .get(i + 2..i + 4)
            .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
            .ok_or_else(|| err("truncated"))?;
        let seg = data.get(i + 4..i + 2 + length).ok_or_else(|| err("truncated segment"))?;
        i += 2 + length;
        match marker {
            0xDB => {
                let mut s = seg;
                while let [pq_tq, rest @ ..] = s {
                    let (pq, tq) = ((pq_tq >> 4) as usize, (pq_tq & 3) as usize);
                    let size = if pq == 0 { 64 } else { 128 };
                    let table = rest.get(..size).ok_or_else(|| err("short DQT"))?;
                    for k in 0..64 {
                        qt[tq][ZIGZAG[k]] = if pq == 0 {
                            table[k] as u16
                        } else {
                            u16::from_be_bytes([table[2 * k], table[2 * k + 1]])
                        };
                    }
                    s = &rest[size..];
                }
            }
            0xC4 => {
                let mut s = seg;
                while s.len() >= 17 {
                    let (class, id) = (s[0] >> 4, (s[0] & 3) as usize);
                    let counts: [u8; 16] = s[1..17].try_into().map_err(|_| err("short DHT"))?;
                    let total: usize = counts.iter().map(|&c| c as usize).sum();
                    let values = s.get(17..17 + total).ok_or_else(|| err("short DHT"))?.to_vec();
                    let table = Huffman::new(&counts, values);
                    if class == 0 {
                        dc[id] = table;
                    } else {
                        ac[id] = table;
                    }
                    s = &s[17 + total..];
                }
            }
            0xDD => {
                restart_interval = seg.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize).unwrap_or(0);
            }
            0xC0 | 0xC1 => {
                precision = *seg.first().ok_or_else(|| err("short SOF"))? as u32;
                height =
                    seg.get(1..3).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize).ok_or_else(|| err("short SOF"))?;
                width =
                    seg.get(3..5).map(|b| u16::from_be_bytes([b[0], b[1]]) as usize).ok_or_else(|| err("short SOF"))?;
                let n = *seg.get(5).ok_or_else(|| err("short SOF"))? as usize;
                if width != header.cols as usize || height != header.rows as usize || n != header.samples as usize {
                    return Err(err("frame size differs from the DICOM header"));
                }
                if !(precision == 8 || precision == 12) {
                    return Err(err("sample precision other than 8 or 12"));
                }
                for c in 0..n {
                    let b = seg.get(6 + 3 * c..9 + 3 * c).ok_or_else(|| err("short SOF"))?;
                    let (h, v) = ((b[1] >> 4) as usize, (b[1] & 15) as usize);
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
                        return Err(err("bad sampling factors"));
                    }
                    components.push(Component {
                        id: b[0],
                        h,
                        v,
                        tq: (b[2] & 3) as usize,
                        plane: Vec::new(),
                        bw: 0,
                        bh: 0,
                    });
                }
                let hmax = components.iter().map(|c| c.h).max().unwrap_or(1);
                let vmax = components.iter().map(|c| c.v).max().unwrap_or(1);
                let (mcux, mcuy) = (width.div_ceil(8 * hmax), height.div_ceil(8 * vmax));
                for c in &mut components {
                    c.bw = mcux * c.h;
                    c.bh = mcuy * c.v;
                    c.plane = vec![0; c.bw * 8 * c.bh * 8];
                }
            }
            0xDA => {
                if components.is_empty() {
                    return Err(err("scan before frame header"));
                }
                let ns = *seg.first().ok_or_else(|| err("short SOS"))? as usize;
                let mut scan = Vec::with_capacity(ns);
                for k in 0..ns {
                    let b = seg.get(1 + 2 * k..3 + 2 * k).ok_or_else(|| err("short SOS"))?;
                    let index = components.iter().position(|c| c.id == b[0]).ok_or_else(|| err("unknown component"))?;
                    scan.push((index, (b[1] >> 4) as usize & 3, (b[1] & 3) as usize));
                }
                let consumed = decode_scan(
                    &data[i..],
                    &mut components,
                    &scan,
                    &qt,
                    &dc,
                    &ac,
                    restart_interval,
                    precision,
                    width,
                    height,
                )
                .map_err(|e| err(&e))?;
                i += consumed;
            }
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(err("only sequential Huffman DCT is decoded here"));
            }
            _ => {}
        }
    }
    if components.is_empty() {
        return Err(err("no frame"));
    }
    let hmax = components.iter().map(|c| c.h).max().unwrap_or(1);
    let vmax = components.iter().map(|c| c.v).max().unwrap_or(1);
    let n = components.len();
    let mut out = vec![0u16; width * height * n];
    for (ci, c) in components.iter().enumerate() {
        let stride = c.bw * 8;
        for y in 0..height {
            let sy = y * c.v / vmax;
            for x in 0..width {
                let sx = x * c.h / hmax;
                out[(y * width + x) * n + ci] = c.plane[sy * stride + sx];
            }
        }
    }
    let samples =
        if precision == 8 { Samples::U8(out.into_iter().map(|v| v as u8).collect()) } else { Samples::U16(out) };
    // Three components here are YCbCr unless the header says RGB; the colour stage converts.
    Ok(DecodedFrame { samples, layout: Layout::AsHeader, native: false })
}

#[allow(clippy::too_many_arguments)]
fn decode_scan(
    data: &[u8],
    components: &mut [Component],
    scan: &[(usize, usize, usize)],
    qt: &[[u16; 64]; 4],
    dc: &[Huffman; 4],
    ac: &[Huffman; 4],
    restart_interval: usize,
    precision: u32,
    width: usize,
    height: usize,
) -> Result<usize, String> {
    let mut bits = Bits { data, pos: 0, acc: 0, count: 0 };
    let mut pred = vec![0i32; scan.len()];
    let hmax = components.iter().map(|c| c.h).max().unwrap_or(1);
    let vmax = components.iter().map(|c| c.v).max().unwrap_or(1);
    // A single-component scan covers that component's own blocks, not whole MCUs.
    let (mcus_x, mcus_y) = if scan.len() == 1 {
        let c = &components[scan[0].0];
        ((width * c.h).div_ceil(hmax).div_ceil(8), (height * c.v).div_ceil(vmax).div_ceil(8))
    } else {
        (width.div_ceil(8 * hmax), height.div_ceil(8 * vmax))
    };
    let mut coefficients = [0i32; 64];
    let mut count = 0usize;
    for my in 0..mcus_y {
        for mx in 0..mcus_x {
            if restart_interval > 0 && count > 0 && count.is_multiple_of(restart_interval) {
                bits.restart();
                pred.iter_mut().for_each(|p| *p = 0);
            }
            count += 1;
            for (k, &(ci, td, ta)) in scan.iter().enumerate() {
                let (bh_, bv_) = if scan.len() == 1 { (1, 1) } else { (components[ci].h, components[ci].v) };
                for by in 0..bv_ {
                    for bx in 0..bh_ {
                        coefficients.fill(0);
                        let s = bits.decode(&dc[td])?;
                        pred[k] += bits.receive_extend(s);
                        let q = &qt[components[ci].tq];
                        coefficients[0] = pred[k] * q[0] as i32;
                        let mut z = 1;
                        while z < 64 {
                            let rs = bits.decode(&ac[ta])?;
                            let (run, size) = ((rs >> 4) as usize, rs & 15);
                            if size == 0 {
                                if run != 15 {
                                    break;
                                }
                                z += 16;
                                continue;
                            }
                            z += run;
                            if z > 63 {
                                break;
                            }
                            coefficients[ZIGZAG[z]] = bits.receive_extend(size) * q[ZIGZAG[z]] as i32;
                            z += 1;
                        }
                        let c = &mut components[ci];
                        let (block_x, block_y) = (mx * bh_ + bx, my * bv_ + by);
                        if block_x < c.bw && block_y < c.bh {
                            idct_into(&coefficients, &mut c.plane, c.bw * 8, block_x * 8, block_y * 8, precision);
                        }
                    }
                }
            }
        }
    }
    // Resume marker parsing at the next marker after the entropy-coded data.
    let mut pos = bits.pos;
    while pos + 1 < data.len() && !(data[pos] == 0xFF && data[pos + 1] != 0 && !(0xD0..=0xD7).contains(&data[pos + 1]))
    {
        pos += 1;
    }
    Ok(pos)
}

/// Separable floating-point inverse DCT; accurate to well under one 12-bit level.
fn idct_into(coefficients: &[i32; 64], plane: &mut [u16], stride: usize, x0: usize, y0: usize, precision: u32) {
    use std::sync::OnceLock;
    static COS: OnceLock<[[f32; 8]; 8]> = OnceLock::new();
    let cos = COS.get_or_init(|| {
        let mut t = [[0f32; 8]; 8];
        for (x, row) in t.iter_mut().enumerate() {
            for (u, v) in row.iter_mut().enumerate() {
                let cu = if u == 0 { std::f32::consts::FRAC_1_SQRT_2 } else { 1.0 };
                *v = cu * ((2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / 16.0).cos() / 2.0;
            }
        }
        t
    });
    let mut tmp = [0f32; 64];
    for v in 0..8 {
        for x in 0..8 {
            tmp[v * 8 + x] = (0..8).map(|u| cos[x][u] * coefficients[v * 8 + u] as f32).sum();
        }
    }
    let shift = (1u32 << (precision - 1)) as f32;
    let max = ((1u32 << precision) - 1) as f32;
    for (y, basis) in cos.iter().enumerate() {
        for x in 0..8 {
            let value: f32 = (0..8).map(|v| basis[v] * tmp[v * 8 + x]).sum();
            let index = (y0 + y) * stride + x0 + x;
            if let Some(p) = plane.get_mut(index) {
                *p = (value + shift).round().clamp(0.0, max) as u16;
            }
        }
    }
}
