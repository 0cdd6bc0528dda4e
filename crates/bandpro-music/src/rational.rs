//! Exact rational numbers for musical time.
//!
//! All time in this crate (durations, onsets, measure lengths) is a [`Rational`] fraction of a
//! whole note. Floats never enter time arithmetic: a triplet eighth is exactly 1/12, and three of
//! them are exactly 1/4.

use std::cmp::Ordering;
use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

use crate::error::{Error, Result};

/// An exact fraction `num/den`, always reduced, with `den > 0`.
///
/// ```
/// use bandpro_music::Rational;
/// let triplet_eighth = Rational::new(1, 12);
/// assert_eq!(triplet_eighth + triplet_eighth + triplet_eighth, Rational::new(1, 4));
/// ```
///
/// Arithmetic operators (`+ - * /`, unary `-`, `+=`, `-=`) and [`Sum`](std::iter::Sum) panic
/// on overflow of `i64` (musical times never get near it); on values derived from untrusted
/// input use [`Rational::checked_add`], [`Rational::checked_sub`], [`Rational::checked_mul`],
/// [`Rational::checked_div`], [`Rational::checked_neg`] and [`Rational::checked_sum`], and turn
/// `None` into an error.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rational {
    num: i64,
    den: i64,
}

/// Binary GCD: cheap for the powers of two that dominate musical denominators.
const fn gcd(a: u64, b: u64) -> u64 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    let mut a = a >> a.trailing_zeros();
    let mut b = b;
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            let t = a;
            a = b;
            b = t;
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

impl Rational {
    /// Zero.
    pub const ZERO: Rational = Rational { num: 0, den: 1 };
    /// One whole note.
    pub const ONE: Rational = Rational { num: 1, den: 1 };

    /// `num/den`, reduced. Panics if `den == 0`; see [`Rational::try_new`].
    pub const fn new(num: i64, den: i64) -> Rational {
        if den > 0 && num != i64::MIN {
            let g = gcd(num.unsigned_abs(), den as u64) as i64;
            return Rational { num: num / g, den: den / g };
        }
        match Self::reduce128(num as i128, den as i128) {
            Some(r) => r,
            None => panic!("invalid rational: zero denominator or overflow"),
        }
    }

    /// `num/den`, reduced, or an error for a zero denominator.
    pub fn try_new(num: i64, den: i64) -> Result<Rational> {
        if den == 0 {
            return Err(Error::ZeroDenominator);
        }
        if den > 0 {
            return Ok(Self::reduce64(num, den));
        }
        Self::reduce128(num as i128, den as i128).ok_or(Error::Overflow)
    }

    /// The integer `n`.
    pub const fn from_int(n: i64) -> Rational {
        Rational { num: n, den: 1 }
    }

    const fn reduce128(num: i128, den: i128) -> Option<Rational> {
        if den == 0 {
            return None;
        }
        let (mut num, mut den) = if den < 0 { (-num, -den) } else { (num, den) };
        let g = gcd128(num.unsigned_abs(), den as u128);
        if g > 1 {
            num /= g as i128;
            den /= g as i128;
        }
        if num > i64::MAX as i128 || num < i64::MIN as i128 || den > i64::MAX as i128 {
            return None;
        }
        Some(Rational { num: num as i64, den: den as i64 })
    }

    /// The numerator (sign carrier).
    pub const fn numer(self) -> i64 {
        self.num
    }

    /// The denominator (always positive).
    pub const fn denom(self) -> i64 {
        self.den
    }

    /// True for zero.
    pub const fn is_zero(self) -> bool {
        self.num == 0
    }

    /// True if strictly greater than zero.
    pub const fn is_positive(self) -> bool {
        self.num > 0
    }

    /// True if the value is an integer.
    pub const fn is_integer(self) -> bool {
        self.den == 1
    }

    /// Largest integer not above the value.
    pub const fn floor(self) -> i64 {
        self.num.div_euclid(self.den)
    }

    /// Approximate value, for display and weights only (never for time arithmetic).
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// Reduce `num/den` (den > 0) with 64-bit arithmetic.
    fn reduce64(num: i64, den: i64) -> Rational {
        let g = gcd(num.unsigned_abs(), den as u64) as i64;
        if g > 1 { Rational { num: num / g, den: den / g } } else { Rational { num, den } }
    }

