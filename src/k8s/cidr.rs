//! Exact CIDR arithmetic for IPv4 and IPv6: parsing a prefix as the API server reads it,
//! printing it, its canonical form, containment, and whether a block minus its excepts
//! still holds an address of another block. Used by the NetworkPolicy semantics and by the
//! `--metadata-endpoint` flag.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 prefix, as written (host bits may be set: see `is_canonical`). IPv4
/// addresses are held in the low 32 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub v6: bool,
    pub addr: u128,
    pub prefix: u8,
}

impl Cidr {
    /// The address length: 32 for IPv4, 128 for IPv6.
    pub fn bits(self) -> u8 {
        if self.v6 { 128 } else { 32 }
    }

    /// The bits below the prefix.
    fn host_mask(self) -> u128 {
        let host_bits = u32::from(self.bits() - self.prefix);
        if host_bits == 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        }
    }

    /// The first address of the block.
    pub fn first(self) -> u128 {
        self.addr & !self.host_mask()
    }

    /// The last address of the block (inclusive).
    pub fn last(self) -> u128 {
        self.first() | self.host_mask()
    }

    /// Whether no bit below the prefix is set (`10.0.0.0/8`, not `10.1.0.0/8`).
    pub fn is_canonical(self) -> bool {
        self.addr & self.host_mask() == 0
    }

    /// The block the prefix denotes, host bits cleared, as Go's `net.ParseCIDR` reads it.
    pub fn canonical(self) -> Cidr {
        Cidr {
            addr: self.first(),
            ..self
        }
    }

    /// Whether every address of `other` is in this block.
    pub fn contains(self, other: Cidr) -> bool {
        self.v6 == other.v6
            && self.prefix <= other.prefix
            && self.first() <= other.first()
            && other.last() <= self.last()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.v6 {
            write!(f, "{}/{}", Ipv6Addr::from(self.addr), self.prefix)
        } else {
            // An IPv4 address is held in the low 32 bits, so the cast keeps all of it.
            write!(f, "{}/{}", Ipv4Addr::from(self.addr as u32), self.prefix)
        }
    }
}

/// Parses `a.b.c.d/n` or `x:y::z/n`. The error says what is wrong, for a message.
pub fn parse_cidr(s: &str) -> Result<Cidr, String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s != s.trim() {
        return Err("it has spaces around it".into());
    }
    let Some((addr, prefix)) = s.split_once('/') else {
        return Err(match parse_addr(s) {
            Ok((v6, _)) => format!(
                "it is an address without a prefix length; for this one address write {s}/{}",
                if v6 { 128 } else { 32 }
            ),
            Err(_) => "it is not an address with a prefix length (such as 10.0.0.0/8)".into(),
        });
    };
    let (v6, addr) = parse_addr(addr).map_err(|e| format!("\"{addr}\" {e}"))?;
    let bits = if v6 { 128 } else { 32 };
    let prefix_text = prefix;
    let prefix: u8 =
        if !prefix.is_empty() && prefix.len() <= 3 && prefix.bytes().all(|b| b.is_ascii_digit()) {
            prefix.parse().unwrap_or(u8::MAX)
        } else {
            u8::MAX
        };
    if prefix > bits {
        return Err(format!(
            "the prefix length \"{prefix_text}\" is not a number from 0 to {bits}"
        ));
    }
    Ok(Cidr { v6, addr, prefix })
}

fn parse_addr(s: &str) -> Result<(bool, u128), &'static str> {
    if s.contains(':') {
        s.parse::<Ipv6Addr>()
            .map(|a| (true, u128::from(a)))
            .map_err(|_| "is not an IPv6 address")
    } else {
        // Rust, like the API server's strict parsing, refuses octets with leading zeros
        // (`010.0.0.1`: octal or decimal?).
        s.parse::<Ipv4Addr>()
            .map(|a| (false, u128::from(u32::from(a))))
            .map_err(|_| "is not an IPv4 address")
    }
}

