//! Both tools over SSL, for real: certificates made here with keytool, Apache Kafka 0.9.0.1 with an SSL listener,
//! client properties files with a PEM truststore and with a PKCS12 truststore; a wrong CA and a JKS truststore fail
//! clearly. One broker for all cases.

use std::path::PathBuf;

use offset_tools_tests::compare::{assert_output, reset_table};
use offset_tools_tests::groups::committed;
use offset_tools_tests::harness;
use offset_tools_tests::kafka09::Kafka09;
use offset_tools_tests::run::{get_offset, reset_offsets};
use offset_tools_tests::scratch_dir;
use offset_tools_tests::tls::{make_pki, TestPki};

struct Fixture {
    kafka: Kafka09,
    pki: TestPki,
    dir: PathBuf,
}

fn setup() -> Fixture {
    let dir = scratch_dir("ssl");
    let pki = make_pki(&dir);
    let kafka = Kafka09::start_ssl(&pki);
    kafka.create_topic("secure", 3, &[]);
    for p in 0..3 {
        kafka.produce("secure", p, 2 + p as usize);
    }
    Fixture { kafka, pki, dir }
}

impl Fixture {
    fn properties(&self, name: &str, body: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn pem_config(&self) -> String {
        self.properties(
            "pem.properties",
            &format!(
                "security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location={}\n",
                self.pki.ca_pem.display()
            ),
        )
    }

    fn pkcs12_config(&self) -> String {
        self.properties(
            "pkcs12.properties",
            &format!(
                "security.protocol=SSL\nssl.truststore.type=PKCS12\nssl.truststore.location={}\nssl.truststore.password={}\n\
                 ssl.endpoint.identification.algorithm=https\n",
                self.pki.truststore_p12.display(),
                self.pki.truststore_password
            ),
        )
    }
}

const LATEST: &str = "secure:0:2\nsecure:1:3\nsecure:2:4\n";

type Case = harness::Case<Fixture>;

fn cases() -> Vec<(&'static str, Case)> {
    vec![
        ("get_offset_with_pem_truststore", |f| {
            let b = f.kafka.ssl_bootstrap();
            assert_output(
                &get_offset(&["--bootstrap-server", &b, "--command-config", &f.pem_config(), "--topic", "secure"]),
                LATEST,
                "",
                0,
            );
            Ok(())
        }),
        ("get_offset_with_pkcs12_truststore", |f| {
            let b = f.kafka.ssl_bootstrap();
            let out = get_offset(&[
                "--bootstrap-server",
                &b,
                "--command-config",
                &f.pkcs12_config(),
                "--topic",
                "secure",
                "--time",
                "-2",
            ]);
            assert_output(&out, "secure:0:0\nsecure:1:0\nsecure:2:0\n", "", 0);
            Ok(())
        }),
        ("old_offsets_option_over_ssl", |f| {
            // --offsets N is ListOffsets v0, which the tools send over any listener; the reference is 0.9's own
            // GetOffsetShell (over PLAINTEXT: it cannot do SSL).
            let b = f.kafka.ssl_bootstrap();
            let args = ["--topic", "secure", "--time", "-1", "--offsets", "3"];
            let reference = f.kafka.get_offset_shell(&args);
            let mut expected: Vec<&str> = reference.stdout.lines().collect();
            expected.sort();
            let expected: String = expected.iter().map(|l| format!("{l}\n")).collect();
            if reference.code != Some(0) || expected.lines().count() != 3 {
                return Err(format!("GetOffsetShell: {reference:?}").into());
            }
            let out = get_offset(
                &[&["--bootstrap-server", b.as_str(), "--command-config", &f.pem_config()][..], &args].concat(),
            );
            assert_output(&out, &expected, "", 0);
            Ok(())
        }),
        ("reset_offsets_with_pem_truststore", |f| {
            let b = f.kafka.ssl_bootstrap();
            let out = reset_offsets(&[
                "--bootstrap-server",
                &b,
                "--command-config",
                &f.pem_config(),
                "--group",
                "ssl-pem",
                "--topic",
                "secure",
                "--to-latest",
                "--execute",
            ]);
            assert_output(
                &out,
                &reset_table(&[("ssl-pem", "secure", 0, 2), ("ssl-pem", "secure", 1, 3), ("ssl-pem", "secure", 2, 4)]),
                "",
                0,
            );
            let got = committed(&f.kafka.client_config(), "ssl-pem", "secure", &[0, 1, 2]);
            if got != [Some(2), Some(3), Some(4)] {
                return Err(format!("read back over PLAINTEXT: {got:?}").into());
            }
            Ok(())
        }),
        ("reset_offsets_with_pkcs12_truststore", |f| {
            let b = f.kafka.ssl_bootstrap();
            let out = reset_offsets(&[
                "--bootstrap-server",
                &b,
                "--command-config",
                &f.pkcs12_config(),
                "--group",
                "ssl-p12",
                "--topic",
                "secure:1",
                "--to-offset",
                "1",
                "--execute",
                "--export",
            ]);
            assert_output(&out, "secure,1,1\n\n", "", 0);
            let got = committed(&f.kafka.client_config(), "ssl-p12", "secure", &[1]);
            if got != [Some(1)] {
                return Err(format!("read back over PLAINTEXT: {got:?}").into());
            }
            Ok(())
        }),
        ("wrong_ca_fails_clearly", |f| {
            let b = f.kafka.ssl_bootstrap();
            let config = f.properties(
                "wrong-ca.properties",
                &format!("security.protocol=SSL\nssl.truststore.location={}\n", f.pki.other_ca_pem.display()),
            );
            for out in [
                get_offset(&["--bootstrap-server", &b, "--command-config", &config, "--timeout", "40000"]),
                reset_offsets(&[
                    "--bootstrap-server",
                    &b,
                    "--command-config",
                    &config,
                    "--timeout",
                    "40000",
                    "--group",
                    "g",
                    "--topic",
                    "secure",
                    "--to-latest",
                    "--dry-run",
                ]),
            ] {
                assert_output(
                    &out,
                    "",
                    &format!(
                        "Error: {b}: TLS handshake failed: certificate verify failed: self-signed certificate in \
                         certificate chain\n"
                    ),
                    1,
                );
                // Final at once, not retried until the timeout.
                if out.elapsed > std::time::Duration::from_secs(15) {
                    return Err(format!("took {:?}", out.elapsed).into());
                }
            }
            Ok(())
        }),
        ("jks_truststore_gets_the_keytool_command", |f| {
            let b = f.kafka.ssl_bootstrap();
            let jks = f.pki.truststore_jks.display().to_string();
            let config = f.properties(
                "jks.properties",
                &format!(
                    "security.protocol=SSL\nssl.truststore.location={jks}\nssl.truststore.password={}\n",
                    f.pki.truststore_password
                ),
            );
            let p12 = format!("{}.p12", jks.strip_suffix(".jks").unwrap());
            assert_output(
                &get_offset(&["--bootstrap-server", &b, "--command-config", &config]),
                "",
                &format!(
                    "Error: --command-config: ssl.truststore.location: {jks} is a JKS store, which these tools cannot \
                     read; convert it once with: keytool -importkeystore -srckeystore {jks} -srcstoretype JKS -destkeystore \
                     {p12} -deststoretype PKCS12, then set ssl.truststore.location={p12} and ssl.truststore.type=PKCS12\n"
                ),
                2,
            );
            Ok(())
        }),
    ]
}

fn teardown(fixture: Fixture) {
    let dir = fixture.dir.clone();
    drop(fixture);
    let _ = std::fs::remove_dir_all(dir);
}

fn main() {
    harness::run_shared(setup, cases(), teardown);
}
