//! Parsers for the strings inside records: URLs and the Python-literal LDAP requests.

pub mod pylit;
pub mod url;
