//! AWS MSK IAM logins from the `client.properties` Amazon MSK's users already have (`sasl.mechanism=AWS_MSK_IAM`,
//! `IAMLoginModule`, `IAMClientCallbackHandler`), checked on the wire: no MSK is reachable here, so the test broker
//! (`fake_broker`) takes the OAUTHBEARER token and keeps the presigned URL inside it, and loopback stand-ins play
//! AWS's STS, container and instance metadata services (the SDKs' own variables point the tools at them). The
//! token's signature is checked against botocore's in the library's unit tests; here, what is signed, with which
//! credentials, for which region. Failures end in one line, exit 1, at once; no secret appears in any output.

use std::process::Command;
use std::time::Duration;

use offset_tools_tests::compare::assert_output;
use offset_tools_tests::fake_broker::FakeBroker;
use offset_tools_tests::http_stub::HttpStub;
use offset_tools_tests::run::{binary, command, Output};
use offset_tools_tests::scratch_dir;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecretKEY";
const SESSION: &str = "IQoJb3JpZ2luX2VjEXAMPLE+session/token==";
const ROLE: &str = "arn:aws:iam::123456789012:role/migrator";

/// MSK's documented client file, with the login module's options.
fn client_file(dir: &std::path::Path, options: &str) -> String {
    let path = dir.join("client.properties");
    std::fs::write(
        &path,
        format!(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=AWS_MSK_IAM\n\
             sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required{options};\n\
             sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler\n"
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// get-offset with only the environment given (the test process's AWS variables are not passed on).
fn get_offset(bootstrap: &str, config: &str, env: &[(&str, &str)], extra: &[&str]) -> Output {
    let mut cmd = Command::new(binary("get-offset"));
    cmd.args([&["--bootstrap-server", bootstrap, "--command-config", config, "--topic", "t"][..], extra].concat());
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            cmd.env_remove(name);
        }
    }
    cmd.envs(env.iter().copied());
    let out = command(&mut cmd, None);
    for secret in [SECRET, SESSION, "assumed-secret-Qx", "container-secret-Zz", "instance-secret-Kk"] {
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "a secret leaked: {out:?}");
    }
    out
}

fn broker() -> FakeBroker {
    let broker = FakeBroker::with_sasl(&["OAUTHBEARER"], "unused");
    broker.add_topic("t", 2, &[]);
    broker
}

/// The presigned URLs the broker was given, one per login.
fn logins(broker: &FakeBroker) -> Vec<String> {
    let logins = broker.logins();
    assert!(logins.iter().all(|l| l.mechanism == "AWS_MSK_IAM"), "{logins:?}");
    logins.into_iter().map(|l| l.username).collect()
}

