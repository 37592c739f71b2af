//! Classifies destination IP addresses for the SSRF guard: which ones a worker may not reach.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// Why an address is not reachable from workers under the default (strict) outbound policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlockReason {
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918 (`10/8`, `172.16/12`, `192.168/16`), unique-local `fc00::/7`, site-local `fec0::/10`
    /// and the local-use NAT64 prefix `64:ff9b:1::/48`.
    Private,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// `0.0.0.0`, `::`.
    Unspecified,
    /// Shared address space (carrier-grade NAT), `100.64.0.0/10`.
    SharedAddressSpace,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// Documentation ranges (`192.0.2/24`, `198.51.100/24`, `203.0.113/24`, `2001:db8::/32`,
    /// `3fff::/20`).
    Documentation,
    /// Benchmarking ranges (`198.18.0.0/15`, `2001:2::/48`).
    Benchmarking,
    /// Anything else that is not globally routable unicast (`0/8`, `240/4`, `192.0.0/24`,
    /// `2001::/23`, IPv6 outside `2000::/3`, ...).
    Reserved,
}

impl BlockReason {
    /// Short adjective used in messages: "loopback", "private", ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::LinkLocal => "link-local",
            Self::Unspecified => "unspecified",
            Self::SharedAddressSpace => "shared (carrier-grade NAT)",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Documentation => "documentation",
            Self::Benchmarking => "benchmarking",
            Self::Reserved => "reserved",
        }
    }
}

impl fmt::Display for BlockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(a: u16, b: u16, c: u16, d: u16, e: u16, f: u16, len: u8) -> Ipv6Net {
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, 0, 0), len)
}

/// IPv4 ranges, most specific first (the first match names the reason).
const V4_RANGES: &[(Ipv4Net, BlockReason)] = &[
    (v4(0, 0, 0, 0, 32), BlockReason::Unspecified),
    (v4(0, 0, 0, 0, 8), BlockReason::Reserved),
    (v4(10, 0, 0, 0, 8), BlockReason::Private),
    (v4(100, 64, 0, 0, 10), BlockReason::SharedAddressSpace),
    (v4(127, 0, 0, 0, 8), BlockReason::Loopback),
    (v4(169, 254, 0, 0, 16), BlockReason::LinkLocal),
    (v4(172, 16, 0, 0, 12), BlockReason::Private),
    (v4(192, 0, 0, 0, 24), BlockReason::Reserved),
    (v4(192, 0, 2, 0, 24), BlockReason::Documentation),
    (v4(192, 88, 99, 0, 24), BlockReason::Reserved),
    (v4(192, 168, 0, 0, 16), BlockReason::Private),
    (v4(198, 18, 0, 0, 15), BlockReason::Benchmarking),
    (v4(198, 51, 100, 0, 24), BlockReason::Documentation),
    (v4(203, 0, 113, 0, 24), BlockReason::Documentation),
    (v4(224, 0, 0, 0, 4), BlockReason::Multicast),
    (v4(255, 255, 255, 255, 32), BlockReason::Broadcast),
    (v4(240, 0, 0, 0, 4), BlockReason::Reserved),
];

/// IPv6 ranges checked after the IPv4-embedding forms, most specific first.
const V6_RANGES: &[(Ipv6Net, BlockReason)] = &[
    (v6(0x64, 0xff9b, 1, 0, 0, 0, 48), BlockReason::Private),
    (v6(0x100, 0, 0, 0, 0, 0, 64), BlockReason::Reserved),
    (v6(0x2001, 2, 0, 0, 0, 0, 48), BlockReason::Benchmarking),
    (
        v6(0x2001, 0xdb8, 0, 0, 0, 0, 32),
        BlockReason::Documentation,
    ),
    (v6(0x2001, 0, 0, 0, 0, 0, 23), BlockReason::Reserved),
    (v6(0x3fff, 0, 0, 0, 0, 0, 20), BlockReason::Documentation),
    (v6(0xfc00, 0, 0, 0, 0, 0, 7), BlockReason::Private),
    (v6(0xfe80, 0, 0, 0, 0, 0, 10), BlockReason::LinkLocal),
    (v6(0xfec0, 0, 0, 0, 0, 0, 10), BlockReason::Private),
    (v6(0xff00, 0, 0, 0, 0, 0, 8), BlockReason::Multicast),
];

/// Global unicast space; every other IPv6 address not matched above is reserved.
const V6_GLOBAL_UNICAST: Ipv6Net = v6(0x2000, 0, 0, 0, 0, 0, 3);

