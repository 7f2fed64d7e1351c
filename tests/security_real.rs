//! SASL and SSL on real Apache Kafka 2.8, 3.9, 4.1 and 4.4 brokers: the same `--command-config` file given to
//! Kafka's own tools and to ours (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 over SASL_PLAINTEXT and SASL_SSL; SSL with
//! PEM and PKCS12 truststores; mutual TLS with a client certificate; the system CA bundle when none is configured),
//! the same answers; refused logins and certificates end at once with the broker's reason.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use libtest_mimic::Failed;
use offset_tools_tests::compare::assert_output;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Options, Version, SASL_PASSWORD, SASL_USER};
use offset_tools_tests::oracle::described_offsets;
use offset_tools_tests::produce::{produce_records, TestRecord};
use offset_tools_tests::run::{get_offset, reset_offsets, Output};
use offset_tools_tests::scratch_dir;
use offset_tools_tests::tls::{make_pki, TestPki};

const ALL: &[Version] = &Version::ALL;

/// One PKI for every release (keytool takes seconds).
fn pki() -> &'static (PathBuf, TestPki) {
    static PKI: OnceLock<(PathBuf, TestPki)> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = scratch_dir("pki");
        let pki = make_pki(&dir);
        (dir, pki)
    })
}

struct Fixture {
    kafka: Kafka,
    dir: PathBuf,
}

fn setup(version: Version) -> Fixture {
    let kafka = Kafka::start_with(Options::new(version).sasl().ssl(&pki().1));
    kafka.create_topic("secure", 3, &["retention.ms=-1"]);
    let mut config = kafka.client_config();
    config.set("linger.ms", "5");
    for p in 0..3 {
        let records: Vec<TestRecord> = (0..4 + p).map(|i| TestRecord::new(None, &format!("s{p}-{i}"), None)).collect();
        produce_records(&config, "secure", p, &records);
    }
    let dir = scratch_dir(&format!("security-{}", version.number()));
    Fixture { kafka, dir }
}

impl Fixture {
    fn properties(&self, name: &str, body: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, body).expect("write properties");
        path.display().to_string()
    }

    fn sasl(&self, mechanism: &str, password: &str) -> String {
        let module = if mechanism == "PLAIN" { "plain.PlainLoginModule" } else { "scram.ScramLoginModule" };
        self.properties(
            &format!("{mechanism}-{password}.properties"),
            &format!(
                "security.protocol=SASL_PLAINTEXT\nsasl.mechanism={mechanism}\nsasl.jaas.config=org.apache.kafka.\
                 common.security.{module} required username=\"{SASL_USER}\" password=\"{password}\";\n"
            ),
        )
    }
}

/// GetOffsetShell and get-offset with the same client file on the same listener (2.8's tool takes no file: it reads
/// the PLAINTEXT listener), and reset-offsets committing over it, read back by Kafka's `--describe`.
fn same_answers(f: &Fixture, bootstrap: &str, config: &str, group: &str) -> Result<(), Failed> {
    let theirs = if f.kafka.version == Version::V2_8 {
        f.kafka.get_offset_shell(&["--topic", "secure"])
    } else {
        f.kafka.tool(
            f.kafka.version.get_offset_shell(),
            &["--bootstrap-server", bootstrap, "--command-config", config, "--topic", "secure"],
        )
    };
    check(theirs.code == Some(0) && theirs.stdout == "secure:0:4\nsecure:1:5\nsecure:2:6\n", || {
        format!("Kafka's GetOffsetShell: {theirs:?}")
    })?;
    let ours = get_offset(&["--bootstrap-server", bootstrap, "--command-config", config, "--topic", "secure"]);
    assert_output(&ours, &theirs.stdout, "", 0);
    let out = reset_offsets(&[
        "--bootstrap-server",
        bootstrap,
        "--command-config",
        config,
        "--group",
        group,
        "--topic",
        "secure",
        "--to-offset",
        "3",
        "--execute",
    ]);
    check(out.code == Some(0), || format!("reset-offsets: {out:?}"))?;
    let described = described_offsets(&f.kafka.consumer_groups(&["--describe", "--group", group]).stdout, group);
    let expected = (0..3).map(|p| (("secure".to_string(), p), Some(3))).collect();
    check(described == expected, || format!("Kafka's --describe after our reset: {described:?}"))
}

