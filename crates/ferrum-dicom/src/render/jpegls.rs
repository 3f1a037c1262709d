//! JPEG-LS (ITU-T T.87 / ISO 14495-1) decoder: lossless and near-lossless, 2–16 bits,
//! interleave modes none, line and sample, and mapping tables (palettised JPEG-LS).
//!
//! Ours rather than CharLS: it keeps the build free of a C++ toolchain and CMake, and the
//! C++ library spends seconds on some truncated streams. The algorithm and the names
//! (A, B, C, N, RUNindex, RItype, …) follow the standard's Annex A.

/// Decoded samples of one frame, pixel-interleaved, and the sample precision.
pub(crate) struct Decoded {
    pub precision: u32,
    pub samples: Vec<u16>,
}

const J: [u32; 32] =
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 9, 10, 11, 12, 13, 14, 15];

type Result<T> = std::result::Result<T, String>;

fn fail<T>(why: &str) -> Result<T> {
    Err(format!("JPEG-LS: {why}"))
}

/// Frame header: width, height, precision and component count, read without decoding.
pub(crate) fn frame_info(data: &[u8]) -> Result<(usize, usize, u32, usize)> {
    let mut i = 2;
    if !data.starts_with(&[0xFF, 0xD8]) {
        return fail("no start of image");
    }
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            return fail("missing marker");
        }
        let marker = data[i + 1];
        let length = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        if marker == 0xF7 {
            let seg = data.get(i + 4..i + 2 + length).ok_or("JPEG-LS: short frame header")?;
            if seg.len() < 6 {
                return fail("short frame header");
            }
            let precision = seg[0] as u32;
            let height = u16::from_be_bytes([seg[1], seg[2]]) as usize;
            let width = u16::from_be_bytes([seg[3], seg[4]]) as usize;
            return Ok((width, height, precision, seg[5] as usize));
        }
        i += 2 + length;
    }
    fail("no frame header")
}

#[derive(Clone, Copy)]
struct Context {
    a: i32,
    b: i32,
    c: i32,
    n: i32,
}

#[derive(Clone, Copy)]
struct RunContext {
    a: i32,
    n: i32,
    nn: i32,
    ri_type: i32,
}

struct Params {
    maxval: i32,
    near: i32,
    range: i32,
    qbpp: u32,
    limit: u32,
    t1: i32,
    t2: i32,
    t3: i32,
    reset: i32,
}

impl Params {
    fn new(precision: u32, near: i32, preset: [i32; 5]) -> Self {
        let maxval = if preset[0] > 0 { preset[0] } else { (1 << precision) - 1 };
        let range = (maxval + 2 * near) / (2 * near + 1) + 1;
        let ceil_log2 = |v: i32| 32 - ((v - 1).max(0) as u32).leading_zeros();
        let qbpp = ceil_log2(range);
        let bpp = ceil_log2(maxval + 1).max(2);
        let limit = 2 * (bpp + bpp.max(8));
        let clamp = |i: i32, j: i32| if i > maxval || i < j { j } else { i };
        let (t1, t2, t3) = if maxval >= 128 {
            let factor = (maxval.min(4095) + 128) / 256;
            // FACTOR·(BASIC_T1 − 2) + 2 + 3·NEAR with BASIC_T1 = 3
            let t1 = clamp(factor + 2 + 3 * near, near + 1);
            let t2 = clamp(factor * (7 - 3) + 3 + 5 * near, t1);
            (t1, t2, clamp(factor * (21 - 4) + 4 + 7 * near, t2))
        } else {
            let factor = 256 / (maxval + 1);
            let t1 = clamp((3 / factor).max(2) + 3 * near, near + 1);
            let t2 = clamp((7 / factor).max(3) + 5 * near, t1);
            (t1, t2, clamp((21 / factor).max(4) + 7 * near, t2))
        };
        let pick = |v: i32, d: i32| if v > 0 { v } else { d };
        Params {
            maxval,
            near,
            range,
            qbpp,
            limit,
            t1: pick(preset[1], t1),
            t2: pick(preset[2], t2),
            t3: pick(preset[3], t3),
            reset: pick(preset[4], 64),
        }
    }

