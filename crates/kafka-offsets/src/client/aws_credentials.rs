//! AWS credentials found as AWS's SDKs find them, for MSK IAM logins: a named profile alone when one is given
//! (`awsProfileName`), else the default chain: the environment's keys, a web identity (EKS), the shared profile
//! (`AWS_PROFILE`, else `default`), the container's credentials (ECS, EKS Pod Identity), the instance's (IMDSv2).
//! With a role (`awsRoleArn`, or a profile's `role_arn`), those credentials assume it through STS. Every address
//! can be pointed elsewhere with the SDKs' own variables (`AWS_ENDPOINT_URL_STS`,
//! `AWS_EC2_METADATA_SERVICE_ENDPOINT`, `AWS_CONTAINER_CREDENTIALS_FULL_URI`), which is how the tests reach them on
//! loopback. Errors name where credentials were looked for, never a secret.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::client::http;
use crate::client::sigv4::{presign, AwsCredentials, Presign};
use crate::client::tls::TlsSettings;

/// What the login module asks for (`IAMLoginModule`'s options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsLogin {
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub role_session_name: Option<String>,
    pub sts_region: Option<String>,
}

/// The environment, as a lookup (the tests give their own).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The session name MSK's signers give an assumed role.
const SESSION_NAME: &str = "MSKSASLDefaultSession";
/// How long the instance and container metadata services get to answer: off AWS, they are not there at all.
const METADATA_TIME: Duration = Duration::from_secs(2);
/// Profiles that name each other as their source, followed this deep at most.
const MAX_PROFILE_DEPTH: usize = 8;

struct Lookup<'a> {
    env: Env<'a>,
    region: &'a str,
    deadline: Instant,
}

/// The credentials to sign with.
pub fn resolve(login: &AwsLogin, region: &str, env: Env<'_>, deadline: Instant) -> Result<AwsCredentials, String> {
    let lookup = Lookup { env, region, deadline };
    let base = match &login.profile {
        Some(profile) => lookup.profile(profile, 0)?,
        None => lookup.default_chain()?,
    };
    match &login.role_arn {
        None => Ok(base),
        Some(role) => {
            let session = login.role_session_name.as_deref().unwrap_or(SESSION_NAME);
            let region = login.sts_region.as_deref().unwrap_or(region);
            lookup.assume_role(&base, role, session, region)
        }
    }
}