    /// Checked addition.
    pub fn checked_add(self, rhs: Rational) -> Option<Rational> {
        if self.den == rhs.den {
            let n = self.num.checked_add(rhs.num)?;
            if self.den == 1 {
                return Some(Rational { num: n, den: 1 });
            }
            return Some(Self::reduce64(n, self.den));
        }
        // Fast path in 64 bits; fall back to 128 bits only on overflow.
        let g = gcd(self.den as u64, rhs.den as u64) as i64;
        let (a, b) = (self.den / g, rhs.den / g);
        if let (Some(l), Some(x), Some(y)) =
            (a.checked_mul(rhs.den), self.num.checked_mul(b), rhs.num.checked_mul(a))
            && let Some(n) = x.checked_add(y)
        {
            return Some(Self::reduce64(n, l));
        }
        let l = a as i128 * rhs.den as i128;
        let n = self.num as i128 * b as i128 + rhs.num as i128 * a as i128;
        Self::reduce128(n, l)
    }

    /// Checked subtraction.
    pub fn checked_sub(self, rhs: Rational) -> Option<Rational> {
        self.checked_add(Rational { num: rhs.num.checked_neg()?, den: rhs.den })
    }

    /// Checked multiplication.
    pub fn checked_mul(self, rhs: Rational) -> Option<Rational> {
        if let (Some(n), Some(d)) = (self.num.checked_mul(rhs.num), self.den.checked_mul(rhs.den)) {
            return Some(Self::reduce64(n, d));
        }
        Self::reduce128(self.num as i128 * rhs.num as i128, self.den as i128 * rhs.den as i128)
    }

    /// Checked division (`None` when dividing by zero).
    pub fn checked_div(self, rhs: Rational) -> Option<Rational> {
        if rhs.num == 0 {
            return None;
        }
        Self::reduce128(self.num as i128 * rhs.den as i128, self.den as i128 * rhs.num as i128)
    }

    /// Checked negation (`None` for a numerator of `i64::MIN`, whose negation does not fit).
    ///
    /// ```
    /// use bandpro_music::Rational;
    /// assert_eq!(Rational::new(1, 4).checked_neg(), Some(Rational::new(-1, 4)));
    /// assert_eq!(Rational::from_int(i64::MIN).checked_neg(), None);
    /// ```
    pub const fn checked_neg(self) -> Option<Rational> {
        match self.num.checked_neg() {
            Some(num) => Some(Rational { num, den: self.den }),
            None => None,
        }
    }

    /// Checked absolute value (`None` for a numerator of `i64::MIN`).
    pub const fn checked_abs(self) -> Option<Rational> {
        if self.num < 0 { self.checked_neg() } else { Some(self) }
    }

    /// Checked sum of many values: `None` as soon as a partial sum overflows.
    ///
    /// ```
    /// use bandpro_music::Rational;
    /// let thirds = [Rational::new(1, 3); 3];
    /// assert_eq!(Rational::checked_sum(thirds), Some(Rational::ONE));
    /// assert_eq!(Rational::checked_sum([Rational::from_int(i64::MAX), Rational::ONE]), None);
    /// ```
    pub fn checked_sum(values: impl IntoIterator<Item = Rational>) -> Option<Rational> {
        values.into_iter().try_fold(Rational::ZERO, Rational::checked_add)
    }

    /// Absolute value. Panics (with overflow checks on) for a numerator of `i64::MIN`; see
    /// [`Rational::checked_abs`].
    pub const fn abs(self) -> Rational {
        Rational { num: self.num.abs(), den: self.den }
    }

    /// The smaller of two values.
    pub fn min(self, other: Rational) -> Rational {
        if other < self { other } else { self }
    }

    /// The larger of two values.
    pub fn max(self, other: Rational) -> Rational {
        if other > self { other } else { self }
    }
}

const fn gcd128(a: u128, b: u128) -> u128 {
    let (mut a, mut b) = (a, b);
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    if a == 0 { 1 } else { a }
}

impl Default for Rational {
    fn default() -> Self {
        Rational::ZERO
    }
}

