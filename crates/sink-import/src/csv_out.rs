//! RFC 4180 field writing into a reusable row buffer, and the typed header syntax of neo4j-admin.
//!
//! [`RowBuf`] is public because the embedded target stages its bulk-load files with it too.

use learngraph_model::properties::hex16;
use learngraph_model::schema::{Ident, PropType, Property};
use learngraph_model::{Date, DateTime, Key, PropertyWriter};

/// Whether a field must be quoted: it holds a delimiter, a quote or a line break.
fn needs_quotes(b: &[u8]) -> bool {
    // Most fields are short: eight bytes at a time beats setting up a vector search for them.
    if b.len() >= 32 {
        return memchr::memchr3(b',', b'"', b'\n', b).is_some()
            || memchr::memchr(b'\r', b).is_some();
    }
    const ONES: u64 = 0x0101_0101_0101_0101;
    // Non-zero when some byte of `x` is `c`: the high bit of a byte survives `v - 1` and `!v`
    // only for a zero byte (or above one, which does not change the answer).
    let holds = |x: u64, c: u8| {
        let v = x ^ (ONES * u64::from(c));
        v.wrapping_sub(ONES) & !v
    };
    let mut words = b.chunks_exact(8);
    for word in &mut words {
        // Eight bytes by construction: the fallback is never taken (and compiled away).
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        if (holds(x, b',') | holds(x, b'"') | holds(x, b'\n') | holds(x, b'\r')) & (ONES << 7) != 0
        {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&c| matches!(c, b',' | b'"' | b'\n' | b'\r'))
}

/// A finite `v` as `ryu` writes it (the shortest text that reads back as `v`).
///
/// Every score of the export has one decimal: such a value is written from its tenths. For
/// `v` the double nearest to `n / 10`, `n / 10` written out reads back as `v`, and no text
/// with fewer digits does, so it is what `ryu` writes; anything else goes to `ryu`.
fn push_float(buf: &mut Vec<u8>, v: f64) {
    let tenths = (v * 10.0).round();
    if v.is_sign_positive() && tenths < 1e15 && tenths / 10.0 == v {
        let n = tenths as u64;
        buf.extend_from_slice(itoa::Buffer::new().format(n / 10).as_bytes());
        buf.push(b'.');
        buf.push(b'0' + (n % 10) as u8);
    } else {
        buf.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

/// A row under construction; reused for every row of a file.
#[derive(Default)]
pub struct RowBuf {
    /// The bytes of the rows written since the last [`RowBuf::clear`].
    pub buf: Vec<u8>,
    fields: usize,
}

impl RowBuf {
    /// Empties the buffer for the next row.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.fields = 0;
    }

    fn sep(&mut self) {
        if self.fields > 0 {
            self.buf.push(b',');
        }
        self.fields += 1;
    }

    /// A text field, quoted only when it holds a delimiter, a quote or a line break.
    pub fn str(&mut self, s: &str) {
        self.sep();
        let b = s.as_bytes();
        if !needs_quotes(b) {
            self.buf.extend_from_slice(b);
            return;
        }
        self.buf.push(b'"');
        let mut rest = b;
        while let Some(i) = memchr::memchr(b'"', rest) {
            self.buf.extend_from_slice(&rest[..=i]);
            self.buf.push(b'"');
            rest = &rest[i + 1..];
        }
        self.buf.extend_from_slice(rest);
        self.buf.push(b'"');
    }

    /// An empty field: the loaders set no property (a null) for it.
    pub fn null(&mut self) {
        self.sep();
    }

    /// A text field, or null.
    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    /// An integer field (numbers never need quoting).
    pub fn opt_int(&mut self, v: Option<impl itoa::Integer>) {
        self.sep();
        if let Some(v) = v {
            self.buf
                .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        }
    }

    /// A float field; non-finite values are never produced upstream and are written as null.
    pub fn opt_float(&mut self, v: Option<f64>) {
        self.sep();
        if let Some(v) = v.filter(|v| v.is_finite()) {
            push_float(&mut self.buf, v);
        }
    }

    /// An ISO 8601 date, or null.
    pub fn opt_date(&mut self, d: Option<Date>) {
        self.sep();
        if let Some(d) = d {
            d.write_iso(&mut self.buf);
        }
    }

    /// An ISO 8601 UTC instant (`…Z`), or null.
    pub fn opt_datetime(&mut self, t: Option<DateTime>) {
        self.sep();
        if let Some(t) = t {
            t.write_iso(&mut self.buf);
        }
    }

    /// A `string[]` field, items joined by `;` (items never contain `;`: it splits skill lists).
    pub fn list<S: AsRef<str>>(&mut self, items: &[S]) {
        self.sep();
        let quote = items.iter().any(|s| needs_quotes(s.as_ref().as_bytes()));
        if quote {
            self.buf.push(b'"');
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.buf.push(b';');
            }
            let mut rest = item.as_ref().as_bytes();
            while let Some(j) = memchr::memchr(b'"', rest) {
                self.buf.extend_from_slice(&rest[..=j]);
                self.buf.push(b'"');
                rest = &rest[j + 1..];
            }
            self.buf.extend_from_slice(rest);
        }
        if quote {
            self.buf.push(b'"');
        }
    }

    /// Ends the row with a line feed.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
    }

    /// Starts the next row in the same buffer (for several short rows written at once).
    pub fn clear_fields(&mut self) {
        self.fields = 0;
    }
}

