//! Rate-limited warnings: a repeated event is logged the first few times, then once per many,
//! with the number it stood for, so that a bad file cannot flood the log.

/// Decides, for one call site, which occurrences of an event get a log line.
#[derive(Debug)]
pub struct RateLimit {
    first: u64,
    every: u64,
    seen: u64,
}

/// What to do with one occurrence.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Log it.
    Log,
    /// Log a line that stands for this occurrence and the `n` suppressed since the last line.
    Summary(u64),
    /// Say nothing.
    Skip,
}

impl RateLimit {
    /// Logs the first `first` occurrences, then one line for every `every`.
    pub const fn new(first: u64, every: u64) -> RateLimit {
        RateLimit {
            first,
            every,
            seen: 0,
        }
    }

    /// Counts one occurrence and says whether to log it.
    pub fn hit(&mut self) -> Decision {
        self.seen += 1;
        if self.seen <= self.first {
            Decision::Log
        } else if (self.seen - self.first) % self.every == 0 {
            Decision::Summary(self.every - 1)
        } else {
            Decision::Skip
        }
    }

    /// Occurrences not logged since the last line (for a closing summary).
    pub fn unreported(&self) -> u64 {
        if self.seen <= self.first {
            0
        } else {
            (self.seen - self.first) % self.every
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_few_then_one_per_many() {
        let mut r = RateLimit::new(2, 3);
        let got: Vec<Decision> = (0..8).map(|_| r.hit()).collect();
        use Decision::*;
        assert_eq!(
            got,
            vec![Log, Log, Skip, Skip, Summary(2), Skip, Skip, Summary(2)]
        );
        r.hit();
        assert_eq!(r.unreported(), 1);
    }
}