    fn quantize(&self, d: i32) -> i32 {
        match d {
            d if d <= -self.t3 => -4,
            d if d <= -self.t2 => -3,
            d if d <= -self.t1 => -2,
            d if d < -self.near => -1,
            d if d <= self.near => 0,
            d if d < self.t1 => 1,
            d if d < self.t2 => 2,
            d if d < self.t3 => 3,
            _ => 4,
        }
    }

    fn fix(&self, mut v: i32) -> i32 {
        if v < -self.near {
            v += self.range * (2 * self.near + 1);
        } else if v > self.maxval + self.near {
            v -= self.range * (2 * self.near + 1);
        }
        v.clamp(0, self.maxval)
    }

    fn reconstruct(&self, predicted: i32, error: i32) -> i32 {
        self.fix(predicted + error * (2 * self.near + 1))
    }
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    count: u32,
    previous_ff: bool,
}

impl<'a> Bits<'a> {
    fn fill(&mut self) {
        while self.count <= 56 {
            let byte = match self.data.get(self.pos) {
                // A marker (0xFF then a byte with its top bit set) or the end: the
                // entropy-coded segment is over; feed zeros and leave the marker unread.
                Some(0xFF) if self.data.get(self.pos + 1).is_none_or(|&next| next & 0x80 != 0) => None,
                other => other.copied(),
            };
            let Some(byte) = byte else {
                self.count += 8;
                continue;
            };
            if self.previous_ff {
                // After a data 0xFF the encoder stuffed a zero bit: seven bits remain.
                self.acc |= (byte as u64) << (57 - self.count);
                self.count += 7;
            } else {
                self.acc |= (byte as u64) << (56 - self.count);
                self.count += 8;
            }
            self.previous_ff = byte == 0xFF;
            self.pos += 1;
        }
    }

    fn bits(&mut self, n: u32) -> i32 {
        if n == 0 {
            return 0;
        }
        self.fill();
        let v = (self.acc >> (64 - n)) as i32;
        self.acc <<= n;
        self.count -= n;
        v
    }

    fn bit(&mut self) -> bool {
        self.bits(1) == 1
    }

    /// Zeros before the next one (the one is consumed), at most `limit`.
    fn unary(&mut self, limit: u32) -> Result<u32> {
        let mut zeros = 0;
        while !self.bit() {
            zeros += 1;
            if zeros > limit {
                return fail("corrupt Golomb code");
            }
        }
        Ok(zeros)
    }

    fn value(&mut self, k: u32, limit: u32, qbpp: u32) -> Result<i32> {
        let high = self.unary(limit)?;
        if high >= limit - (qbpp + 1) {
            return Ok(self.bits(qbpp) + 1);
        }
        Ok(((high as i32) << k) + self.bits(k))
    }
}

struct Scan<'p, 'd> {
    p: &'p Params,
    bits: Bits<'d>,
    contexts: Vec<Context>,
    runs: [RunContext; 2],
    run_index: Vec<usize>,
}

fn median(a: i32, b: i32, c: i32) -> i32 {
    if c >= a.max(b) {
        a.min(b)
    } else if c <= a.min(b) {
        a.max(b)
    } else {
        a + b - c
    }
}

impl Scan<'_, '_> {
    fn new<'p, 'd>(p: &'p Params, data: &'d [u8], components: usize) -> Scan<'p, 'd> {
        let a = ((p.range + 32) / 64).max(2);
        Scan {
            p,
            bits: Bits { data, pos: 0, acc: 0, count: 0, previous_ff: false },
            contexts: vec![Context { a, b: 0, c: 0, n: 1 }; 365],
            runs: [RunContext { a, n: 1, nn: 0, ri_type: 0 }, RunContext { a, n: 1, nn: 0, ri_type: 1 }],
            run_index: vec![0; components],
        }
    }

    fn context_id(&self, d1: i32, d2: i32, d3: i32) -> i32 {
        (self.p.quantize(d1) * 9 + self.p.quantize(d2)) * 9 + self.p.quantize(d3)
    }