/// Whether some address of `target` is in `cidr` but in none of `except`: exact, by walking
/// the sorted, clipped except ranges over the overlap of `cidr` and `target`.
pub fn block_allows(cidr: Cidr, except: &[Cidr], target: Cidr) -> bool {
    let (cidr, target) = (cidr.canonical(), target.canonical());
    let overlap = if cidr.contains(target) {
        target
    } else if target.contains(cidr) {
        cidr
    } else {
        // Two prefixes either nest or are disjoint.
        return false;
    };
    let (lo, hi) = (overlap.first(), overlap.last());
    let mut holes: Vec<(u128, u128)> = except
        .iter()
        .filter(|e| e.v6 == overlap.v6)
        .map(|e| (e.first().max(lo), e.last().min(hi)))
        .filter(|(a, b)| a <= b)
        .collect();
    holes.sort_unstable();
    // The first address of the overlap not yet known to be excepted; None once past `hi`.
    let mut next = Some(lo);
    for (a, b) in holes {
        let Some(n) = next else { break };
        if a > n {
            return true;
        }
        if b >= n {
            next = b.checked_add(1).filter(|&x| x <= hi);
        }
    }
    next.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Cidr {
        parse_cidr(s).unwrap()
    }

    fn allows(cidr: &str, except: &[&str], target: &str) -> bool {
        let except: Vec<Cidr> = except.iter().map(|e| c(e)).collect();
        block_allows(c(cidr), &except, c(target))
    }

    #[test]
    fn parses_and_prints_cidrs() {
        assert_eq!(c("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(c("::/0").to_string(), "::/0");
        assert_eq!(c("fd00:ec2:0::254/128").to_string(), "fd00:ec2::254/128");
        assert!(c("0.0.0.0/0").is_canonical());
        assert!(parse_cidr("10.10.0.0/0#example").is_err());
        assert!(
            parse_cidr("169.254.169.254")
                .unwrap_err()
                .contains("169.254.169.254/32")
        );
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("::/129").is_err());
        assert!(parse_cidr("010.0.0.0/8").is_err());
        assert!(parse_cidr("10.0.0.0/").is_err());
        assert!(parse_cidr("10.0.0.0/-1").is_err());
        assert!(parse_cidr(" 10.0.0.0/8").is_err());
        assert!(parse_cidr("").is_err());
    }

    #[test]
    fn canonical_form_clears_host_bits() {
        let x = c("10.10.0.0/0");
        assert!(!x.is_canonical());
        assert_eq!(x.canonical().to_string(), "0.0.0.0/0");
        assert_eq!(
            c("192.168.1.1/24").canonical().to_string(),
            "192.168.1.0/24"
        );
        assert!(c("192.168.1.1/32").is_canonical());
        assert_eq!(c("2001:db8::1/32").canonical().to_string(), "2001:db8::/32");
        assert!(!c("::1/0").is_canonical());
    }

    #[test]
    fn containment() {
        assert!(c("0.0.0.0/0").contains(c("169.254.169.254/32")));
        assert!(c("169.254.0.0/16").contains(c("169.254.169.254/32")));
        assert!(!c("10.0.0.0/8").contains(c("169.254.169.254/32")));
        assert!(!c("::/0").contains(c("169.254.169.254/32")));
        assert!(!c("169.254.169.254/32").contains(c("169.254.0.0/16")));
        assert!(c("::/0").contains(c("fd00:ec2::254/128")));
    }

    #[test]
    fn block_minus_except() {
        let imds = "169.254.169.254/32";
        assert!(allows("0.0.0.0/0", &[], imds));
        assert!(!allows("0.0.0.0/0", &[imds], imds));
        assert!(!allows("0.0.0.0/0", &["169.254.0.0/16"], imds));
        assert!(allows("0.0.0.0/0", &["169.254.169.0/32"], imds));
        assert!(allows("169.254.0.0/16", &["10.0.0.0/8"], imds));
        assert!(!allows("10.0.0.0/8", &[], imds));
        assert!(allows(imds, &[], imds));
        // IPv6 never opens the IPv4 endpoint, and an IPv6 except does not close it.
        assert!(!allows("::/0", &[], imds));
        assert!(allows("0.0.0.0/0", &["::/0"], imds));
        assert!(allows("::/0", &[], "fd00:ec2::254/128"));
        assert!(!allows("::/0", &["fd00:ec2::254/128"], "fd00:ec2::254/128"));
        assert!(!allows("::/0", &["fd00::/8"], "fd00:ec2::254/128"));
        // Host bits set: the block the prefix denotes.
        assert!(allows("10.10.0.0/0", &[], imds));
    }

    #[test]
    fn block_minus_except_over_ranges() {
        // A /24 target covered by two /25 excepts is closed; one /25 leaves it open.
        assert!(!allows(
            "10.0.0.0/8",
            &["10.1.2.0/25", "10.1.2.128/25"],
            "10.1.2.0/24"
        ));
        assert!(allows("10.0.0.0/8", &["10.1.2.128/25"], "10.1.2.0/24"));
        assert!(allows("10.0.0.0/8", &["10.1.2.0/25"], "10.1.2.0/24"));
        // Overlapping and nested excepts, in any order.
        assert!(!allows(
            "10.1.2.0/24",
            &[
                "10.1.2.128/25",
                "10.1.2.0/26",
                "10.1.2.0/25",
                "10.1.2.64/26"
            ],
            "10.1.2.0/24"
        ));
        // The edges of the whole space do not overflow.
        assert!(!allows("::/0", &["::/1", "8000::/1"], "::/0"));
        assert!(allows("::/0", &["::/1"], "::/0"));
        assert!(allows("::/0", &["8000::/1"], "::/0"));
        assert!(!allows(
            "0.0.0.0/0",
            &["0.0.0.0/1", "128.0.0.0/1"],
            "0.0.0.0/0"
        ));
        assert!(allows(
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120",
            &["ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/121"],
            "::/0"
        ));
    }
}
