//! Which customer system an EXTERNAL_API call went to, and which Moveworks skill it most likely
//! served (the eight skills of the vendor's API audit log documentation).
//!
//! The system comes from the request host (a table of vendors' domains) and names the API's
//! service (`api.service.name`, `dst_endpoint.svc_name`); the skill comes from the system and
//! the request path. The skill is a heuristic, and says so: it is an OCSF enrichment
//! with the rule that matched, and "System" (the vendor's own fallback) when none did.

use crate::json::{Map, Value};

/// A vendor's system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetSystem {
    pub vendor: &'static str,
    pub product: &'static str,
}

const fn t(vendor: &'static str, product: &'static str) -> TargetSystem {
    TargetSystem { vendor, product }
}

/// Host suffix -> system. The first match wins, so specific hosts come before their domains.
pub const TARGETS: [(&str, TargetSystem); 34] = [
    ("service-now.com", t("ServiceNow", "ServiceNow")),
    ("servicenowservices.com", t("ServiceNow", "ServiceNow")),
    ("slack.com", t("Salesforce", "Slack")),
    ("my.salesforce.com", t("Salesforce", "Salesforce")),
    ("salesforce.com", t("Salesforce", "Salesforce")),
    ("force.com", t("Salesforce", "Salesforce")),
    ("atlassian.net", t("Atlassian", "Jira")),
    ("atlassian.com", t("Atlassian", "Atlassian Cloud")),
    ("graph.microsoft.com", t("Microsoft", "Microsoft Graph")),
    ("teams.microsoft.com", t("Microsoft", "Microsoft Teams")),
    ("botframework.com", t("Microsoft", "Microsoft Teams")),
    ("smba.trafficmanager.net", t("Microsoft", "Microsoft Teams")),
    ("login.microsoftonline.com", t("Microsoft", "Microsoft Entra ID")),
    ("sharepoint.com", t("Microsoft", "SharePoint")),
    ("outlook.office365.com", t("Microsoft", "Exchange Online")),
    ("okta.com", t("Okta", "Okta")),
    ("oktapreview.com", t("Okta", "Okta")),
    ("okta-emea.com", t("Okta", "Okta")),
    ("myworkday.com", t("Workday", "Workday")),
    ("workday.com", t("Workday", "Workday")),
    ("zendesk.com", t("Zendesk", "Zendesk")),
    ("github.com", t("GitHub", "GitHub")),
    ("githubusercontent.com", t("GitHub", "GitHub")),
    ("googleapis.com", t("Google", "Google Workspace")),
    ("google.com", t("Google", "Google Workspace")),
    ("box.com", t("Box", "Box")),
    ("pagerduty.com", t("PagerDuty", "PagerDuty")),
    ("freshservice.com", t("Freshworks", "Freshservice")),
    ("jamfcloud.com", t("Jamf", "Jamf Pro")),
    ("ivanticloud.com", t("Ivanti", "Ivanti Neurons")),
    ("onbmc.com", t("BMC", "BMC Helix")),
    ("successfactors.com", t("SAP", "SAP SuccessFactors")),
    ("sapsf.com", t("SAP", "SAP SuccessFactors")),
    ("coupahost.com", t("Coupa", "Coupa")),
];

/// The system behind `host`, by domain suffix (case-insensitive, port ignored).
pub fn target_of_host(host: &str) -> Option<TargetSystem> {
    let host = host
        .rsplit_once(':')
        .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
        .map_or(host, |(h, _)| h);
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    TARGETS.iter().find_map(|(suffix, system)| {
        let matches = host == *suffix || host.strip_suffix(suffix).is_some_and(|rest| rest.ends_with('.'));
        matches.then_some(*system)
    })
}

/// The eight skills of the API audit logs.
pub const SKILLS: [&str; 8] = [
    "Ticketing",
    "Live Agent",
    "Approvals",
    "Group Operations",
    "Account Operations",
    "Software Operations",
    "System",
    "Enterprise Search & Forms",
];

/// (product, path fragment, skill, rule name), first match wins; paths compared lower-case.
pub const SKILL_RULES: [(&str, &str, &str); 27] = [
    ("ServiceNow", "sysapproval", "Approvals"),
    ("ServiceNow", "approval", "Approvals"),
    ("ServiceNow", "sys_user_grmember", "Group Operations"),
    ("ServiceNow", "sys_user_group", "Group Operations"),
    ("ServiceNow", "sn_va_as_service", "Live Agent"),
    ("ServiceNow", "/connect/", "Live Agent"),
    ("ServiceNow", "awa_", "Live Agent"),
    ("ServiceNow", "sc_cat_item", "Software Operations"),
    ("ServiceNow", "sc_req_item", "Software Operations"),
    ("ServiceNow", "password", "Account Operations"),
    ("ServiceNow", "/table/", "Ticketing"),
    ("Jira", "/rest/servicedeskapi/request", "Ticketing"),
    ("Jira", "approval", "Approvals"),
    ("Jira", "/issue", "Ticketing"),
    ("Zendesk", "/tickets", "Ticketing"),
    ("Freshservice", "/tickets", "Ticketing"),
    ("Salesforce", "case", "Ticketing"),
    ("Okta", "/lifecycle/", "Account Operations"),
    ("Okta", "/credentials/", "Account Operations"),
    ("Okta", "/groups/", "Group Operations"),
    ("Okta", "/apps/", "Software Operations"),
    ("Microsoft Graph", "/members", "Group Operations"),
    ("Microsoft Graph", "password", "Account Operations"),
    ("Microsoft Graph", "/approvals", "Approvals"),
    ("Google Workspace", "/members", "Group Operations"),
    ("Google Workspace", "/users", "Account Operations"),
    ("GitHub", "/members", "Group Operations"),
];

