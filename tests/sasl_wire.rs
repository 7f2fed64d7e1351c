//! SASL from `--command-config`, checked on the wire: no broker that runs here speaks PLAIN or SCRAM (Kafka 0.9 has
//! only GSSAPI), so the test broker (`fake_broker`) takes each tool through SaslHandshake and SaslAuthenticate,
//! checks the credentials (the SCRAM proof against the password it knows), records the login and then serves
//! metadata and offsets. A wrong password or a mechanism the broker does not enable ends the run at once, with the
//! broker's reason. Passwords never appear in any output.

use std::time::Duration;

use offset_tools_tests::compare::{assert_output, reset_table};
use offset_tools_tests::fake_broker::{FakeBroker, Login};
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

fn broker(mechanism: &str) -> FakeBroker {
    let broker = FakeBroker::with_sasl(&[mechanism], PASSWORD);
    broker.add_topic("t", 2, &[]);
    broker
}

/// Runs both tools against their own broker with the properties file: each logs in as `expected` (every
/// connection it made) and gets its answer; the secret is in no output.
fn check_both(
    mechanism: &str,
    config: &std::path::Path,
    extra: &[&str],
    expected: &Login,
    secret: &str,
) -> Vec<Output> {
    let config = config.to_str().unwrap();
    let mut outputs = Vec::new();
    for (name, args, stdout) in [
        ("get-offset", &["--topic", "t"][..], "t:0:10\nt:1:10\n".to_string()),
        (
            "reset-offsets",
            &["--group", "g", "--topic", "t", "--to-latest", "--dry-run"][..],
            reset_table(&[("g", "t", 0, 10), ("g", "t", 1, 10)]),
        ),
    ] {
        let broker = broker(mechanism);
        let common = ["--bootstrap-server", broker.address.as_str(), "--command-config", config];
        let out = tool(name, &[&common[..], args, extra].concat(), None);
        assert!(!out.stdout.contains(secret) && !out.stderr.contains(secret), "{name}: the password leaked: {out:?}");
        assert_eq!((out.code, &out.stdout), (Some(0), &stdout), "{name}: {out:?}");
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
    for out in check_both("PLAIN", &config, &[], &expected, "w0rd-Zx9") {
        assert_eq!(out.stderr, "", "{out:?}");
    }
}

#[test]
fn plain_from_librdkafka_keys_and_bare_jaas_words() {
    let config = properties(&format!(
        "security.protocol=sasl_plaintext\nsasl.mechanisms=PLAIN\nsasl.username=svc\nsasl.password={PASSWORD}\n"
    ));
    let expected =
        Login { mechanism: "PLAIN".into(), username: "svc".into(), password: Some(PASSWORD.into()), proof_ok: None };
    check_both("PLAIN", &config, &[], &expected, "w0rd-Zx9");

    let config = properties(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n\
         sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=svc2 password=bare-Ww3;\n",
    );
    // The broker expects PASSWORD: this login is refused, and says so at once.
    let broker = broker("PLAIN");
    let out = tool(
        "get-offset",
        &["--bootstrap-server", &broker.address, "--command-config", config.to_str().unwrap()],
        None,
    );
    assert_output(
        &out,
        "",
        &format!(
            "Error: {}: the SASL login was refused: Authentication failed: Invalid username or password \
             (SASL_AUTHENTICATION_FAILED)\n",
            broker.address
        ),
        1,
    );
    assert_eq!(
        broker.logins(),
        [Login {
            mechanism: "PLAIN".into(),
            username: "svc2".into(),
            password: Some("bare-Ww3".into()),
            proof_ok: None
        }]
    );
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
        check_both(mechanism, &config, &[], &expected, "w0rd-Zx9");
    }
}

#[test]
fn a_wrong_scram_password_ends_the_run_at_once() {
    let config = properties(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n\
         sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"not-it-Qz1\";\n",
    );
    for (name, args) in
        [("get-offset", &[][..]), ("reset-offsets", &["--group", "g", "--topic", "t", "--to-latest", "--execute"][..])]
    {
        let broker = broker("SCRAM-SHA-512");
        // The default timeout is 30 s: a definitive refusal must not wait for it.
        let out = tool(
            name,
            &[&["--bootstrap-server", broker.address.as_str(), "--command-config", config.to_str().unwrap()][..], args]
                .concat(),
            None,
        );
        assert_output(
            &out,
            "",
            &format!(
                "Error: {}: the SASL login was refused: Authentication failed during authentication due to invalid \
                 credentials with SASL mechanism SCRAM-SHA-512 (SASL_AUTHENTICATION_FAILED)\n",
                broker.address
            ),
            1,
        );
        assert!(out.elapsed < Duration::from_secs(12), "{name} waited {:?}", out.elapsed);
        assert!(!out.stderr.contains("not-it-Qz1"));
        assert_eq!(broker.logins().iter().map(|l| l.proof_ok).collect::<Vec<_>>(), [Some(false)]);
    }
}

#[test]
fn a_mechanism_the_broker_does_not_enable_ends_the_run_at_once() {
    let config = properties(&format!(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.username=u\nsasl.password={PASSWORD}\n"
    ));
    let broker = broker("PLAIN");
    let out = tool(
        "get-offset",
        &["--bootstrap-server", &broker.address, "--command-config", config.to_str().unwrap()],
        None,
    );
    assert_output(
        &out,
        "",
        &format!(
            "Error: {}: the SASL login was refused: the broker does not enable SASL mechanism SCRAM-SHA-256 \
             (it enables: PLAIN)\n",
            broker.address
        ),
        1,
    );
    assert!(out.elapsed < Duration::from_secs(12), "waited {:?}", out.elapsed);
}

#[test]
fn oauthbearer_unsecured_token_carries_the_subject() {
    let config = properties(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=OAUTHBEARER\n\
         sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"svc-admin\";\n",
    );
    let expected =
        Login { mechanism: "OAUTHBEARER".into(), username: "svc-admin".into(), password: None, proof_ok: None };
    check_both("OAUTHBEARER", &config, &[], &expected, "unused-secret");
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
    let outputs = check_both("SCRAM-SHA-256", &config, &["--verbose"], &expected, "w0rd-Zx9");
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