/// The properties' values as fields, in the order [`PropertyWriter`] gives them (the header's).
impl PropertyWriter for RowBuf {
    fn text(&mut self, _: Ident, value: Option<&str>) {
        self.opt_str(value);
    }

    fn long(&mut self, _: Ident, value: Option<i64>) {
        self.opt_int(value);
    }

    fn double(&mut self, _: Ident, value: Option<f64>) {
        self.opt_float(value);
    }

    fn date(&mut self, _: Ident, value: Option<Date>) {
        self.opt_date(value);
    }

    fn datetime(&mut self, _: Ident, value: Option<DateTime>) {
        self.opt_datetime(value);
    }

    fn text_list(&mut self, _: Ident, value: &[Key]) {
        self.list(value);
    }

    fn hash(&mut self, _: Ident, value: u64) {
        self.sep();
        self.buf.extend_from_slice(&hex16(value));
    }
}

fn type_suffix(ty: PropType) -> &'static str {
    match ty {
        PropType::String => "",
        PropType::Long => ":long",
        PropType::Double => ":double",
        PropType::Date => ":date",
        PropType::DateTime => ":datetime",
        PropType::StringList => ":string[]",
    }
}

/// Header of a node file: the key as `name:ID(Label)`, then typed properties. The label is not
/// a column: the import command names it once for the whole file (`--nodes=Label=…`).
pub(crate) fn node_header(label: Ident, props: &[Property]) -> String {
    let mut cols = vec![format!("{}:ID({label})", props[0].name)];
    cols.extend(
        props[1..]
            .iter()
            .map(|p| format!("{}{}", p.name, type_suffix(p.ty))),
    );
    cols.join(",") + "\n"
}

/// Header of a relationship file: `:START_ID(From),:END_ID(To)`, then typed properties; the
/// type, like a node file's label, is named once in the command (`--relationships=TYPE=…`).
pub(crate) fn rel_header(from: Ident, to: Ident, props: &[Property]) -> String {
    let mut cols = vec![format!(":START_ID({from})"), format!(":END_ID({to})")];
    cols.extend(
        props
            .iter()
            .map(|p| format!("{}{}", p.name, type_suffix(p.ty))),
    );
    cols.join(",") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{xorshift, SEED};
    use learngraph_model::schema::{label, LEARNER_PROPERTIES};

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let mut r = RowBuf::default();
        for s in ["plain", "a,b", "say \"hi\"", "two\nlines", "", " spaced "] {
            r.str(s);
        }
        r.null();
        r.opt_float(Some(87.5));
        r.opt_float(Some(100.0));
        r.opt_float(Some(f64::NAN));
        r.opt_int(Some(-42i64));
        r.list(&["python", "sql"]);
        r.list(&["a,b", "c\"d"]);
        r.list::<&str>(&[]);
        r.end();
        assert_eq!(
            String::from_utf8(r.buf).unwrap(),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",, spaced ,,87.5,100.0,,-42,python;sql,\"a,b;c\"\"d\",\n"
        );
    }

    #[test]
    fn floats_are_written_as_ryu_writes_them() {
        let mut x = SEED;
        let tenths = (0..200_000u64).map(|n| n as f64 / 10.0);
        let hundredths = (0..20_000u64).map(|n| n as f64 / 100.0);
        let random = (0..100_000).map(|_| f64::from_bits(xorshift(&mut x)));
        let special = [
            -0.0,
            0.0,
            -0.5,
            1e-7,
            0.1 + 0.2,
            1e14 + 0.5,
            1e15,
            1e16,
            123.456,
            -17.82772,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
        ];
        for v in tenths.chain(hundredths).chain(random).chain(special) {
            if !v.is_finite() {
                continue;
            }
            let mut buf = Vec::new();
            push_float(&mut buf, v);
            assert_eq!(
                std::str::from_utf8(&buf).unwrap(),
                ryu::Buffer::new().format_finite(v),
                "{v:?}"
            );
        }
    }

    #[test]
    fn quoting_is_decided_as_byte_by_byte() {
        let mut x = SEED;
        let mut next = |n: usize| (xorshift(&mut x) % n as u64) as usize;
        // The four bytes that need quotes, their neighbours, and bytes with the high bit set.
        let alphabet = b"ab,\"\n\r+!#\x0B\x0C\x80\xAC\xFF\x00 ";
        for _ in 0..50_000 {
            let plain = next(2) == 0;
            let letters = if plain { 2 } else { alphabet.len() };
            let mut field: Vec<u8> = (0..next(40)).map(|_| alphabet[next(letters)]).collect();
            if plain && !field.is_empty() && next(2) == 0 {
                let at = next(field.len());
                field[at] = [b',', b'"', b'\n', b'\r'][next(4)];
            }
            let want = field.iter().any(|c| b",\"\n\r".contains(c));
            assert_eq!(needs_quotes(&field), want, "{field:?}");
        }
    }

    #[test]
    fn learner_header_uses_neo4j_admin_syntax() {
        let h = node_header(label::LEARNER, LEARNER_PROPERTIES);
        assert!(h.starts_with("learner_id:ID(Learner),full_name,"), "{h}");
        for col in [
            "birth_date:date",
            "skills:string[]",
            "signup_at:datetime",
            "assessment_score:double",
            "source_row:long",
        ] {
            assert!(h.split(',').any(|c| c.trim() == col), "{col} in {h}");
        }
        assert_eq!(h.split(',').count(), LEARNER_PROPERTIES.len());
    }
}