    fn regular(&mut self, qs: i32, predicted: i32) -> Result<i32> {
        let sign = if qs < 0 { -1 } else { 1 };
        let p = self.p;
        let ctx = &mut self.contexts[(qs * sign) as usize];
        let mut k = 0;
        while (ctx.n << k) < ctx.a && k < 24 {
            k += 1;
        }
        let px = (predicted + sign * ctx.c).clamp(0, p.maxval);
        let m = self.bits.value(k, p.limit, p.qbpp)?;
        let mut error = (m >> 1) ^ -(m & 1);
        if k == 0 && p.near == 0 && 2 * ctx.b + ctx.n - 1 < 0 {
            error = -error - 1;
        }
        ctx.a += error.abs();
        ctx.b += error * (2 * p.near + 1);
        if ctx.n == p.reset {
            ctx.a >>= 1;
            ctx.b >>= 1;
            ctx.n >>= 1;
        }
        ctx.n += 1;
        if ctx.b + ctx.n <= 0 {
            ctx.b += ctx.n;
            if ctx.b <= -ctx.n {
                ctx.b = -ctx.n + 1;
            }
            if ctx.c > -128 {
                ctx.c -= 1;
            }
        } else if ctx.b > 0 {
            ctx.b -= ctx.n;
            if ctx.b > 0 {
                ctx.b = 0;
            }
            if ctx.c < 127 {
                ctx.c += 1;
            }
        }
        Ok(p.reconstruct(px, error * sign))
    }

    /// Length of a run of the previous value, at most `left`.
    fn run_length(&mut self, component: usize, left: usize) -> Result<usize> {
        let mut index = 0usize;
        while self.bits.bit() {
            let step = 1usize << J[self.run_index[component]];
            let count = step.min(left - index);
            index += count;
            if count == step {
                self.run_index[component] = (self.run_index[component] + 1).min(31);
            }
            if index == left {
                return Ok(index);
            }
        }
        index += self.bits.bits(J[self.run_index[component]]) as usize;
        if index > left {
            return fail("run past the end of the line");
        }
        Ok(index)
    }

    fn interruption_error(&mut self, which: usize, component: usize) -> Result<i32> {
        let p = self.p;
        let limit = p.limit - J[self.run_index[component]] - 1;
        let ctx = &mut self.runs[which];
        let temp = ctx.a + (ctx.n >> 1) * ctx.ri_type;
        let mut k = 0;
        while (ctx.n << k) < temp && k < 24 {
            k += 1;
        }
        let em = self.bits.value(k, limit, p.qbpp)?;
        let t = em + ctx.ri_type;
        let map = t & 1;
        let magnitude = (t + map) / 2;
        let error = if ((k != 0 || 2 * ctx.nn >= ctx.n) as i32) == map { -magnitude } else { magnitude };
        if error < 0 {
            ctx.nn += 1;
        }
        ctx.a += (em + 1 - ctx.ri_type) >> 1;
        if ctx.n == p.reset {
            ctx.a >>= 1;
            ctx.n >>= 1;
            ctx.nn >>= 1;
        }
        ctx.n += 1;
        Ok(error)
    }

    /// One line of one component. `prev` and `cur` have one extra sample at each end.
    fn line(&mut self, prev: &[i32], cur: &mut [i32], width: usize, component: usize) -> Result<()> {
        let mut x = 0;
        while x < width {
            let (ra, rb, rc, rd) = (cur[x], prev[x + 1], prev[x], prev[x + 2]);
            let qs = self.context_id(rd - rb, rb - rc, rc - ra);
            if qs != 0 {
                cur[x + 1] = self.regular(qs, median(ra, rb, rc))?;
                x += 1;
                continue;
            }
            let run = self.run_length(component, width - x)?;
            for v in &mut cur[x + 1..x + 1 + run] {
                *v = ra;
            }
            x += run;
            if x == width {
                break;
            }
            let rb = prev[x + 1];
            cur[x + 1] = if (ra - rb).abs() <= self.p.near {
                let e = self.interruption_error(1, component)?;
                self.p.reconstruct(ra, e)
            } else {
                let e = self.interruption_error(0, component)?;
                self.p.reconstruct(rb, e * if rb - ra < 0 { -1 } else { 1 })
            };
            self.run_index[component] = self.run_index[component].saturating_sub(1);
            x += 1;
        }
        Ok(())
    }

