//! Kubernetes resource quantities (`500m`, `1.5Gi`, `1e3`) for CEL's `quantity()`: exact
//! decimal arithmetic on a 128-bit mantissa and a power of ten, which holds every quantity a
//! manifest writes (Kubernetes' own type is arbitrary precision; a quantity beyond ours is
//! refused as invalid rather than rounded).

use std::cmp::Ordering;

/// `mantissa × 10^exponent`, with no trailing zero in the mantissa (so equal quantities
/// have equal fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quantity {
    mantissa: i128,
    exponent: i32,
}

/// How far a decimal exponent may go: far beyond any resource amount, and a bound on the
/// work `compare` and `add` do to align two quantities.
const MAX_EXPONENT: i32 = 60;

impl Quantity {
    fn new(mantissa: i128, exponent: i32) -> Option<Quantity> {
        let (mut m, mut e) = (mantissa, exponent);
        if m == 0 {
            return Some(Quantity {
                mantissa: 0,
                exponent: 0,
            });
        }
        while m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        (e.abs() <= MAX_EXPONENT).then_some(Quantity {
            mantissa: m,
            exponent: e,
        })
    }

    /// Reads a quantity as Kubernetes' `resource.ParseQuantity` does; `None` when it is not
    /// one.
    pub fn parse(text: &str) -> Option<Quantity> {
        let (negative, rest) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, suffix) = rest.split_at(number_len);
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        if whole.is_empty() && fraction.is_empty() || fraction.contains('.') {
            return None;
        }
        let mut mantissa: i128 = 0;
        for d in whole.bytes().chain(fraction.bytes()) {
            mantissa = mantissa
                .checked_mul(10)?
                .checked_add(i128::from(d - b'0'))?;
        }
        let mut exponent = -i32::try_from(fraction.len()).ok()?;
        let (binary, decimal) = suffix_value(suffix)?;
        mantissa = mantissa.checked_mul(1i128 << binary)?;
        exponent = exponent.checked_add(decimal)?;
        if negative {
            mantissa = -mantissa;
        }
        Quantity::new(mantissa, exponent)
    }

    pub fn from_int(i: i64) -> Quantity {
        Quantity::new(i128::from(i), 0).unwrap_or(Quantity {
            mantissa: 0,
            exponent: 0,
        })
    }

    pub fn sign(&self) -> i64 {
        self.mantissa.signum() as i64
    }

    pub fn is_integer(&self) -> bool {
        self.exponent >= 0 && self.as_i64().is_some()
    }

    /// The quantity as an int64, when it is a whole number that fits.
    pub fn as_i64(&self) -> Option<i64> {
        if self.exponent < 0 {
            return None;
        }
        let m = self
            .mantissa
            .checked_mul(10i128.checked_pow(self.exponent as u32)?)?;
        i64::try_from(m).ok()
    }

    pub fn as_f64(&self) -> f64 {
        self.mantissa as f64 * 10f64.powi(self.exponent)
    }

    /// Both mantissas at the smaller exponent; `None` when one no longer fits.
    fn aligned(&self, other: &Quantity) -> Option<(i128, i128, i32)> {
        let e = self.exponent.min(other.exponent);
        let scale = |q: &Quantity| {
            q.mantissa
                .checked_mul(10i128.checked_pow((q.exponent - e) as u32)?)
        };
        Some((scale(self)?, scale(other)?, e))
    }

    pub fn add(&self, other: &Quantity) -> Option<Quantity> {
        let (a, b, e) = self.aligned(other)?;
        Quantity::new(a.checked_add(b)?, e)
    }

    pub fn sub(&self, other: &Quantity) -> Option<Quantity> {
        let (a, b, e) = self.aligned(other)?;
        Quantity::new(a.checked_sub(b)?, e)
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Quantity) -> Ordering {
        let by_sign = self.mantissa.signum().cmp(&other.mantissa.signum());
        if by_sign != Ordering::Equal || self.mantissa == 0 {
            return by_sign;
        }
        match self.aligned(other) {
            Some((a, b, _)) => a.cmp(&b),
            // One no longer fits at the other's exponent: its magnitude is the larger.
            None => {
                let larger_is_self = self.exponent > other.exponent;
                let positive = self.mantissa > 0;
                if larger_is_self == positive {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
        }
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A suffix as (power of two, power of ten).
fn suffix_value(suffix: &str) -> Option<(u32, i32)> {
    Some(match suffix {
        "" => (0, 0),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        _ => {
            let exp = suffix.strip_prefix(['e', 'E'])?;
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            (0, exp.parse().ok()?)
        }
    })
}