/// The skill a call to `system` at `path` most likely served, with the rule that decided it;
/// no rule for `System`, the vendor's own fallback.
pub fn skill_of(system: Option<TargetSystem>, path: &str) -> (&'static str, Option<String>) {
    let Some(system) = system else {
        return ("System", None);
    };
    let path = path.to_ascii_lowercase();
    for (product, fragment, skill) in SKILL_RULES {
        if product == system.product && path.contains(fragment) {
            return (skill, Some(format!("{product} path contains {fragment:?}")));
        }
    }
    ("System", None)
}

/// Adds the target system (`api.service`, `dst_endpoint.svc_name`, an enrichment) and the likely
/// skill (an enrichment) to an API Activity event with a destination host.
pub fn enrich_target(event: &mut Map<'_>) {
    // Decide while borrowing the event, then write: no copies of host and path.
    let Some(Value::String(host)) = event
        .get("dst_endpoint")
        .and_then(Value::as_object)
        .and_then(|d| d.get("hostname"))
    else {
        return;
    };
    let path = event
        .get("http_request")
        .and_then(Value::as_object)
        .and_then(|r| r.get("url"))
        .and_then(Value::as_object)
        .and_then(|u| u.get("path"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let system = target_of_host(host);
    let (skill, rule) = skill_of(system, path);
    if let Some(sys) = system {
        if let Some(Value::Object(api)) = event.get_mut("api") {
            let mut service = Map::with_capacity(1);
            service.insert("name", Value::str(sys.product));
            api.insert("service", Value::Object(service));
        }
        if let Some(Value::Object(dst)) = event.get_mut("dst_endpoint") {
            dst.insert("svc_name", Value::str(sys.product));
        }
        // No `target_system` enrichment: its value would repeat `api.service.name` and
        // `dst_endpoint.svc_name`, and bytes are better spent on captions (README, "Event size").
    }
    let mut data = Map::with_capacity(1);
    data.insert_opt("rule", rule.map(Value::str));
    push_enrichment(event, enrichment("moveworks_skill", skill, "Heuristic", data));
}

/// An OCSF `enrichment` object by mwsiem.
pub(crate) fn enrichment<'a>(name: &'static str, value: &str, kind: &'static str, data: Map<'a>) -> Value<'a> {
    let mut e = Map::with_capacity(5);
    e.insert("name", Value::str(name));
    e.insert("value", Value::str(value.to_owned()));
    e.insert("type", Value::str(kind));
    e.insert("provider", Value::str("mwsiem"));
    e.insert("data", Value::Object(data));
    Value::Object(e)
}

/// Appends to the event's `enrichments`, creating it before `metadata` when absent.
pub(crate) fn push_enrichment<'a>(event: &mut Map<'a>, e: Value<'a>) {
    if let Some(Value::Array(list)) = event.get_mut("enrichments") {
        list.push(e);
        return;
    }
    event.insert("enrichments", Value::Array(vec![e]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_to_systems() {
        assert_eq!(target_of_host("acme.service-now.com").unwrap().product, "ServiceNow");
        assert_eq!(target_of_host("SLACK.COM").unwrap().product, "Slack");
        assert_eq!(
            target_of_host("graph.microsoft.com:443").unwrap().product,
            "Microsoft Graph"
        );
        assert_eq!(target_of_host("acme.my.salesforce.com").unwrap().product, "Salesforce");
        assert_eq!(target_of_host("api.github.com").unwrap().vendor, "GitHub");
        assert_eq!(target_of_host("evilservice-now.com"), None);
        assert_eq!(target_of_host("example.com"), None);
    }

    #[test]
    fn skills_from_paths() {
        let sn = target_of_host("acme.service-now.com");
        assert_eq!(skill_of(sn, "/api/now/table/incident").0, "Ticketing");
        assert_eq!(skill_of(sn, "/api/now/table/sysapproval_approver").0, "Approvals");
        assert_eq!(skill_of(sn, "/api/now/table/sys_user_grmember").0, "Group Operations");
        let okta = target_of_host("acme.okta.com");
        assert_eq!(
            skill_of(okta, "/api/v1/users/00u1/lifecycle/unlock").0,
            "Account Operations"
        );
        assert_eq!(skill_of(None, "/x").0, "System");
        assert!(SKILL_RULES.iter().all(|(_, _, s)| SKILLS.contains(s)));
    }
}