    /// One line of all components, sample-interleaved (ILV = 2).
    fn line_interleaved(&mut self, prev: &[Vec<i32>], cur: &mut [Vec<i32>], width: usize) -> Result<()> {
        let n = cur.len();
        let mut x = 0;
        while x < width {
            let mut qs = [0i32; 4];
            for c in 0..n {
                let (ra, rb, rc, rd) = (cur[c][x], prev[c][x + 1], prev[c][x], prev[c][x + 2]);
                qs[c] = self.context_id(rd - rb, rb - rc, rc - ra);
            }
            if qs[..n].iter().any(|&q| q != 0) {
                for c in 0..n {
                    let (ra, rb, rc) = (cur[c][x], prev[c][x + 1], prev[c][x]);
                    cur[c][x + 1] = self.regular(qs[c], median(ra, rb, rc))?;
                }
                x += 1;
                continue;
            }
            let run = self.run_length(0, width - x)?;
            for component in cur.iter_mut() {
                let ra = component[x];
                for v in &mut component[x + 1..x + 1 + run] {
                    *v = ra;
                }
            }
            x += run;
            if x == width {
                break;
            }
            for c in 0..n {
                let (ra, rb) = (cur[c][x], prev[c][x + 1]);
                let e = self.interruption_error(0, 0)?;
                cur[c][x + 1] = self.p.reconstruct(rb, e * if rb - ra < 0 { -1 } else { 1 });
            }
            self.run_index[0] = self.run_index[0].saturating_sub(1);
            x += 1;
        }
        Ok(())
    }
}

/// Sets the edge samples a line's prediction reads: Rd past the end repeats the last
/// sample above, and Ra before the start is the first sample above.
fn prepare_edges(prev: &mut [i32], cur: &mut [i32], width: usize) {
    prev[width + 1] = prev[width];
    cur[0] = prev[1];
}

pub(crate) fn decode(data: &[u8], max_pixels: usize) -> Result<Decoded> {
    let (width, height, precision, components) = frame_info(data)?;
    if width == 0 || height == 0 || !(2..=16).contains(&precision) || !(1..=4).contains(&components) {
        return fail("unsupported frame parameters");
    }
    if width * height > max_pixels {
        return fail("frame larger than the DICOM header says");
    }
    let mut out = vec![0u16; width * height * components];
    let mut preset = [0i32; 5];
    let mut done = vec![false; components];
    let mut ids = Vec::with_capacity(components);
    let mut tables = MappingTables::default();
    let mut mapping = vec![0u8; components];
    let mut i = 2;
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            return fail("missing marker");
        }
        let marker = data[i + 1];
        if marker == 0xD9 {
            break;
        }
        let length = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        let seg = data.get(i + 4..i + 2 + length).ok_or("JPEG-LS: truncated segment")?;
        i += 2 + length;
        match marker {
            0xF7 => ids = (0..components).map(|c| seg.get(6 + 3 * c).copied().unwrap_or(0)).collect(),
            0xF8 => {
                match seg.first() {
                    Some(1) if seg.len() >= 11 => {
                        for (k, v) in preset.iter_mut().enumerate() {
                            *v = u16::from_be_bytes([seg[1 + 2 * k], seg[2 + 2 * k]]) as i32;
                        }
                    }
                    Some(2 | 3) => tables.read(seg, width * height)?,
                    _ => return fail(
                        "extended parameters (oversize images, coding with other than the default) are not supported",
                    ),
                }
            }
            0xDD if seg.len() >= 2 && u16::from_be_bytes([seg[0], seg[1]]) != 0 => {
                return fail("restart intervals are not supported");
            }
            0xDA => {
                let ns = *seg.first().ok_or("JPEG-LS: short scan header")? as usize;
                let near = *seg.get(1 + 2 * ns).ok_or("JPEG-LS: short scan header")? as i32;
                let ilv = *seg.get(2 + 2 * ns).ok_or("JPEG-LS: short scan header")?;
                let point_transform = seg.get(3 + 2 * ns).copied().unwrap_or(0) & 0x0F;
                if point_transform != 0 {
                    return fail("point transform is not supported");
                }
                let scan_components: Vec<usize> =
                    (0..ns).map(|k| ids.iter().position(|&id| Some(&id) == seg.get(1 + 2 * k)).unwrap_or(k)).collect();
                if ns == 0 || scan_components.iter().any(|&c| c >= components || done[c]) {
                    return fail("bad scan components");
                }
                for (k, &c) in scan_components.iter().enumerate() {
                    mapping[c] = seg.get(2 + 2 * k).copied().unwrap_or(0);
                }
                let params = Params::new(precision, near, preset);
                let consumed =
                    decode_scan(&data[i..], &params, &scan_components, ilv, width, height, components, &mut out)?;
                scan_components.iter().for_each(|&c| done[c] = true);
                i += consumed;
                // The entropy-coded data ends at the next marker (FF followed by a byte ≥ 0x80).
                while i + 1 < data.len() && !(data[i] == 0xFF && data[i + 1] >= 0x80) {
                    i += 1;
                }
            }
            _ => {}
        }
    }
    if done.iter().any(|d| !d) {
        return fail("the stream ends before every component was decoded");
    }
    if mapping.iter().all(|&t| t == 0) {
        return Ok(Decoded { precision, samples: out });
    }
    let mut precision_out = 0;
    for (c, &id) in mapping.iter().enumerate() {
        if id == 0 {
            precision_out = precision_out.max(precision);
            continue;
        }
        let table = tables.get(id).ok_or("JPEG-LS: a scan names a mapping table the stream does not hold")?;
        precision_out = precision_out.max(table.entry_bits);
        let last = table.entries.len() - 1;
        for v in out.iter_mut().skip(c).step_by(components) {
            *v = table.entries[(*v as usize).min(last)];
        }
    }
    Ok(Decoded { precision: precision_out, samples: out })
}

