//! Parsers for the strings inside records: URLs, the Python-literal LDAP requests and their
//! RFC 4515 filters.

pub mod ldap_filter;
pub mod pylit;
pub mod url;
