//! `mwsiem security-lake sources`: what to register in Security Lake for the configured classes.

use super::config::{LAKE_CLASSES, LakeConfig};
use super::schema::LAKE_OCSF_VERSION;
use std::fmt::Write as _;

/// Values the user knows and mwsiem does not; placeholders when not given.
pub struct Registration<'a> {
    pub glue_role_arn: Option<&'a str>,
    pub external_id: Option<&'a str>,
    pub principal: Option<&'a str>,
}

/// The walk-through: one `aws securitylake create-custom-log-source` command per named class.
pub fn registration(config: &LakeConfig, r: &Registration<'_>) -> String {
    let region = &config.region;
    let role = r.glue_role_arn.unwrap_or("<glue-crawler-role-arn>");
    let external_id = r.external_id.unwrap_or("<external-id-you-choose>");
    let principal = r.principal.map(str::to_owned).unwrap_or_else(|| {
        if config.account_id.bytes().all(|b| b.is_ascii_digit()) {
            config.account_id.clone()
        } else {
            "<aws-account-id-that-runs-mwsiem>".to_owned()
        }
    });
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Amazon Security Lake custom sources for mwsiem (region {region}, accountId={})",
        config.account_id
    );
    let _ = writeln!(
        out,
        "# Objects are OCSF {LAKE_OCSF_VERSION} Parquet (custom sources take OCSF 1.3 and earlier), one class per source."
    );
    let _ = writeln!(out, "#");
    let _ = writeln!(
        out,
        "# 1. Once: an IAM role for the Glue crawler Security Lake runs on each source:"
    );
    let _ = writeln!(
        out,
        "#    trusted by glue.amazonaws.com, with the managed policy AWSGlueServiceRole and"
    );
    let _ = writeln!(
        out,
        "#    s3:GetObject and s3:PutObject on the lake's bucket. Its ARN replaces {role}."
    );
    let _ = writeln!(
        out,
        "# 2. One custom source per class (names are at most 20 characters):"
    );
    let mut unnamed = Vec::new();
    for (class, source) in LAKE_CLASSES.iter().zip(&config.sources) {
        let Some(source) = source else {
            unnamed.push(class.class.name);
            continue;
        };
        let _ = writeln!(out);
        let _ = writeln!(out, "# {} (class_uid {})", class.class.name, class.class.uid);
        if class.event_class.is_none() {
            let _ = writeln!(
                out,
                "# (Security Lake's API lists no --event-classes value for this class: it is left out.)"
            );
        }
        let _ = writeln!(out, "aws securitylake create-custom-log-source --region {region} \\");
        let _ = write!(out, "  --source-name {source}");
        if let Some(ec) = class.event_class {
            let _ = write!(out, " --event-classes {ec}");
        }
        let _ = writeln!(out, " \\");
        let _ = writeln!(
            out,
            "  --configuration 'crawlerConfiguration={{roleArn={role}}},providerIdentity={{externalId={external_id},principal={principal}}}'"
        );
    }
    if !unnamed.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "# Not written to the lake (no name in [security_lake.sources]): {}",
            unnamed.join(", ")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "# 3. Each answer names provider.roleArn (the role that may write the source's prefix,"
    );
    let _ = writeln!(
        out,
        "#    assumed with the external ID) and provider.location, s3://<lake bucket>/ext/<source>/."
    );
    let _ = writeln!(out, "#    Run mwsiem with that role's credentials and the bucket:");
    let _ = writeln!(
        out,
        "#    mwsiem follow --config mwsiem.toml --state /var/lib/mwsiem/state --security-lake s3://<lake bucket> MIRROR"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_command_per_named_class() {
        let table = mwsiem::Config::from_toml(
            "[security_lake]\nregion = \"eu-west-1\"\naccount_id = \"123456789012\"\n\
             [security_lake.sources]\napi_activity = \"mw-api\"\nuser_access = \"mw-access\"\n",
        )
        .unwrap()
        .security_lake;
        let config = LakeConfig::from_table(table.as_ref()).unwrap();
        let text = registration(
            &config,
            &Registration {
                glue_role_arn: Some("arn:aws:iam::123456789012:role/glue"),
                external_id: None,
                principal: None,
            },
        );
        assert_eq!(text.matches("create-custom-log-source").count(), 2, "{text}");
        assert!(text.contains(
            "--source-name mw-api --event-classes API_ACTIVITY \\\n  --configuration \
             'crawlerConfiguration={roleArn=arn:aws:iam::123456789012:role/glue},\
             providerIdentity={externalId=<external-id-you-choose>,principal=123456789012}'"
        ));
        assert!(text.contains("--source-name mw-access \\\n"), "{text}");
        assert!(text.contains("Not written to the lake (no name in [security_lake.sources]): Authentication, Entity Management, Datastore Activity"), "{text}");
    }
}