/// A client file for the mutual-TLS listener: the test CA, and the client's PKCS12 key and certificate if `with_key`.
fn mutual_tls(with_key: bool) -> String {
    let pki = &pki().1;
    let mut config =
        format!("security.protocol=SSL\nssl.truststore.location={}\nssl.truststore.type=PEM\n", pki.ca_pem.display());
    if with_key {
        config.push_str(&format!(
            "ssl.keystore.location={}\nssl.keystore.type=PKCS12\nssl.keystore.password={}\nssl.key.password={}\n",
            pki.client_keystore_p12.display(),
            pki.client_password,
            pki.client_password
        ));
    }
    config
}

/// A refused login or handshake: one line, exit 1, at once (not retried until the timeout).
fn refused_at_once(out: &Output, expected: &str) -> Result<(), Failed> {
    assert_output(out, "", expected, 1);
    // Far below the default timeout (30 s), which retrying would reach; the margin is for a busy machine.
    check(out.elapsed < Duration::from_secs(12), || format!("took {:?}", out.elapsed))
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("sasl_plain", ALL, |f| {
            same_answers(f, &f.kafka.sasl_bootstrap(), &f.sasl("PLAIN", SASL_PASSWORD), "sasl-plain")
        }),
        ("sasl_scram_sha_256", ALL, |f| {
            same_answers(f, &f.kafka.sasl_bootstrap(), &f.sasl("SCRAM-SHA-256", SASL_PASSWORD), "sasl-256")
        }),
        ("sasl_scram_sha_512", ALL, |f| {
            same_answers(f, &f.kafka.sasl_bootstrap(), &f.sasl("SCRAM-SHA-512", SASL_PASSWORD), "sasl-512")
        }),
        ("ssl_pem_truststore", ALL, |f| {
            let config = f.properties(
                "pem.properties",
                &format!(
                    "security.protocol=SSL\nssl.truststore.location={}\nssl.truststore.type=PEM\n",
                    pki().1.ca_pem.display()
                ),
            );
            same_answers(f, &f.kafka.ssl_bootstrap(), &config, "ssl-pem")
        }),
        ("ssl_pkcs12_truststore", ALL, |f| {
            let pki = &pki().1;
            let config = f.properties(
                "p12.properties",
                &format!(
                    "security.protocol=SSL\nssl.truststore.location={}\nssl.truststore.password={}\n\
                     ssl.truststore.type=PKCS12\n",
                    pki.truststore_p12.display(),
                    pki.truststore_password
                ),
            );
            same_answers(f, &f.kafka.ssl_bootstrap(), &config, "ssl-p12")
        }),
        ("sasl_oauthbearer", ALL, |f| {
            let config = f.properties(
                "oauth.properties",
                "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=OAUTHBEARER\nsasl.jaas.config=org.apache.kafka.common.\
                 security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"alice\" \
                 unsecuredLoginListClaim_scope=\",kafka\";\n",
            );
            same_answers(f, &f.kafka.sasl_bootstrap(), &config, "sasl-oauth")
        }),
        ("oauthbearer_token_refused", ALL, |f| {
            // Kafka answers a refused token with a JSON status and no error code, then waits for 0x01.
            let b = f.kafka.sasl_bootstrap();
            let config = f.properties(
                "oauth-no-scope.properties",
                "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=OAUTHBEARER\nsasl.jaas.config=org.apache.kafka.common.\
                 security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"alice\";\n",
            );
            let out = get_offset(&["--bootstrap-server", &b, "--command-config", &config, "--topic", "secure"]);
            refused_at_once(
                &out,
                &format!(
                    "Error: {b}: the SASL login was refused: the OAUTHBEARER token was refused: insufficient_scope\n"
                ),
            )
        }),
        ("a_configured_truststore_is_the_only_one_trusted", ALL, |f| {
            // The system's store (SSL_CERT_FILE, which OpenSSL reads) trusts the broker's CA, the configured one
            // does not: Java would refuse, and so must we.
            let b = f.kafka.ssl_bootstrap();
            let config = f.properties(
                "other-ca-only.properties",
                &format!(
                    "security.protocol=SSL\nssl.truststore.location={}\nssl.truststore.type=PEM\n",
                    pki().1.other_ca_pem.display()
                ),
            );
            let out = offset_tools_tests::run::command(
                std::process::Command::new(offset_tools_tests::run::binary("get-offset"))
                    .args(["--bootstrap-server", &b, "--command-config", &config])
                    .env("SSL_CERT_FILE", &pki().1.ca_pem),
                None,
            );
            refused_at_once(
                &out,
                &format!(
                    "Error: {b}: TLS handshake failed: certificate verify failed: self-signed certificate in \
                     certificate chain\n"
                ),
            )
        }),
        ("wrong_password_plain", ALL, |f| {
            let b = f.kafka.sasl_bootstrap();
            let out = get_offset(&["--bootstrap-server", &b, "--command-config", &f.sasl("PLAIN", "nope")]);
            refused_at_once(
                &out,
                &format!(
                    "Error: {b}: the SASL login was refused: Authentication failed: Invalid username or password \
                     (SASL_AUTHENTICATION_FAILED)\n"
                ),
            )
        }),
        ("wrong_password_scram", ALL, |f| {
            let b = f.kafka.sasl_bootstrap();
            let config = f.sasl("SCRAM-SHA-512", "nope");
            let args = ["--group", "g", "--topic", "secure", "--to-latest", "--dry-run"];
            let out =
                reset_offsets(&[&["--bootstrap-server", b.as_str(), "--command-config", &config], &args[..]].concat());
            refused_at_once(
                &out,
                &format!(
                    "Error: {b}: the SASL login was refused: Authentication failed during authentication due to \
                     invalid credentials with SASL mechanism SCRAM-SHA-512 (SASL_AUTHENTICATION_FAILED)\n"
                ),
            )
        }),
        ("untrusted_certificate", ALL, |f| {
            let b = f.kafka.ssl_bootstrap();
            let config = f.properties(
                "other-ca.properties",
                &format!("security.protocol=SSL\nssl.truststore.location={}\n", pki().1.other_ca_pem.display()),
            );
            let out = get_offset(&["--bootstrap-server", &b, "--command-config", &config]);
            refused_at_once(
                &out,
                &format!(
                    "Error: {b}: TLS handshake failed: certificate verify failed: self-signed certificate in \
                     certificate chain\n"
                ),
            )
        }),
        ("sasl_ssl_scram", ALL, |f| {
            let config = f.properties(
                "sasl-ssl.properties",
                &format!(
                    "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.\
                     common.security.scram.ScramLoginModule required username=\"{SASL_USER}\" \
                     password=\"{SASL_PASSWORD}\";\nssl.truststore.location={}\nssl.truststore.type=PEM\n",
                    pki().1.ca_pem.display()
                ),
            );
            same_answers(f, &f.kafka.sasl_ssl_bootstrap(), &config, "sasl-ssl")
        }),
        ("mutual_tls", ALL, |f| {
            let config = f.properties("mtls.properties", &mutual_tls(true));
            same_answers(f, &f.kafka.mtls_bootstrap(), &config, "mtls")
        }),
        ("mutual_tls_without_a_client_certificate_is_refused", ALL, |f| {
            let b = f.kafka.mtls_bootstrap();
            let config = f.properties("mtls-no-key.properties", &mutual_tls(false));
            let out = get_offset(&["--bootstrap-server", &b, "--command-config", &config]);
            // TLS 1.3: the broker's refusal comes as an alert on the first read; Kafka 2.8 breaks the session off.
            let why = if f.kafka.version == Version::V2_8 {
                "the TLS session broke: decryption failed or bad record mac".to_string()
            } else {
                "the broker refused this client (TLS alert: bad certificate): its listener wants a client certificate \
                 it trusts (ssl.keystore.location, or ssl.keystore.key with ssl.keystore.certificate.chain)"
                    .to_string()
            };
            refused_at_once(&out, &format!("Error: {b}: TLS handshake failed: {why}\n"))
        }),
        ("the_system_ca_store_when_none_is_configured", ALL, |f| {
            // No CA in the file: the bundle SSL_CERT_FILE names is the one trusted (the test CA), as for OpenSSL.
            let b = f.kafka.ssl_bootstrap();
            let config = f.properties("system-ca.properties", "security.protocol=SSL\n");
            let run = |bundle: &PathBuf| {
                offset_tools_tests::run::command(
                    std::process::Command::new(offset_tools_tests::run::binary("get-offset"))
                        .args(["--bootstrap-server", &b, "--command-config", &config, "--topic", "secure"])
                        .env("SSL_CERT_FILE", bundle),
                    None,
                )
            };
            assert_output(&run(&pki().1.ca_pem), "secure:0:4\nsecure:1:5\nsecure:2:6\n", "", 0);
            refused_at_once(
                &run(&pki().1.other_ca_pem),
                &format!(
                    "Error: {b}: TLS handshake failed: certificate verify failed: self-signed certificate in \
                     certificate chain\n"
                ),
            )
        }),
        ("plaintext_client_on_the_ssl_listener", ALL, |f| {
            let b = f.kafka.ssl_bootstrap();
            let out = get_offset(&["--bootstrap-server", &b]);
            // A TLS listener's alert is no Kafka frame: said at once, with the setting to check.
            refused_at_once(
                &out,
                &format!(
                    "Error: {b}: the broker did not answer in the Kafka protocol (is security.protocol right for this \
                     listener?)\n"
                ),
            )
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
