//! A reader for the plain JSON the export writes in its cells: compact arrays and flat objects
//! whose strings have no escapes and whose numbers are decimals of at most 15 digits.
//!
//! It answers only for that shape; its callers hand every other cell to `serde_json`. Where it
//! answers, it answers as `serde_json` does (the callers' tests hold both readers to that, on
//! tables, random numbers and every one-byte edit of well-formed cells), and it takes about half
//! the instructions, with no allocation for the strings, which it borrows from the cell.

/// The bytes that end a string without escapes: its closing quote, or what only an escaped string
/// has (a backslash) or no string may have (a control character). One look-up per byte instead of
/// three compares.
const ENDS_PLAIN_STRING: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// A position in a cell. Every method returns `None` where the cell leaves the plain shape.
pub(crate) struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Parser<'a> {
    /// A parser at the start of `s`, past any leading whitespace.
    pub(crate) fn new(s: &'a str) -> Self {
        let mut p = Parser { s, i: 0 };
        p.ws();
        p
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.i += 1;
        Some(b)
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        (self.next()? == b).then_some(())
    }

    /// JSON's whitespace.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.s.len()
    }

    /// `[`, the items `item` reads with commas between them, and `]`.
    pub(crate) fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.expect(b'[')?;
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            item(self)?;
            self.ws();
            match self.next()? {
                b',' => continue,
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// `{`, the members `member` reads (given each key) with commas between them, and `}`.
    pub(crate) fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, &'a str) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// A string without escapes or control characters, borrowed from the cell.
    // Not inlined: inlined into a caller's loop, the byte loop carried a register for each of
    // the caller's positions and took three times the instructions per byte.
    #[inline(never)]
    pub(crate) fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.i;
        let rest = &self.s.as_bytes()[start..];
        let n = rest
            .iter()
            .position(|&b| ENDS_PLAIN_STRING[usize::from(b)])?;
        if rest[n] != b'"' {
            return None;
        }
        self.i = start + n + 1;
        Some(&self.s[start..start + n])
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?` with at most 15 digits. Such a number is its digits (below
    /// 2^53) divided by a power of ten (at most 10^15), both exact as `f64`, so the one rounded
    /// division is the correctly rounded value, which `serde_json` also gives.
    pub(crate) fn number(&mut self) -> Option<f64> {
        let negative = self.peek() == Some(b'-');
        self.i += usize::from(negative);
        let mut mantissa: u64 = 0;
        let mut digits = |p: &mut Self| {
            let from = p.i;
            while let Some(d @ b'0'..=b'9') = p.peek() {
                // Wrapping: a number of more than 15 digits is refused below, whatever its
                // digits wrapped to.
                mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
                p.i += 1;
            }
            p.i - from
        };
        let int_start = self.i;
        let int = digits(self);
        if int == 0 || (int > 1 && self.s.as_bytes()[int_start] == b'0') {
            return None;
        }
        let mut frac = 0;
        if self.peek() == Some(b'.') {
            self.i += 1;
            frac = digits(self);
            if frac == 0 {
                return None;
            }
        }
        if int + frac > 15 || matches!(self.peek(), Some(b'e' | b'E')) {
            return None;
        }
        const POW10: [f64; 16] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        ];
        let x = mantissa as f64 / POW10[frac];
        Some(if negative { -x } else { x })
    }

    /// The literal `word` (`null`, `true`, `false`).
    pub(crate) fn literal(&mut self, word: &str) -> Option<()> {
        self.s[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }
}