/// Asserts the whole URL of a token signed for eu-west-1 with `key` (and `session`): its date is now, its
/// signature 64 hex digits, everything else as AWS's signers write it.
fn assert_signed(url: &str, key: &str, session: Option<&str>) {
    let field = |name: &str| {
        url.split(['?', '&']).find_map(|kv| kv.strip_prefix(&format!("{name}="))).unwrap_or_default().to_string()
    };
    let (date, signature) = (field("X-Amz-Date"), field("X-Amz-Signature"));
    let signed = chrono::NaiveDateTime::parse_from_str(&date, "%Y%m%dT%H%M%SZ").expect("X-Amz-Date").and_utc();
    assert!((chrono::Utc::now() - signed).num_seconds().abs() < 120, "{date}");
    assert!(signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit()), "{signature}");
    let token = session
        .map(|t| format!("&X-Amz-Security-Token={}", t.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")));
    assert_eq!(
        url,
        format!(
            "https://kafka.eu-west-1.amazonaws.com/?Action=kafka-cluster%3AConnect&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential={key}%2F{}%2Feu-west-1%2Fkafka-cluster%2Faws4_request&X-Amz-Date={date}\
             &X-Amz-Expires=900&X-Amz-SignedHeaders=host{}&X-Amz-Signature={signature}\
             &User-Agent=offset-tools%2F{}",
            &date[..8],
            token.unwrap_or_default(),
            env!("CARGO_PKG_VERSION")
        )
    );
}

/// get-offset reads the broker's offsets, every login of the run a token signed for eu-west-1 with `key` (and
/// `session`).
fn logs_in_signed(broker: &FakeBroker, config: &str, env: &[(&str, &str)], key: &str, session: Option<&str>) {
    let out = get_offset(&broker.address, config, env, &[]);
    assert_output(&out, "t:0:10\nt:1:10\n", "", 0);
    let urls = logins(broker);
    assert!(!urls.is_empty());
    for url in &urls {
        assert_signed(url, key, session);
    }
}

/// The environment's keys, the region from AWS_REGION: every connection logs in with a token of its own.
#[test]
fn environment_keys_sign_each_login() {
    let (dir, broker) = (scratch_dir("msk-env"), broker());
    let config = client_file(&dir, "");
    let env = [
        ("HOME", dir.to_str().unwrap()),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", SESSION),
    ];
    logs_in_signed(&broker, &config, &env, "AKIAENVIRONMENT", Some(SESSION));
}

/// `awsProfileName` reads that profile alone, even with keys in the environment; `--dump-config` shows the login as
/// it will be used, with the region from the MSK host name.
#[test]
fn a_named_profile_wins_and_dump_config_shows_it() {
    let (dir, broker) = (scratch_dir("msk-profile"), broker());
    std::fs::create_dir_all(dir.join(".aws")).unwrap();
    std::fs::write(
        dir.join(".aws/credentials"),
        format!("[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = {SECRET}\n\n[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = {SECRET}\n"),
    )
    .unwrap();
    let config = client_file(&dir, " awsProfileName=\"ops\"");
    let env = [
        ("HOME", dir.to_str().unwrap()),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ];
    logs_in_signed(&broker, &config, &env, "AKIAOPS", None);
    let msk = "b-1.orders.x1y2z3.c2.kafka.eu-west-1.amazonaws.com:9098";
    let out = get_offset(msk, &config, &[("HOME", dir.to_str().unwrap())], &["--dump-config"]);
    assert_output(
        &out,
        &format!(
            "# client settings (secrets hidden)\nbootstrap.servers={msk}\nclient.id=get-offset\ntimeout.ms=30000\nsecurity.protocol=SASL_PLAINTEXT\n\
             sasl.mechanisms=AWS_MSK_IAM\nsasl.aws.profile=ops\nsasl.aws.region=eu-west-1\n"
        ),
        "",
        0,
    );
}

/// `awsRoleArn`: the chain's credentials (here a container's, with its token) assume the role through STS, whose
/// request is presigned with them; the broker sees the role's keys.
#[test]
fn a_role_is_assumed_with_the_container_credentials() {
    let (dir, broker) = (scratch_dir("msk-role"), broker());
    let container = HttpStub::start(|request| match request.header("authorization") {
        Some("container-auth-token") => (
            200,
            format!(
                r#"{{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container-secret-Zz","Token":"{SESSION}","Expiration":"2030-01-01T00:00:00Z"}}"#
            ),
        ),
        _ => (401, r#"{"message":"no token"}"#.into()),
    });
    let sts = HttpStub::start(|_| {
        (
            200,
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAASSUMED</AccessKeyId>\
             <SecretAccessKey>assumed-secret-Qx</SecretAccessKey><SessionToken>assumed-session</SessionToken>\
             <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>"
                .into(),
        )
    });
    let config = client_file(&dir, &format!(" awsRoleArn=\"{ROLE}\" awsRoleSessionName=\"offsets\""));
    let (full_uri, sts_url) = (container.url("/v2/credentials"), sts.url(""));
    let env = [
        ("HOME", dir.to_str().unwrap()),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri.as_str()),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token"),
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
    ];
    logs_in_signed(&broker, &config, &env, "ASIAASSUMED", Some("assumed-session"));
    // One container request and one STS call for the whole run, presigned with the container's key.
    assert_eq!(container.requests().len(), 1);
    let calls = sts.requests();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let target = &calls[0].target;
    let role = ROLE.replace(':', "%3A").replace('/', "%2F");
    assert!(
        target.starts_with(&format!(
            "/?Action=AssumeRole&RoleArn={role}&RoleSessionName=offsets&Version=2011-06-15\
             &X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIACONTAINER%2F"
        )),
        "{target}"
    );
    assert!(
        target.contains("%2Feu-west-1%2Fsts%2Faws4_request&") && target.contains("&X-Amz-Security-Token="),
        "{target}"
    );
}

/// On an instance: IMDSv2's session token, the role's name, its credentials.
#[test]
fn instance_metadata_with_a_session_token() {
    let (dir, broker) = (scratch_dir("msk-imds"), broker());
    let imds = HttpStub::start(|request| {
        let session = request.header("x-aws-ec2-metadata-token") == Some("imds-session");
        match (request.method.as_str(), request.target.as_str()) {
            ("PUT", "/latest/api/token") if request.header("x-aws-ec2-metadata-token-ttl-seconds").is_some() => {
                (200, "imds-session".into())
            }
            ("GET", "/latest/meta-data/iam/security-credentials/") if session => (200, "migrator-role\n".into()),
            ("GET", "/latest/meta-data/iam/security-credentials/migrator-role") if session => (
                200,
                r#"{"Code":"Success","AccessKeyId":"ASIAINSTANCE","SecretAccessKey":"instance-secret-Kk","Token":"instance-session"}"#.into(),
            ),
            _ => (401, String::new()),
        }
    });
    let config = client_file(&dir, "");
    let endpoint = imds.url("");
    let env = [
        ("HOME", dir.to_str().unwrap()),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint.as_str()),
    ];
    logs_in_signed(&broker, &config, &env, "ASIAINSTANCE", Some("instance-session"));
    assert_eq!(imds.requests().len(), 3);
}