/// Mapping tables (T.87 C.2.4.1.2–3, LSE ids 2 and 3): a scan component whose Tm names
/// one has each decoded sample replaced by that entry of the table.
#[derive(Default)]
struct MappingTables {
    tables: Vec<(u8, MappingTable)>,
}

struct MappingTable {
    entry_bits: u32,
    entries: Vec<u16>,
}

impl MappingTables {
    /// An LSE segment of id 2 (a table) or 3 (more entries for a table already given).
    fn read(&mut self, seg: &[u8], max_entries: usize) -> Result<()> {
        let [id, tid, wt, data @ ..] = seg else { return fail("short mapping table") };
        let wt = *wt as usize;
        if *tid == 0 || !(1..=2).contains(&wt) {
            return fail("mapping tables with entries wider than 16 bits are not supported");
        }
        let entries =
            data.chunks_exact(wt).map(|e| if wt == 1 { e[0] as u16 } else { u16::from_be_bytes([e[0], e[1]]) });
        let at = self.tables.iter().position(|(t, _)| t == tid);
        match (id, at) {
            (2, None) => {
                let entries: Vec<u16> = entries.collect();
                self.tables.push((*tid, MappingTable { entry_bits: 8 * wt as u32, entries }));
            }
            (3, Some(at)) if self.tables[at].1.entry_bits == 8 * wt as u32 => self.tables[at].1.entries.extend(entries),
            _ => return fail("a mapping table is given twice, or continued before it starts"),
        }
        // A table longer than the image is hostile (at most one entry per sample is of use),
        // and an empty one maps nothing.
        if self.tables.iter().any(|(_, t)| t.entries.len() > max_entries.max(65536)) {
            return fail("mapping table larger than the image");
        }
        Ok(())
    }

    fn get(&self, id: u8) -> Option<&MappingTable> {
        self.tables.iter().find(|(t, _)| *t == id).map(|(_, t)| t).filter(|t| !t.entries.is_empty())
    }
}

