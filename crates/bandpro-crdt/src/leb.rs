//! The primitive byte codec under every encoding: LEB128 integers, length-prefixed strings and a
//! bounds-checked reader.
//!
//! The reader never panics and never allocates more than the bytes it has actually been given,
//! whatever a length prefix claims: a hostile length is an error, not an allocation.

use crate::error::Error;

/// Appends an unsigned LEB128 integer.
pub(crate) fn write_uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends a signed LEB128 integer.
pub(crate) fn write_sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        let done = (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends a length-prefixed byte string.
pub(crate) fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_uleb(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A cursor over untrusted bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`; `what` names the structure in error messages.
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { bytes, pos: 0, what }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    pub(crate) fn err(&self, reason: impl Into<String>) -> Error {
        Error::decode(self.what, self.pos, reason)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Error> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| self.err("unexpected end of input"))?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.remaining() {
            return Err(self.err(format!("needs {n} bytes, only {} remain", self.remaining())));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// An unsigned LEB128 integer in its shortest form (longer forms would give one value two
    /// encodings, and so one change two hashes).
    pub(crate) fn uleb(&mut self) -> Result<u64, Error> {
        let start = self.pos;
        let mut result: u64 = 0;
        let mut shift = 0u32;
        loop {
            let byte = self.u8()?;
            if shift == 63 && byte > 1 {
                return Err(Error::decode(self.what, start, "integer overflows 64 bits"));
            }
            result |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(Error::decode(self.what, start, "integer is not in shortest form"));
                }
                return Ok(result);
            }
            shift += 7;
        }
    }

    /// A signed LEB128 integer in its shortest form.
    pub(crate) fn sleb(&mut self) -> Result<i64, Error> {
        let start = self.pos;
        let mut result: i64 = 0;
        let mut shift = 0u32;
        let mut prev: Option<u8> = None;
        loop {
            let byte = self.u8()?;
            if shift >= 63 && !(byte == 0 || byte == 0x7f) {
                return Err(Error::decode(self.what, start, "integer overflows 64 bits"));
            }
            result |= i64::from(byte & 0x7f).wrapping_shl(shift);
            shift += 7;
            if byte & 0x80 == 0 {
                // A final byte that only repeats the sign of the previous one is redundant.
                if let Some(p) = prev
                    && ((byte == 0 && p & 0x40 == 0) || (byte == 0x7f && p & 0x40 != 0))
                {
                    return Err(Error::decode(self.what, start, "integer is not in shortest form"));
                }
                if shift < 64 && byte & 0x40 != 0 {
                    result |= -1i64 << shift;
                }
                return Ok(result);
            }
            prev = Some(byte);
        }
    }

    /// A `u32` written as LEB128.
    pub(crate) fn u32(&mut self) -> Result<u32, Error> {
        let start = self.pos;
        let v = self.uleb()?;
        u32::try_from(v).map_err(|_| Error::decode(self.what, start, "value exceeds 32 bits"))
    }

    /// A count of items that each take at least `min_item_bytes` bytes: checked against what
    /// remains before anyone allocates for it.
    pub(crate) fn count(&mut self, min_item_bytes: usize) -> Result<usize, Error> {
        let start = self.pos;
        let n = self.uleb()?;
        let max = (self.remaining() / min_item_bytes.max(1)) as u64;
        if n > max {
            return Err(Error::decode(
                self.what,
                start,
                format!("claims {n} items but only {} bytes remain", self.remaining()),
            ));
        }
        Ok(n as usize)
    }

    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], Error> {
        let n = self.count(1)?;
        self.take(n)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, Error> {
        let start = self.pos;
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| Error::decode(self.what, start, "string is not UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb_round_trips_and_rejects_overlong_forms() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            write_uleb(&mut out, v);
            assert_eq!(Reader::new(&out, "t").uleb().unwrap(), v);
        }
        for v in [0i64, 1, -1, 63, 64, -64, -65, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            write_sleb(&mut out, v);
            assert_eq!(Reader::new(&out, "t").sleb().unwrap(), v, "{v}");
        }
        assert!(Reader::new(&[0x80, 0x00], "t").uleb().is_err());
        assert!(Reader::new(&[0xff, 0x7f], "t").sleb().is_err());
        assert!(Reader::new(&[0xff; 11], "t").uleb().is_err());
        assert!(Reader::new(&[0x05, 1, 2], "t").bytes().is_err());
    }
}