/// Why `ip` may not be reached by a worker under the strict policy, or `None` if it is a public
/// address.
///
/// IPv6 forms that embed an IPv4 address (IPv4-mapped `::ffff:0:0/96`, IPv4-compatible `::/96`,
/// IPv4-translated `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96` and 6to4 `2002::/16`) are judged by
/// the embedded address.
pub fn classify_ip(ip: IpAddr) -> Option<BlockReason> {
    match ip {
        IpAddr::V4(ip) => classify_v4(ip),
        IpAddr::V6(ip) => classify_v6(ip),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<BlockReason> {
    V4_RANGES
        .iter()
        .find(|(net, _)| net.contains(&ip))
        .map(|(_, reason)| *reason)
}

fn classify_v6(ip: Ipv6Addr) -> Option<BlockReason> {
    if ip.is_unspecified() {
        return Some(BlockReason::Unspecified);
    }
    if ip.is_loopback() {
        return Some(BlockReason::Loopback);
    }
    if let Some(embedded) = embedded_v4(ip) {
        return classify_v4(embedded);
    }
    if let Some((_, reason)) = V6_RANGES.iter().find(|(net, _)| net.contains(&ip)) {
        return Some(*reason);
    }
    if !V6_GLOBAL_UNICAST.contains(&ip) {
        return Some(BlockReason::Reserved);
    }
    None
}

/// The IPv4 address carried by an IPv6 address of one of the embedding forms, if any.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let o = ip.octets();
    let low32 = || Ipv4Addr::new(o[12], o[13], o[14], o[15]);
    match s {
        // IPv4-compatible ::a.b.c.d (deprecated) and IPv4-mapped ::ffff:a.b.c.d.
        [0, 0, 0, 0, 0, 0, _, _] | [0, 0, 0, 0, 0, 0xffff, _, _] => Some(low32()),
        // IPv4-translated ::ffff:0:a.b.c.d (SIIT).
        [0, 0, 0, 0, 0xffff, 0, _, _] => Some(low32()),
        // NAT64 well-known prefix 64:ff9b::/96.
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low32()),
        // 6to4 2002:aabb:ccdd::/48.
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_table() {
        use BlockReason::*;
        let cases: &[(&str, Option<BlockReason>)] = &[
            // IPv4
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Reserved)),
            ("10.0.0.1", Some(Private)),
            ("10.255.255.255", Some(Private)),
            ("100.64.0.1", Some(SharedAddressSpace)),
            ("100.127.255.254", Some(SharedAddressSpace)),
            ("100.128.0.1", None),
            ("127.0.0.1", Some(Loopback)),
            ("127.255.0.9", Some(Loopback)),
            ("169.254.169.254", Some(LinkLocal)),
            ("172.15.255.255", None),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.0", None),
            ("192.0.0.8", Some(Reserved)),
            ("192.0.2.1", Some(Documentation)),
            ("192.88.99.1", Some(Reserved)),
            ("192.168.1.1", Some(Private)),
            ("198.18.0.1", Some(Benchmarking)),
            ("198.19.255.255", Some(Benchmarking)),
            ("198.20.0.1", None),
            ("198.51.100.7", Some(Documentation)),
            ("203.0.113.9", Some(Documentation)),
            ("224.0.0.1", Some(Multicast)),
            ("239.255.255.250", Some(Multicast)),
            ("240.0.0.1", Some(Reserved)),
            ("255.255.255.255", Some(Broadcast)),
            ("1.1.1.1", None),
            ("8.8.8.8", None),
            ("93.184.215.14", None),
            // IPv6
            ("::", Some(Unspecified)),
            ("::1", Some(Loopback)),
            ("fe80::1", Some(LinkLocal)),
            ("febf:ffff::1", Some(LinkLocal)),
            ("fec0::1", Some(Private)),
            ("fc00::1", Some(Private)),
            ("fd12:3456:789a::1", Some(Private)),
            ("ff02::1", Some(Multicast)),
            ("2001:db8::1", Some(Documentation)),
            ("3fff::1", Some(Documentation)),
            ("2001:2::1", Some(Benchmarking)),
            ("2001::1", Some(Reserved)),
            ("100::1", Some(Reserved)),
            ("4000::1", Some(Reserved)),
            ("64:ff9b:1::1", Some(Private)),
            ("2606:4700:4700::1111", None),
            ("2001:4860:4860::8888", None),
            // IPv4-mapped
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:7f00:1", Some(Loopback)),
            ("::ffff:10.1.2.3", Some(Private)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("::ffff:0.0.0.0", Some(Unspecified)),
            ("::ffff:8.8.8.8", None),
            // IPv4-compatible (deprecated)
            ("::127.0.0.1", Some(Loopback)),
            ("::192.168.0.1", Some(Private)),
            ("::8.8.8.8", None),
            // IPv4-translated
            ("::ffff:0:127.0.0.1", Some(Loopback)),
            // NAT64 well-known prefix
            ("64:ff9b::127.0.0.1", Some(Loopback)),
            ("64:ff9b::10.0.0.1", Some(Private)),
            ("64:ff9b::a9fe:a9fe", Some(LinkLocal)),
            ("64:ff9b::8.8.8.8", None),
            // 6to4
            ("2002:7f00:1::", Some(Loopback)),
            ("2002:c0a8:101::1", Some(Private)),
            ("2002:808:808::1", None),
        ];
        for (text, expected) in cases {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(classify_ip(ip), *expected, "{text}");
        }
    }

    #[test]
    fn reason_names() {
        assert_eq!(BlockReason::Loopback.to_string(), "loopback");
        assert_eq!(BlockReason::LinkLocal.to_string(), "link-local");
    }
}