fn some(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

impl Lookup<'_> {
    fn var(&self, name: &str) -> Option<String> {
        some((self.env)(name))
    }

    fn default_chain(&self) -> Result<AwsCredentials, String> {
        if let Some(credentials) = self.environment_keys() {
            return Ok(credentials);
        }
        if let (Some(file), Some(role)) = (self.var("AWS_WEB_IDENTITY_TOKEN_FILE"), self.var("AWS_ROLE_ARN")) {
            let session = self.var("AWS_ROLE_SESSION_NAME").unwrap_or_else(|| SESSION_NAME.into());
            return self.web_identity(&file, &role, &session);
        }
        let profile = self.var("AWS_PROFILE").unwrap_or_else(|| "default".into());
        if !self.profile_section(&profile).is_empty() {
            return self.profile(&profile, 0);
        }
        if let Some(credentials) = self.container()? {
            return Ok(credentials);
        }
        if let Some(credentials) = self.instance()? {
            return Ok(credentials);
        }
        Err(format!(
            "no AWS credentials found (looked in: the environment's AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE, \
             profile '{profile}' in {} and {}, container credentials, instance metadata)",
            self.credentials_file(),
            self.config_file()
        ))
    }

    fn environment_keys(&self) -> Option<AwsCredentials> {
        Some(AwsCredentials {
            access_key_id: self.var("AWS_ACCESS_KEY_ID")?,
            secret_access_key: self.var("AWS_SECRET_ACCESS_KEY")?,
            session_token: self.var("AWS_SESSION_TOKEN"),
        })
    }

    fn home(&self) -> String {
        self.var("HOME").unwrap_or_else(|| "~".into())
    }

    fn credentials_file(&self) -> String {
        self.var("AWS_SHARED_CREDENTIALS_FILE").unwrap_or_else(|| format!("{}/.aws/credentials", self.home()))
    }

    fn config_file(&self) -> String {
        self.var("AWS_CONFIG_FILE").unwrap_or_else(|| format!("{}/.aws/config", self.home()))
    }

    /// A profile's keys: the config file's `[profile name]` (`[default]`), the credentials file's `[name]` over it.
    fn profile_section(&self, name: &str) -> HashMap<String, String> {
        let in_config = if name == "default" { "default".to_string() } else { format!("profile {name}") };
        let mut keys = read_ini_section(&self.config_file(), &in_config);
        if name == "default" && keys.is_empty() {
            keys = read_ini_section(&self.config_file(), "profile default");
        }
        keys.extend(read_ini_section(&self.credentials_file(), name));
        keys
    }

    fn profile(&self, name: &str, depth: usize) -> Result<AwsCredentials, String> {
        let keys = self.profile_section(name);
        let key = |k: &str| some(keys.get(k).cloned());
        if keys.is_empty() {
            return Err(format!(
                "AWS profile '{name}' is in neither {} nor {}",
                self.credentials_file(),
                self.config_file()
            ));
        }
        if depth > MAX_PROFILE_DEPTH {
            return Err(format!("AWS profile '{name}': source_profile goes round in a loop"));
        }
        if let Some(role) = key("role_arn") {
            let session = key("role_session_name").unwrap_or_else(|| SESSION_NAME.into());
            if let Some(file) = key("web_identity_token_file") {
                return self.web_identity(&file, &role, &session);
            }
            let base = match (key("source_profile"), key("credential_source").as_deref()) {
                (Some(source), _) if source == name => self.static_keys(name, &keys)?,
                (Some(source), _) => self.profile(&source, depth + 1)?,
                (None, Some("Environment")) => self
                    .environment_keys()
                    .ok_or_else(|| format!("AWS profile '{name}': no AWS_ACCESS_KEY_ID in the environment"))?,
                (None, Some("EcsContainer")) => {
                    self.container()?.ok_or_else(|| format!("AWS profile '{name}': no container credentials here"))?
                }
                (None, Some("Ec2InstanceMetadata")) => {
                    self.instance()?.ok_or_else(|| format!("AWS profile '{name}': no instance metadata here"))?
                }
                _ => return Err(format!("AWS profile '{name}': role_arn needs source_profile or credential_source")),
            };
            let region = key("region").unwrap_or_else(|| self.region.to_string());
            return self.assume_role(&base, &role, &session, &region);
        }
        if let Some(command) = key("credential_process") {
            return self.credential_process(name, &command);
        }
        if key("sso_start_url").is_some() || key("sso_session").is_some() {
            return Err(format!(
                "AWS profile '{name}' is an IAM Identity Center (SSO) profile, which these tools do not read: add \
                 credential_process = aws configure export-credentials --profile {name} --format process"
            ));
        }
        self.static_keys(name, &keys)
    }

    fn static_keys(&self, name: &str, keys: &HashMap<String, String>) -> Result<AwsCredentials, String> {
        let key = |k: &str| some(keys.get(k).cloned());
        match (key("aws_access_key_id"), key("aws_secret_access_key")) {
            (Some(access_key_id), Some(secret_access_key)) => {
                Ok(AwsCredentials { access_key_id, secret_access_key, session_token: key("aws_session_token") })
            }
            _ => Err(format!(
                "AWS profile '{name}' has no aws_access_key_id and aws_secret_access_key, role_arn or \
                 credential_process"
            )),
        }
    }

    /// `credential_process`: a command that prints the credentials as JSON (version 1).
    fn credential_process(&self, name: &str, command: &str) -> Result<AwsCredentials, String> {
        let output = std::process::Command::new("sh")
            .args(["-c", command])
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("AWS profile '{name}': cannot run its credential_process: {e}"))?;
        if !output.status.success() {
            let said = String::from_utf8_lossy(&output.stderr);
            let said = said.lines().last().unwrap_or_default().trim();
            return Err(format!("AWS profile '{name}': its credential_process failed ({}): {said}", output.status));
        }
        json_credentials(&String::from_utf8_lossy(&output.stdout), "SessionToken")
            .ok_or_else(|| format!("AWS profile '{name}': its credential_process did not print credentials as JSON"))
    }

    fn time_left(&self, most: Duration) -> Result<Duration, String> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err("no time left to get AWS credentials".into());
        }
        Ok(left.min(most))
    }

    /// ECS and EKS Pod Identity: a URL in the environment, and maybe a token to show it.
    fn container(&self) -> Result<Option<AwsCredentials>, String> {
        let url = match (
            self.var("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
            self.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
        ) {
            (Some(full), _) => full,
            (None, Some(relative)) => format!("http://169.254.170.2{relative}"),
            (None, None) => return Ok(None),
        };
        let token = match self.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            Some(file) => Some(
                std::fs::read_to_string(&file)
                    .map_err(|e| format!("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {file}: {e}"))?
                    .trim()
                    .to_string(),
            ),
            None => self.var("AWS_CONTAINER_AUTHORIZATION_TOKEN"),
        };
        let time = self.time_left(Duration::from_secs(5))?;
        let mut request = http::agent(None, time, time, time).get(&url);
        if let Some(token) = &token {
            request = request.set("Authorization", token);
        }
        let text = answer(request.call(), &format!("the container credentials at {url}"))?;
        json_credentials(&text, "Token")
            .map(Some)
            .ok_or_else(|| format!("the container credentials at {url} are not credentials"))
    }

    /// The instance metadata service, version 2 (a session token first).
    fn instance(&self) -> Result<Option<AwsCredentials>, String> {
        if self.var("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        let endpoint = self.var("AWS_EC2_METADATA_SERVICE_ENDPOINT").unwrap_or_else(|| "http://169.254.169.254".into());
        let endpoint = endpoint.trim_end_matches('/');
        let time = self.time_left(METADATA_TIME)?;
        let agent = http::agent(None, time, time, time);
        let session = match agent
            .put(&format!("{endpoint}/latest/api/token"))
            .set("X-aws-ec2-metadata-token-ttl-seconds", "21600")
            .call()
        {
            Ok(response) => response.into_string().unwrap_or_default(),
            // Not on an instance: nothing answers there.
            Err(ureq::Error::Transport(_)) => return Ok(None),
            Err(ureq::Error::Status(status, _)) => {
                return Err(format!("the instance metadata at {endpoint} refused a session (HTTP {status})"))
            }
        };
        let path = format!("{endpoint}/latest/meta-data/iam/security-credentials/");
        let get = |url: &str| {
            answer(agent.get(url).set("X-aws-ec2-metadata-token", session.trim()).call(), "the instance metadata")
        };
        let roles = get(&path)?;
        let Some(role) = roles.lines().map(str::trim).find(|l| !l.is_empty()) else {
            return Err(format!("the instance at {endpoint} has no IAM role"));
        };
        let text = get(&format!("{path}{role}"))?;
        json_credentials(&text, "Token")
            .map(Some)
            .ok_or_else(|| format!("the instance metadata of role {role} are not credentials"))
    }

    /// STS's address for `region` (or the one the environment gives).
    fn sts(&self, region: &str) -> String {
        self.var("AWS_ENDPOINT_URL_STS")
            .or_else(|| self.var("AWS_ENDPOINT_URL"))
            .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"))
    }

    fn web_identity(&self, file: &str, role: &str, session: &str) -> Result<AwsCredentials, String> {
        let token =
            std::fs::read_to_string(file).map_err(|e| format!("cannot read the web identity token {file}: {e}"))?;
        let params = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", role),
            ("RoleSessionName", session),
            ("WebIdentityToken", token.trim()),
        ];
        let query: Vec<String> =
            params.iter().map(|(k, v)| format!("{k}={}", crate::client::sigv4::uri_encode(v))).collect();
        let endpoint = self.sts(self.region);
        self.sts_call(&format!("{}/?{}", endpoint.trim_end_matches('/'), query.join("&")), &endpoint, role)
    }

    fn assume_role(
        &self,
        base: &AwsCredentials,
        role: &str,
        session: &str,
        region: &str,
    ) -> Result<AwsCredentials, String> {
        let endpoint = self.sts(region);
        let (scheme, host) = endpoint
            .trim_end_matches('/')
            .split_once("://")
            .filter(|(_, host)| !host.contains('/'))
            .ok_or_else(|| format!("the STS endpoint {endpoint} is not a scheme and a host"))?;
        let request = Presign {
            scheme,
            host,
            service: "sts",
            region,
            params: &[
                ("Action", "AssumeRole"),
                ("RoleArn", role),
                ("RoleSessionName", session),
                ("Version", "2011-06-15"),
            ],
            expires_seconds: 60,
        };
        let url = presign(&request, base, Utc::now())?;
        self.sts_call(&url, &endpoint, role)
    }

    fn sts_call(&self, url: &str, endpoint: &str, role: &str) -> Result<AwsCredentials, String> {
        let time = self.time_left(Duration::from_secs(10))?;
        let tls = if url.starts_with("https://") {
            Some(TlsSettings::new(&|_| None).map_err(|e| e.to_string())?)
        } else {
            None
        };
        let what = format!("STS at {endpoint} (role {role})");
        let text = match http::agent(tls.as_ref(), time, time, time).get(url).call() {
            Err(ureq::Error::Status(status, response)) => {
                let body = response.into_string().unwrap_or_default();
                let said = match (xml_field(&body, "Code"), xml_field(&body, "Message")) {
                    (Some(code), Some(message)) => format!("{code}: {message}"),
                    (Some(code), None) => code,
                    _ => format!("HTTP {status}"),
                };
                return Err(format!("{what} refused the role: {said}"));
            }
            other => answer(other, &what)?,
        };
        match (xml_field(&text, "AccessKeyId"), xml_field(&text, "SecretAccessKey")) {
            (Some(access_key_id), Some(secret_access_key)) => {
                Ok(AwsCredentials { access_key_id, secret_access_key, session_token: xml_field(&text, "SessionToken") })
            }
            _ => Err(format!("{what} answered without credentials")),
        }
    }
}

