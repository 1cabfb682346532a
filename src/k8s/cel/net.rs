//! IP addresses, CIDRs and URLs as the Kubernetes CEL libraries read them: `ip()` and
//! `cidr()` take canonical-enough text (no zones, no IPv4-mapped IPv6, no leading zeros);
//! `url()` takes an absolute URI or an absolute path, as a request line would carry it.

use std::net::IpAddr;

pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let ip: IpAddr = text.parse().ok()?;
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => None,
        _ => Some(ip),
    }
}

pub fn family(ip: &IpAddr) -> i64 {
    if ip.is_ipv4() { 4 } else { 6 }
}

pub fn is_link_local_unicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.octets()[..2] == [169, 254],
        IpAddr::V6(a) => a.segments()[0] & 0xffc0 == 0xfe80,
    }
}

pub fn is_link_local_multicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => a.octets()[..3] == [224, 0, 0],
        IpAddr::V6(a) => a.octets()[0] == 0xff && a.octets()[1] & 0x0f == 0x02,
    }
}

pub fn is_global_unicast(ip: &IpAddr) -> bool {
    let broadcast = matches!(ip, IpAddr::V4(a) if a.is_broadcast());
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || is_link_local_unicast(ip)
        || broadcast)
}

/// An address and a prefix length, as written (`10.0.0.1/8` keeps its host bits; `masked`
/// drops them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, len) = text.split_once('/')?;
        let addr = parse_ip(addr)?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if len.is_empty() || len.len() > 3 || (len.len() > 1 && len.starts_with('0')) {
            return None;
        }
        let prefix: u8 = len.parse().ok()?;
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    fn bits(ip: &IpAddr) -> (u128, u32) {
        match ip {
            IpAddr::V4(a) => (u128::from(u32::from(*a)), 32),
            IpAddr::V6(a) => (u128::from(*a), 128),
        }
    }

    fn mask(&self) -> u128 {
        let (_, width) = Cidr::bits(&self.addr);
        let host = width - u32::from(self.prefix);
        let all = if width == 32 {
            u128::from(u32::MAX)
        } else {
            u128::MAX
        };
        if host >= 128 {
            0
        } else {
            all & !((1u128 << host) - 1) & all
        }
    }

    pub fn contains_ip(&self, ip: &IpAddr) -> bool {
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        let m = self.mask();
        Cidr::bits(ip).0 & m == Cidr::bits(&self.addr).0 & m
    }

    pub fn contains_cidr(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && self.contains_ip(&other.addr)
    }

    pub fn masked(&self) -> Cidr {
        let bits = Cidr::bits(&self.addr).0 & self.mask();
        let addr = match self.addr {
            IpAddr::V4(_) => IpAddr::V4((bits as u32).into()),
            IpAddr::V6(_) => IpAddr::V6(bits.into()),
        };
        Cidr {
            addr,
            prefix: self.prefix,
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A URL split into the parts the `url` library returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub text: String,
    pub scheme: String,
    /// Host and port as written (`[::1]:80`); empty for a path or an opaque URL.
    pub host: String,
    pub path: String,
    pub query: String,
}

impl Url {
    /// Reads an absolute URI or an absolute path, as Go's `url.ParseRequestURI` does (so a
    /// `#` is part of the path or query, not a fragment).
    pub fn parse(text: &str) -> Option<Url> {
        if text.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return None;
        }
        let (rest, query) = text.split_once('?').unwrap_or((text, ""));
        let mut url = Url {
            text: text.to_string(),
            scheme: String::new(),
            host: String::new(),
            path: String::new(),
            query: query.to_string(),
        };
        if rest.starts_with('/') {
            url.path = rest.to_string();
            return Some(url);
        }
        let (scheme, rest) = rest.split_once(':')?;
        let mut chars = scheme.chars();
        let valid_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !valid_scheme {
            return None;
        }
        url.scheme = scheme.to_ascii_lowercase();
        let Some(after) = rest.strip_prefix("//") else {
            // An opaque URL (`mailto:someone`): no host, no path.
            return Some(url);
        };
        let (authority, path) = after.find('/').map_or((after, ""), |i| after.split_at(i));
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        url.host = host.to_string();
        url.path = path.to_string();
        let port = url.port();
        if !port.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if host.starts_with('[') && parse_ip(url.hostname().as_str()).is_none() {
            return None;
        }
        Some(url)
    }

    /// The host without port or IPv6 brackets.
    pub fn hostname(&self) -> String {
        let h = &self.host;
        if let Some(inner) = h.strip_prefix('[') {
            return inner.split(']').next().unwrap_or("").to_string();
        }
        h.split(':').next().unwrap_or("").to_string()
    }

    pub fn port(&self) -> String {
        let h = &self.host;
        let after_brackets = h.rfind(']').map_or(h.as_str(), |i| &h[i + 1..]);
        after_brackets
            .rsplit_once(':')
            .map_or(String::new(), |(_, p)| p.to_string())
    }

    /// The path with what a path may not hold percent-escaped.
    pub fn escaped_path(&self) -> String {
        let mut out = String::with_capacity(self.path.len());
        for b in self.path.bytes() {
            let keep = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b);
            if keep {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    /// The query as key → values, decoded; pairs Go's `Query()` would drop (with a `;` or a
    /// bad escape) are dropped.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for pair in self.query.split('&') {
            if pair.is_empty() || pair.contains(';') {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if let (Some(k), Some(v)) = (unescape(k), unescape(v)) {
                out.push((k, v));
            }
        }
        out
    }
}

fn unescape(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}