impl Ord for Rational {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.den == other.den {
            return self.num.cmp(&other.num);
        }
        (self.num as i128 * other.den as i128).cmp(&(other.num as i128 * self.den as i128))
    }
}

impl PartialOrd for Rational {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Add for Rational {
    type Output = Rational;
    fn add(self, rhs: Rational) -> Rational {
        self.checked_add(rhs).expect("rational overflow in add")
    }
}

impl AddAssign for Rational {
    fn add_assign(&mut self, rhs: Rational) {
        *self = *self + rhs;
    }
}

impl Sub for Rational {
    type Output = Rational;
    fn sub(self, rhs: Rational) -> Rational {
        self.checked_sub(rhs).expect("rational overflow in sub")
    }
}

impl SubAssign for Rational {
    fn sub_assign(&mut self, rhs: Rational) {
        *self = *self - rhs;
    }
}

impl Mul for Rational {
    type Output = Rational;
    fn mul(self, rhs: Rational) -> Rational {
        self.checked_mul(rhs).expect("rational overflow in mul")
    }
}

impl Div for Rational {
    type Output = Rational;
    fn div(self, rhs: Rational) -> Rational {
        self.checked_div(rhs).expect("rational division by zero or overflow")
    }
}

impl Neg for Rational {
    type Output = Rational;
    fn neg(self) -> Rational {
        self.checked_neg().expect("rational overflow in neg")
    }
}

impl From<i64> for Rational {
    fn from(n: i64) -> Self {
        Rational::from_int(n)
    }
}

impl fmt::Display for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 { write!(f, "{}", self.num) } else { write!(f, "{}/{}", self.num, self.den) }
    }
}

impl fmt::Debug for Rational {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for Rational {
    type Err = Error;
    fn from_str(s: &str) -> Result<Rational> {
        let bad = || Error::InvalidDuration(s.to_string());
        match s.split_once('/') {
            Some((n, d)) => {
                Rational::try_new(n.trim().parse().map_err(|_| bad())?, d.trim().parse().map_err(|_| bad())?)
            }
            None => Ok(Rational::from_int(s.trim().parse().map_err(|_| bad())?)),
        }
    }
}

impl std::iter::Sum for Rational {
    fn sum<I: Iterator<Item = Rational>>(iter: I) -> Rational {
        iter.fold(Rational::ZERO, |a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduces_and_orders() {
        assert_eq!(Rational::new(2, 8), Rational::new(1, 4));
        assert_eq!(Rational::new(3, -6), Rational::new(-1, 2));
        assert!(Rational::new(1, 3) < Rational::new(1, 2));
        assert_eq!(Rational::new(1, 3) + Rational::new(1, 6), Rational::new(1, 2));
        assert_eq!(Rational::new(3, 8) - Rational::new(3, 8), Rational::ZERO);
        assert_eq!(Rational::new(3, 8) * Rational::new(2, 3), Rational::new(1, 4));
        assert_eq!(Rational::new(1, 4) / Rational::new(1, 12), Rational::from_int(3));
        assert_eq!(Rational::try_new(1, 0), Err(Error::ZeroDenominator));
        assert_eq!("3/12".parse::<Rational>().unwrap(), Rational::new(1, 4));
        assert_eq!(Rational::new(-1, 4).floor(), -1);
    }

    #[test]
    fn checked_operations_refuse_what_does_not_fit() {
        let max = Rational::from_int(i64::MAX);
        let min = Rational::from_int(i64::MIN);
        assert_eq!(max.checked_add(Rational::ONE), None);
        assert_eq!(min.checked_sub(Rational::ONE), None);
        assert_eq!(max.checked_mul(Rational::from_int(2)), None);
        assert_eq!(max.checked_div(Rational::new(1, 2)), None);
        assert_eq!(Rational::ONE.checked_div(Rational::ZERO), None);
        assert_eq!(min.checked_neg(), None);
        assert_eq!(min.checked_abs(), None);
        assert_eq!(Rational::new(-3, 4).checked_abs(), Some(Rational::new(3, 4)));
        // Large coprime denominators: the sum's denominator is their product.
        let (p, q) = (Rational::new(1, 4_294_967_291), Rational::new(1, 4_294_967_279));
        assert_eq!(p.checked_add(q), None);
        assert_eq!(Rational::checked_sum([p, q]), None);
    }
}