/// No credentials anywhere, a role STS refuses, no region: each one line and exit 1 at once, nothing sent to the
/// broker but the handshake.
#[test]
fn failures_are_one_line_at_once() {
    let (dir, broker) = (scratch_dir("msk-fail"), broker());
    let home = dir.to_str().unwrap();
    let config = client_file(&dir, "");
    let env = [("HOME", home), ("AWS_REGION", "eu-west-1"), ("AWS_EC2_METADATA_DISABLED", "true")];
    let out = get_offset(&broker.address, &config, &env, &[]);
    assert_output(
        &out,
        "",
        &format!(
            "Error: {}: the SASL login was refused: AWS MSK IAM: no AWS credentials found (looked in: the \
             environment's AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE, profile 'default' in {home}/.aws/credentials \
             and {home}/.aws/config, container credentials, instance metadata)\n",
            broker.address
        ),
        1,
    );
    assert!(out.elapsed < Duration::from_secs(12), "waited {:?}", out.elapsed);

    let sts = HttpStub::start(|_| {
        (
            403,
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to \
             perform: sts:AssumeRole</Message></Error></ErrorResponse>"
                .into(),
        )
    });
    let config = client_file(&dir, &format!(" awsRoleArn=\"{ROLE}\""));
    let sts_url = sts.url("");
    let env = [
        ("HOME", home),
        ("AWS_REGION", "eu-west-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_ENDPOINT_URL_STS", sts_url.as_str()),
    ];
    let out = get_offset(&broker.address, &config, &env, &[]);
    assert_output(
        &out,
        "",
        &format!(
            "Error: {}: the SASL login was refused: AWS MSK IAM: STS at {sts_url} (role {ROLE}) refused the role: \
             AccessDenied: User is not authorized to perform: sts:AssumeRole\n",
            broker.address
        ),
        1,
    );
    assert!(out.elapsed < Duration::from_secs(12), "waited {:?}", out.elapsed);
    assert!(broker.logins().is_empty());

    let out = get_offset(&broker.address, &config, &[("HOME", home)], &[]);
    assert_output(
        &out,
        "",
        "Error: --command-config: AWS_MSK_IAM needs the cluster's AWS region: no bootstrap server is an MSK host \
         name that gives one; set AWS_REGION\n",
        2,
    );
}
