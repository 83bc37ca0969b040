//! The host name check of mosquitto 2.0.11 (libmosquitto's own check, run by its OpenSSL verify callback
//! on the broker's certificate), as observed against mosquitto_pub 2.0.11 with certificates made by
//! `openssl` (tests/tls_matrix.rs):
//!
//! 1. Every subjectAltName entry is tried: a DNS name matches the host with the wildcard rule below; an IP
//!    address matches when the host is an IP address with the same bytes.
//! 2. If the certificate has any subjectAltName **DNS** name, nothing else is tried (IP-only
//!    subjectAltNames do not stop the fallback).
//! 3. Otherwise the first Common Name of the subject is compared with the same rule, as text: so an IP
//!    address in the Common Name matches that address written the same way (OpenSSL's own
//!    `X509_check_ip`, which mosquitto 2.1 uses, never looks at the Common Name).
//!
//! The wildcard rule: a name `*.rest` matches a host whose part after its first dot is `rest`; `*x.rest`
//! or `x*.rest` (partial wildcards) match nothing; a host without a dot is compared whole with `rest`.
//! Comparisons ignore ASCII case. So `*.example.com` matches `a.example.com` but neither
//! `a.b.example.com` nor `example.com`.
//!
//! `--insecure` skips this check (and only this one).

use std::net::IpAddr;

use super::cert::CertInfo;

/// The names a certificate is checked against, and where they come from (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PresentedNames {
    pub(crate) names: Vec<String>,
    /// The names are the Common Name (the certificate has no subjectAltName DNS name).
    pub(crate) from_common_name: bool,
}

/// mosquitto's comparison of one certificate name with the host (see the module docs).
pub(crate) fn name_matches(cert_name: &[u8], host: &str) -> bool {
    let host = host.as_bytes();
    match cert_name {
        [b'*', b'.', rest @ ..] => {
            // the host from its first dot on (a dot in the last position does not count)
            let host_rest = host[..host.len().saturating_sub(1)]
                .iter()
                .position(|&b| b == b'.')
                .map_or(host, |dot| &host[dot + 1..]);
            rest.eq_ignore_ascii_case(host_rest)
        }
        [b'*', ..] => false,
        _ => cert_name.eq_ignore_ascii_case(host),
    }
}

/// Whether the certificate is valid for `host` by mosquitto 2.0.11's rule.
pub(crate) fn matches_host(cert: &CertInfo, host: &str) -> bool {
    let host_ip: Option<IpAddr> = host.parse().ok();
    if cert
        .san_dns
        .iter()
        .any(|dns| name_matches(dns.as_bytes(), host))
    {
        return true;
    }
    if let Some(ip) = host_ip
        && cert.san_ip.contains(&ip)
    {
        return true;
    }
    if cert.has_san_dns() {
        return false;
    }
    cert.common_name.as_ref().is_some_and(|cn| {
        // mosquitto copies the Common Name into a 256-byte buffer
        name_matches(&cn[..cn.len().min(255)], host)
    })
}

/// The names a certificate offers for the check, for the mismatch message.
pub(crate) fn presented_names(cert: &CertInfo) -> PresentedNames {
    let mut names: Vec<String> = cert.san_dns.clone();
    names.extend(cert.san_ip.iter().map(IpAddr::to_string));
    if cert.has_san_dns() {
        return PresentedNames {
            names,
            from_common_name: false,
        };
    }
    let common_name = cert.common_name_text();
    PresentedNames {
        from_common_name: common_name.is_some(),
        names: common_name.into_iter().chain(names).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wildcard and case rules, as mosquitto_pub 2.0.11 applied them to `openssl`-made certificates.
    #[test]
    fn wildcard_and_case_rules_follow_mosquitto() {
        let cases: &[(&str, &str, bool)] = &[
            ("localhost", "localhost", true),
            ("localhost", "LOCALHOST", true),
            ("localhost", "localhost.", false),
            ("*.example.test", "a.example.test", true),
            ("*.example.test", "A.EXAMPLE.test", true),
            ("*.example.test", "a.b.example.test", false),
            ("*.example.test", "example.test", false),
            ("*.example.test", ".example.test", true),
            ("b*.example.test", "bar.example.test", false),
            ("*a.example.test", "ba.example.test", false),
            ("*.test", "a.test", true),
            ("*.localhost", "localhost", true),
            ("127.0.0.1", "127.0.0.1", true),
            ("127.0.0.1", "127.0.0.2", false),
            ("", "localhost", false),
        ];
        for &(cert, host, expected) in cases {
            assert_eq!(
                name_matches(cert.as_bytes(), host),
                expected,
                "{cert} vs {host}"
            );
        }
    }

    fn cert(cn: Option<&str>, dns: &[&str], ips: &[&str]) -> CertInfo {
        let summary = super::super::cert::CertSummary {
            subject: String::new(),
            issuer: String::new(),
            not_before: 0,
            not_after: 0,
        };
        CertInfo {
            version: 3,
            summary,
            subject_der: Vec::new(),
            issuer_der: Vec::new(),
            common_name: cn.map(|cn| cn.as_bytes().to_vec()),
            san_dns: dns.iter().map(|d| d.to_string()).collect(),
            san_ip: ips.iter().map(|ip| ip.parse().expect("ip")).collect(),
            basic_constraints: None,
            key_usage: None,
            eku_server_auth: None,
            has_name_constraints: false,
            unhandled_critical: None,
            spki: Vec::new(),
            tbs: Vec::new(),
            signature_algorithm: Vec::new(),
            signature: Vec::new(),
        }
    }

    /// Which names count: subjectAltName DNS names shut the Common Name out, IP entries do not.
    #[test]
    fn san_dns_names_shut_out_the_common_name_ip_entries_do_not() {
        let cases: &[(CertInfo, &str, bool)] = &[
            (cert(Some("localhost"), &[], &[]), "localhost", true),
            (cert(Some("127.0.0.1"), &[], &[]), "127.0.0.1", true),
            (
                cert(Some("localhost"), &["other.example"], &[]),
                "localhost",
                false,
            ),
            (
                cert(Some("x"), &["other.example"], &[]),
                "other.example",
                true,
            ),
            (
                cert(Some("localhost"), &[], &["127.0.0.1"]),
                "localhost",
                true,
            ),
            (
                cert(Some("localhost"), &[], &["127.0.0.1"]),
                "127.0.0.1",
                true,
            ),
            (cert(Some("other"), &[], &["10.9.9.9"]), "127.0.0.1", false),
            (
                cert(Some("127.0.0.1"), &[], &["10.9.9.9"]),
                "127.0.0.1",
                true,
            ),
            (
                cert(Some("127.0.0.1"), &["other.example"], &[]),
                "127.0.0.1",
                false,
            ),
            (cert(Some("x"), &["127.0.0.1"], &[]), "127.0.0.1", true),
            (cert(None, &[], &["::1"]), "::1", true),
            (cert(None, &[], &[]), "localhost", false),
        ];
        for (cert, host, expected) in cases {
            assert_eq!(matches_host(cert, host), *expected, "{cert:?} vs {host}");
        }
    }

    #[test]
    fn presented_names_say_where_they_come_from() {
        assert_eq!(
            presented_names(&cert(Some("broker"), &[], &["10.0.0.1"])),
            PresentedNames {
                names: vec!["broker".to_string(), "10.0.0.1".to_string()],
                from_common_name: true
            }
        );
        assert_eq!(
            presented_names(&cert(Some("broker"), &["a.example"], &[])),
            PresentedNames {
                names: vec!["a.example".to_string()],
                from_common_name: false
            }
        );
    }
}
