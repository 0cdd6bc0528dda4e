//! Run-length encoded integer columns, the building block of the document format.
//!
//! A column is a sequence of runs. Each run starts with a signed LEB128 header: `n > 0` means
//! the next value repeats `n` times; `n < 0` means `-n` literal values follow. Values are
//! unsigned or signed LEB128 depending on the column. Delta columns store differences from the
//! previous value, so counters that climb by one become one long run of `1`.

use crate::error::Error;
use crate::leb::{Reader, write_sleb, write_uleb};

/// Builds a column of unsigned values.
#[derive(Default)]
pub(crate) struct UColumn {
    values: Vec<u64>,
}

/// Builds a column of signed values.
#[derive(Default)]
pub(crate) struct IColumn {
    values: Vec<i64>,
}

impl UColumn {
    pub(crate) fn push(&mut self, v: u64) {
        self.values.push(v);
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        encode_runs(&self.values, |out, v| write_uleb(out, *v))
    }
}

impl IColumn {
    pub(crate) fn push(&mut self, v: i64) {
        self.values.push(v);
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        encode_runs(&self.values, |out, v| write_sleb(out, *v))
    }
}

fn encode_runs<T: PartialEq + Copy>(values: &[T], write: impl Fn(&mut Vec<u8>, &T)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut run = 1;
        while i + run < values.len() && values[i + run] == values[i] {
            run += 1;
        }
        if run >= 2 {
            write_sleb(&mut out, run as i64);
            write(&mut out, &values[i]);
            i += run;
            continue;
        }
        // Literals until the next run of two or more.
        let start = i;
        while i < values.len() && !(i + 1 < values.len() && values[i + 1] == values[i]) {
            i += 1;
        }
        write_sleb(&mut out, -((i - start) as i64));
        for v in &values[start..i] {
            write(&mut out, v);
        }
    }
    out
}

/// Reads a run-length encoded column lazily.
pub(crate) struct ColumnReader<'a> {
    r: Reader<'a>,
    name: &'static str,
    repeat: Option<(i64, u64)>,
    literals: u64,
    signed: bool,
}

impl<'a> ColumnReader<'a> {
    pub(crate) fn new(bytes: &'a [u8], name: &'static str, signed: bool) -> Self {
        ColumnReader { r: Reader::new(bytes, "document"), name, repeat: None, literals: 0, signed }
    }

    fn err(&self, reason: &str) -> Error {
        Error::decode("document", self.r.pos(), format!("column {}: {reason}", self.name))
    }

    fn raw(&mut self) -> Result<i64, Error> {
        if self.signed { self.r.sleb() } else { self.r.uleb().map(|v| v as i64) }
    }

    fn next_raw(&mut self) -> Result<i64, Error> {
        if let Some((v, left)) = self.repeat {
            self.repeat = if left > 1 { Some((v, left - 1)) } else { None };
            return Ok(v);
        }
        if self.literals > 0 {
            self.literals -= 1;
            return self.raw();
        }
        if self.r.is_empty() {
            return Err(self.err("ended early"));
        }
        let header = self.r.sleb()?;
        match header {
            0 => Err(self.err("empty run")),
            n if n > 0 => {
                let v = self.raw()?;
                if n > 1 {
                    self.repeat = Some((v, n as u64 - 1));
                }
                Ok(v)
            }
            n => {
                self.literals = n.unsigned_abs() - 1;
                self.raw()
            }
        }
    }

    /// The next unsigned value.
    pub(crate) fn u(&mut self) -> Result<u64, Error> {
        self.next_raw().map(|v| v as u64)
    }

    /// The next signed value.
    pub(crate) fn i(&mut self) -> Result<i64, Error> {
        self.next_raw()
    }

    /// Checks that nothing is left over.
    pub(crate) fn finish(&self) -> Result<(), Error> {
        if self.repeat.is_some() || self.literals > 0 || !self.r.is_empty() {
            return Err(self.err("has values left over"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_literals_round_trip() {
        let values = [5u64, 5, 5, 1, 2, 3, 3, 0, 9, 9, 9, 9, 7];
        let mut c = UColumn::default();
        values.iter().for_each(|v| c.push(*v));
        let bytes = c.encode();
        let mut r = ColumnReader::new(&bytes, "t", false);
        let back: Vec<u64> = (0..values.len()).map(|_| r.u().unwrap()).collect();
        assert_eq!(back, values);
        r.finish().unwrap();
        let mut s = IColumn::default();
        [-1i64, -1, 4, -7].iter().for_each(|v| s.push(*v));
        let bytes = s.encode();
        let mut r = ColumnReader::new(&bytes, "t", true);
        assert_eq!((0..4).map(|_| r.i().unwrap()).collect::<Vec<_>>(), vec![-1, -1, 4, -7]);
        assert!(r.i().is_err(), "reading past the end is an error");
    }
}
