//! What an IP address is, without a database: its version and its class, and so whether it is
//! inside the customer's network (OCSF `network_scope_id`).

use super::target::{enrichment, push_enrichment};
use crate::json::{Map, Value};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The class of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpClass {
    Loopback,
    Private,
    LinkLocal,
    /// 100.64.0.0/10, carrier-grade NAT.
    Shared,
    /// 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32.
    Documentation,
    Multicast,
    Unspecified,
    Public,
}

impl IpClass {
    pub fn name(self) -> &'static str {
        match self {
            IpClass::Loopback => "loopback",
            IpClass::Private => "private",
            IpClass::LinkLocal => "link_local",
            IpClass::Shared => "shared",
            IpClass::Documentation => "documentation",
            IpClass::Multicast => "multicast",
            IpClass::Unspecified => "unspecified",
            IpClass::Public => "public",
        }
    }

    /// OCSF `network_scope_id`: 1 Internal, 2 External, 0 Unknown.
    pub fn scope(self) -> (i64, &'static str) {
        match self {
            IpClass::Loopback | IpClass::Private | IpClass::LinkLocal | IpClass::Shared => (1, "Internal"),
            IpClass::Public => (2, "External"),
            IpClass::Documentation | IpClass::Multicast | IpClass::Unspecified => (0, "Unknown"),
        }
    }
}

pub fn classify(ip: IpAddr) -> IpClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> IpClass {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() {
        IpClass::Unspecified
    } else if ip.is_loopback() {
        IpClass::Loopback
    } else if ip.is_private() {
        IpClass::Private
    } else if ip.is_link_local() {
        IpClass::LinkLocal
    } else if a == 100 && (64..128).contains(&b) {
        IpClass::Shared
    } else if (a, b, c) == (192, 0, 2) || (a, b, c) == (198, 51, 100) || (a, b, c) == (203, 0, 113) {
        IpClass::Documentation
    } else if ip.is_multicast() {
        IpClass::Multicast
    } else {
        IpClass::Public
    }
}

fn classify_v6(ip: Ipv6Addr) -> IpClass {
    let s = ip.segments();
    if ip.is_unspecified() {
        IpClass::Unspecified
    } else if ip.is_loopback() {
        IpClass::Loopback
    } else if s[0] & 0xfe00 == 0xfc00 {
        IpClass::Private
    } else if s[0] & 0xffc0 == 0xfe80 {
        IpClass::LinkLocal
    } else if s[0] == 0x2001 && s[1] == 0x0db8 {
        IpClass::Documentation
    } else if ip.is_multicast() {
        IpClass::Multicast
    } else {
        IpClass::Public
    }
}

/// Adds the network scope to `src_endpoint` and `dst_endpoint` when they carry an `ip`, and an
/// `ip_facts` enrichment with the version and class. `captions`: write `network_scope`, the
/// caption of `network_scope_id` (`output.captions`).
pub fn enrich_ips(event: &mut Map<'_>, captions: bool) {
    let mut facts = Vec::new();
    for side in ["src_endpoint", "dst_endpoint"] {
        let Some(Value::Object(ep)) = event.get_mut(side) else {
            continue;
        };
        let Some(ip) = ep
            .get("ip")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<IpAddr>().ok())
        else {
            continue;
        };
        let class = classify(ip);
        let (scope_id, scope) = class.scope();
        ep.insert("network_scope_id", Value::int(scope_id));
        if captions {
            ep.insert("network_scope", Value::str(scope));
        }
        facts.push((ip, class));
    }
    for (ip, class) in facts {
        let mut data = Map::with_capacity(2);
        data.insert("version", Value::int(if ip.is_ipv4() { 4 } else { 6 }));
        data.insert("class", Value::str(class.name()));
        push_enrichment(event, enrichment("ip_facts", &ip.to_string(), "IP Address", data));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> IpClass {
        classify(s.parse().unwrap())
    }

    #[test]
    fn classes() {
        assert_eq!(c("208.127.82.164"), IpClass::Public);
        assert_eq!(c("10.1.2.3"), IpClass::Private);
        assert_eq!(c("172.16.0.1"), IpClass::Private);
        assert_eq!(c("192.168.1.1"), IpClass::Private);
        assert_eq!(c("127.0.0.1"), IpClass::Loopback);
        assert_eq!(c("169.254.1.1"), IpClass::LinkLocal);
        assert_eq!(c("100.64.0.1"), IpClass::Shared);
        assert_eq!(c("203.0.113.9"), IpClass::Documentation);
        assert_eq!(c("::1"), IpClass::Loopback);
        assert_eq!(c("fd00::1"), IpClass::Private);
        assert_eq!(c("fe80::1"), IpClass::LinkLocal);
        assert_eq!(c("2001:db8::5"), IpClass::Documentation);
        assert_eq!(c("2606:4700::1111"), IpClass::Public);
        assert_eq!(c("::ffff:10.0.0.1"), IpClass::Private);
        assert_eq!(c("0.0.0.0"), IpClass::Unspecified);
        assert_eq!(c("224.0.0.1"), IpClass::Multicast);
    }
}