#[allow(clippy::too_many_arguments)]
fn decode_scan(
    data: &[u8],
    params: &Params,
    scan_components: &[usize],
    ilv: u8,
    width: usize,
    height: usize,
    components: usize,
    out: &mut [u16],
) -> Result<usize> {
    let n = scan_components.len();
    let mut scan = Scan::new(params, data, n);
    let mut prev = vec![vec![0i32; width + 2]; n];
    let mut cur = vec![vec![0i32; width + 2]; n];
    for y in 0..height {
        std::mem::swap(&mut prev, &mut cur);
        for c in 0..n {
            let (p, q) = (&mut prev[c], &mut cur[c]);
            prepare_edges(p, q, width);
        }
        match (ilv, n) {
            (_, 1) => scan.line(&prev[0], &mut cur[0], width, 0)?,
            (1, _) => {
                for c in 0..n {
                    scan.line(&prev[c], &mut cur[c], width, c)?;
                }
            }
            (2, _) => scan.line_interleaved(&prev, &mut cur, width)?,
            _ => return fail("unknown interleave mode"),
        }
        for (c, &component) in scan_components.iter().enumerate() {
            let row = &cur[c][1..=width];
            for (x, &v) in row.iter().enumerate() {
                out[(y * width + x) * components + component] = v as u16;
            }
        }
    }
    Ok(scan.bits.pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_thresholds_match_the_standard() {
        // T.87 C.2.4.1.1.1: 8-bit lossless → 3, 7, 21; 12-bit → 18, 67, 276
        let p = Params::new(8, 0, [0; 5]);
        assert_eq!((p.t1, p.t2, p.t3, p.reset, p.range, p.qbpp, p.limit), (3, 7, 21, 64, 256, 8, 32));
        let p = Params::new(12, 0, [0; 5]);
        assert_eq!((p.t1, p.t2, p.t3, p.qbpp, p.limit), (18, 67, 276, 12, 48));
        // near-lossless widens the thresholds and shrinks the range
        let p = Params::new(8, 3, [0; 5]);
        assert_eq!((p.t1, p.t2, p.t3, p.range), (12, 22, 42, 38));
    }

    #[test]
    fn gradients_quantize_into_nine_regions() {
        let p = Params::new(8, 0, [0; 5]);
        let q: Vec<i32> = [-30, -21, -7, -3, -1, 0, 1, 3, 7, 21, 30].iter().map(|&d| p.quantize(d)).collect();
        assert_eq!(q, vec![-4, -4, -3, -2, -1, 0, 1, 2, 3, 4, 4]);
    }

    #[test]
    fn a_stuffed_zero_bit_follows_every_data_ff() {
        // 0xFF then 0x7F: 8 ones, then 7 ones (the stuffed top bit of the second byte is dropped)
        let mut bits = Bits { data: &[0xFF, 0x7F, 0x00], pos: 0, acc: 0, count: 0, previous_ff: false };
        assert_eq!(bits.bits(15), 0x7FFF);
        assert_eq!(bits.bits(1), 0);
        // 0xFF then 0xD9 is a marker: nothing after the FF is data
        let mut bits = Bits { data: &[0xAB, 0xFF, 0xD9], pos: 0, acc: 0, count: 0, previous_ff: false };
        assert_eq!(bits.bits(8), 0xAB);
        assert_eq!(bits.bits(8), 0);
        assert_eq!(bits.pos, 1);
    }

    #[test]
    fn garbage_after_a_valid_header_is_an_error_not_a_panic() {
        // SOI, SOF55 8-bit 4×2×1, SOS (1 component, NEAR 0, ILV 0), then noise
        let mut stream = vec![0xFF, 0xD8, 0xFF, 0xF7, 0, 11, 8, 0, 2, 0, 4, 1, 1, 0x11, 0];
        stream.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0, 0]);
        for seed in 0..64u8 {
            let mut s = stream.clone();
            s.extend((0..40u8).map(|i| i.wrapping_mul(seed).wrapping_add(seed >> 1) & 0x7F));
            s.extend_from_slice(&[0xFF, 0xD9]);
            let _ = decode(&s, 8);
        }
        assert!(decode(&stream[..9], 8).is_err());
        assert!(decode(&stream, 4).is_err(), "more pixels than the DICOM header allows");
    }
}
