//! SASL from `--command-config`, checked on the wire: no broker here speaks PLAIN or SCRAM (Kafka 0.9 has only
//! GSSAPI), so a loopback listener takes each tool through the SASL handshake and records the mechanism and the
//! credentials it received, for each form of `sasl.jaas.config`. Passwords must never appear in any output.

use offset_tools_tests::fake_broker::{FakeSaslBroker, Login};
use offset_tools_tests::run::{tool, Output};
use offset_tools_tests::scratch_dir;

const PASSWORD: &str = "pa\"ss;w0rd-Zx9";

/// A properties file in a scratch directory, removed when dropped.
struct Properties(std::path::PathBuf);

impl std::ops::Deref for Properties {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Properties {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn properties(body: &str) -> Properties {
    let dir = scratch_dir("sasl");
    let path = dir.join("client.properties");
    std::fs::write(&path, body).unwrap();
    Properties(path)
}

/// Runs each tool against its own fake broker with the properties file; checks that every login the broker saw
/// (librdkafka reconnects when the broker stops answering) is `expected`, and that the secret is in no output.
fn check_both(config: &std::path::Path, extra: &[&str], expected: &Login, secret: &str) -> Vec<Output> {
    let config = config.to_str().unwrap();
    let mut outputs = Vec::new();
    for (name, args) in
        [("get-offset", &[][..]), ("reset-offsets", &["--group", "g", "--topic", "t", "--to-latest", "--dry-run"][..])]
    {
        let broker = FakeSaslBroker::start(PASSWORD);
        let common = ["--bootstrap-server", broker.address.as_str(), "--command-config", config, "--timeout", "2500"];
        let out = tool(name, &[&common[..], args, extra].concat(), None);
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "{name}: the password leaked: {out:?}");
        assert_eq!(out.code, Some(1), "{name}: the fake broker answers nothing after the login: {out:?}");
        let logins = broker.logins();
        assert!(!logins.is_empty() && logins.iter().all(|l| l == expected), "{name}: {logins:?}\n{out:?}");
        outputs.push(out);
    }
    outputs
}

#[test]
fn plain_from_jaas_with_quotes_and_escapes() {
    let config = properties(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n\
         sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n  username=\"ops user\" password=\"pa\\\\\"ss;w0rd-Zx9\";\n",
    );
    let expected = Login {
        mechanism: "PLAIN".into(),
        username: "ops user".into(),
        password: Some(PASSWORD.into()),
        proof_ok: None,
    };
    check_both(&config, &[], &expected, "w0rd-Zx9");
}

#[test]
fn plain_from_librdkafka_keys_and_bare_jaas_words() {
    let config = properties(
        "security.protocol=sasl_plaintext\nsasl.mechanisms=PLAIN\nsasl.username=svc\nsasl.password=hunter2-Qq7\n",
    );
    let expected = Login {
        mechanism: "PLAIN".into(),
        username: "svc".into(),
        password: Some("hunter2-Qq7".into()),
        proof_ok: None,
    };
    check_both(&config, &[], &expected, "hunter2-Qq7");

    let config = properties(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n\
         sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=svc2 password=bare-Ww3;\n",
    );
    let expected =
        Login { mechanism: "PLAIN".into(), username: "svc2".into(), password: Some("bare-Ww3".into()), proof_ok: None };
    check_both(&config, &[], &expected, "bare-Ww3");
}

#[test]
fn scram_sha_256_and_512_prove_the_password() {
    for mechanism in ["SCRAM-SHA-256", "SCRAM-SHA-512"] {
        let config = properties(&format!(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism={mechanism}\n\
             sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"scram-user\" password=\"pa\\\\\"ss;w0rd-Zx9\";\n"
        ));
        let expected = Login {
            mechanism: mechanism.into(),
            username: "scram-user".into(),
            password: Some(PASSWORD.into()),
            proof_ok: Some(true),
        };
        check_both(&config, &[], &expected, "w0rd-Zx9");
    }
}

#[test]
fn oauthbearer_unsecured_token_carries_the_subject() {
    let config = properties(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=OAUTHBEARER\n\
         sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"svc-admin\";\n",
    );
    let expected =
        Login { mechanism: "OAUTHBEARER".into(), username: "svc-admin".into(), password: None, proof_ok: None };
    check_both(&config, &[], &expected, "unused-secret");
}

#[test]
fn no_password_at_any_verbosity() {
    let config = properties(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\n\
         sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"pa\\\\\"ss;w0rd-Zx9\";\n",
    );
    let expected = Login {
        mechanism: "SCRAM-SHA-256".into(),
        username: "u".into(),
        password: Some(PASSWORD.into()),
        proof_ok: Some(true),
    };
    let outputs = check_both(&config, &["--verbose"], &expected, "w0rd-Zx9");
    assert!(outputs.iter().all(|o| o.stderr.contains("connected to 127.0.0.1:")), "--verbose shows the connections");
    // --dump-config shows the settings, the password hidden, and connects to nothing.
    let config = config.to_str().unwrap();
    for name in ["get-offset", "reset-offsets"] {
        let mut args = vec!["--bootstrap-server", "127.0.0.1:9", "--command-config", config, "--dump-config"];
        if name == "reset-offsets" {
            args.extend(["--group", "g", "--topic", "t", "--to-latest"]);
        }
        let out = tool(name, &args, None);
        assert_eq!(out.code, Some(0), "{out:?}");
        assert!(out.stdout.contains("\nsasl.username=u\nsasl.password=[hidden]\n"), "{}", out.stdout);
        assert!(out.stdout.contains("\nsasl.mechanisms=SCRAM-SHA-256\n"), "{}", out.stdout);
        assert!(!out.stdout.contains("w0rd-Zx9") && !out.stderr.contains("w0rd-Zx9"));
    }
}