/// An answer's body, or the failure in a line.
fn answer(result: Result<ureq::Response, ureq::Error>, what: &str) -> Result<String, String> {
    match result {
        Ok(response) => response.into_string().map_err(|e| format!("cannot read the answer of {what}: {e}")),
        Err(ureq::Error::Status(status, _)) => Err(format!("{what} answered HTTP {status}")),
        Err(ureq::Error::Transport(e)) => Err(format!("cannot reach {what}: {}", http::transport(&e))),
    }
}

/// Credentials in the JSON of the metadata services and `credential_process` (`token_key` names the session token).
fn json_credentials(text: &str, token_key: &str) -> Option<AwsCredentials> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let field = |name: &str| json.get(name).and_then(|v| v.as_str()).filter(|v| !v.is_empty()).map(str::to_string);
    Some(AwsCredentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: field("SecretAccessKey")?,
        session_token: field(token_key),
    })
}

/// The text of the first `<name>` element of an STS answer (its values need no XML unescaping but `&amp;` and
/// the like, which credentials never hold).
fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    let value = xml[start..end]
        .trim()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&");
    (!value.is_empty()).then_some(value)
}

/// One section's `key = value` lines of an AWS INI file (missing file or section: none).
fn read_ini_section(path: &str, section: &str) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut keys = HashMap::new();
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            inside = name.split_whitespace().collect::<Vec<_>>().join(" ") == section;
        } else if inside {
            if let Some((key, value)) = line.split_once('=') {
                keys.insert(key.trim().to_string(), value.trim().to_string());
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_xml_fields() {
        let dir = std::env::temp_dir().join(format!("aws-ini-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("config");
        std::fs::write(&file, "[default]\nregion = eu-west-1\n# a comment\n[profile  ops ]\nrole_arn=arn:x\n").unwrap();
        let path = file.to_str().unwrap();
        assert_eq!(read_ini_section(path, "default").get("region").map(String::as_str), Some("eu-west-1"));
        assert_eq!(read_ini_section(path, "profile ops").get("role_arn").map(String::as_str), Some("arn:x"));
        assert!(read_ini_section(path, "ops").is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
        let xml = "<AssumeRoleResponse><Credentials><AccessKeyId>AK</AccessKeyId><SessionToken>a&amp;b</SessionToken>\
                   </Credentials></AssumeRoleResponse>";
        assert_eq!(xml_field(xml, "AccessKeyId").as_deref(), Some("AK"));
        assert_eq!(xml_field(xml, "SessionToken").as_deref(), Some("a&b"));
        assert_eq!(xml_field(xml, "SecretAccessKey"), None);
    }
}
