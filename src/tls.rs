//! Certificates made at test time with the JDK's keytool: a CA, a broker certificate it signs (for 127.0.0.1 and
//! localhost) in the JKS keystore Kafka 0.9 reads, and client truststores in PEM, PKCS12 and JKS form, plus a second,
//! unrelated CA for the "wrong CA" case.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The files, with their passwords.
#[derive(Debug, Clone)]
pub struct TestPki {
    pub ca_pem: PathBuf,
    pub other_ca_pem: PathBuf,
    pub broker_keystore: PathBuf,
    pub broker_password: String,
    pub truststore_p12: PathBuf,
    pub truststore_jks: PathBuf,
    pub truststore_password: String,
    /// A client's key and certificate (signed by the CA) for mutual TLS, PKCS12.
    pub client_keystore_p12: PathBuf,
    pub client_password: String,
}

fn keytool(dir: &Path, args: &[&str]) {
    let out = Command::new("keytool").current_dir(dir).args(args).output().expect("run keytool (a JDK is needed)");
    assert!(
        out.status.success(),
        "keytool {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The certificate of `alias` (its key in `store`) signed by the test CA, as `{alias}.crt` (PEM), with `extensions`.
fn signed_by_ca(dir: &Path, alias: &str, store: &str, store_pass: &str, ca_pass: &str, extensions: &[&str]) {
    let (request, certificate) = (format!("{alias}.csr"), format!("{alias}.crt"));
    keytool(dir, &["-certreq", "-alias", alias, "-keystore", store, "-storepass", store_pass, "-file", &request]);
    let sign = ["-gencert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", ca_pass, "-infile", &request];
    let out = ["-outfile", &certificate, "-validity", "3", "-rfc"];
    keytool(dir, &[&sign[..], &out[..], extensions].concat());
}

/// Makes every file in `dir` (about 5 s of keytool runs).
pub fn make_pki(dir: &Path) -> TestPki {
    let (ca_pass, broker_pass, trust_pass) = ("ca-pass-1", "broker-pass-1", "trust-pass-1");
    let san = "SAN=ip:127.0.0.1,dns:localhost";
    for (alias, store) in [("ca", "ca.p12"), ("other", "other.p12")] {
        keytool(
            dir,
            &[
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                &format!("CN=test-{alias}-ca"),
                "-ext",
                "bc:c",
                "-validity",
                "3",
                "-storetype",
                "PKCS12",
                "-keystore",
                store,
                "-storepass",
                ca_pass,
            ],
        );
        keytool(
            dir,
            &[
                "-exportcert",
                "-rfc",
                "-alias",
                alias,
                "-keystore",
                store,
                "-storepass",
                ca_pass,
                "-file",
                &format!("{alias}.pem"),
            ],
        );
    }
    keytool(
        dir,
        &[
            "-genkeypair",
            "-alias",
            "broker",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-dname",
            "CN=localhost",
            "-ext",
            san,
            "-validity",
            "3",
            "-storetype",
            "JKS",
            "-keystore",
            "broker.jks",
            "-storepass",
            broker_pass,
            "-keypass",
            broker_pass,
        ],
    );
    signed_by_ca(dir, "broker", "broker.jks", broker_pass, ca_pass, &["-ext", san]);
    keytool(
        dir,
        &[
            "-importcert",
            "-alias",
            "ca",
            "-file",
            "ca.pem",
            "-keystore",
            "broker.jks",
            "-storepass",
            broker_pass,
            "-noprompt",
        ],
    );
    keytool(
        dir,
        &[
            "-importcert",
            "-alias",
            "broker",
            "-file",
            "broker.crt",
            "-keystore",
            "broker.jks",
            "-storepass",
            broker_pass,
        ],
    );
    for (store, kind) in [("truststore.p12", "PKCS12"), ("truststore.jks", "JKS")] {
        keytool(
            dir,
            &[
                "-importcert",
                "-alias",
                "ca",
                "-file",
                "ca.pem",
                "-storetype",
                kind,
                "-keystore",
                store,
                "-storepass",
                trust_pass,
                "-noprompt",
            ],
        );
    }
    let client_pass = "client-pass-1";
    keytool(
        dir,
        &[
            "-genkeypair",
            "-alias",
            "client",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-dname",
            "CN=offset-tools-client",
            "-validity",
            "3",
            "-storetype",
            "PKCS12",
            "-keystore",
            "client.p12",
            "-storepass",
            client_pass,
        ],
    );
    signed_by_ca(dir, "client", "client.p12", client_pass, ca_pass, &[]);
    for (alias, file) in [("ca", "ca.pem"), ("client", "client.crt")] {
        keytool(
            dir,
            &[
                "-importcert",
                "-alias",
                alias,
                "-file",
                file,
                "-keystore",
                "client.p12",
                "-storepass",
                client_pass,
                "-noprompt",
            ],
        );
    }
    TestPki {
        client_keystore_p12: dir.join("client.p12"),
        client_password: client_pass.into(),
        ca_pem: dir.join("ca.pem"),
        other_ca_pem: dir.join("other.pem"),
        broker_keystore: dir.join("broker.jks"),
        broker_password: broker_pass.into(),
        truststore_p12: dir.join("truststore.p12"),
        truststore_jks: dir.join("truststore.jks"),
        truststore_password: trust_pass.into(),
    }
}
