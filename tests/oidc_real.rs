//! OAUTHBEARER with OpenID Connect (KIP-768) end to end: the tests' identity provider issues RS256 JWTs from its
//! token endpoint, and a real Kafka 4.4 broker checks them against its JWKS (`OAuthBearerValidatorCallbackHandler`).
//! The tools read Kafka's own client file (`clientId`, `clientSecret`, `scope` and SASL extensions in the login
//! module, `sasl.oauthbearer.token.endpoint.url`): a login reads offsets as GetOffsetShell does; a wrong secret, an
//! expired token and an unreachable endpoint each end in one line, exit 1, at once; no output holds the secret.

use std::io::Write;
use std::time::Duration;

use libtest_mimic::Failed;
use offset_tools_tests::compare::sorted_lines;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::identity_provider::{
    IdentityProvider, AUDIENCE, CLIENT_ID, CLIENT_SECRET, EXPIRED_CLIENT_ID, ISSUER,
};
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::produce::produce_to_each;
use offset_tools_tests::run::{get_offset, reset_offsets, Output};
use offset_tools_tests::{dead_address, scratch_dir};

const V4_4: &[Version] = &[Version::V4_4];

struct Fixture {
    kafka: Kafka,
    idp: IdentityProvider,
}

fn setup(version: Version) -> Fixture {
    let idp = IdentityProvider::start();
    let validator = "org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler";
    let kafka = Kafka::start_with(
        Options::new(version)
            .sasl()
            .setting(
                "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.\
                 oauthbearer.OAuthBearerLoginModule required ;",
            )
            .setting(&format!(
                "listener.name.sasl_plaintext.oauthbearer.sasl.server.callback.handler.class={validator}"
            ))
            .setting(&format!("sasl.oauthbearer.jwks.endpoint.url={}", idp.jwks_url()))
            .setting(&format!("sasl.oauthbearer.expected.audience={AUDIENCE}"))
            .setting(&format!("sasl.oauthbearer.expected.issuer={ISSUER}"))
            // Kafka 4 reads only the URLs it is allowed to.
            .jvm_option(&format!("-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls={}", idp.jwks_url())),
    );
    kafka.create_topic("orders", 3, &[]);
    produce_to_each(&kafka.client_config(), "orders", 3, 4);
    Fixture { kafka, idp }
}

/// Kafka's client file for OpenID Connect, as Confluent Cloud and the KIP-768 docs give it.
fn client_file(client: &str, secret: &str, endpoint: &str) -> String {
    let file = scratch_dir("oidc").join("client.properties");
    std::fs::write(
        &file,
        format!(
            "security.protocol=SASL_PLAINTEXT\n\
             sasl.mechanism=OAUTHBEARER\n\
             sasl.oauthbearer.token.endpoint.url={endpoint}\n\
             sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler\n\
             sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required \
             clientId=\"{client}\" clientSecret=\"{secret}\" scope=\"kafka offsets\" extension_logicalCluster=\"lkc-test\";\n"
        ),
    )
    .expect("write the client file");
    file.display().to_string()
}

/// get-offset over the OIDC login.
fn offsets(f: &Fixture, file: &str) -> Output {
    get_offset(&["--bootstrap-server", &f.kafka.sasl_bootstrap(), "--command-config", file, "--topic", "orders"])
}

/// One `Error:` line on stderr saying `said`, exit 1, within a few seconds, the secret nowhere.
fn one_line(out: &Output, said: &str) -> Result<(), Failed> {
    check(
        out.code == Some(1)
            && out.stdout.is_empty()
            && out.stderr.lines().count() == 1
            && out.stderr.starts_with("Error: ")
            && out.stderr.contains(said)
            && out.elapsed < Duration::from_secs(10),
        || format!("expected one error line saying {said:?}: {out:?}"),
    )?;
    check(!out.stderr.contains(CLIENT_SECRET) && !out.stdout.contains(CLIENT_SECRET), || {
        "the secret was printed".into()
    })
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("a_login_reads_what_getoffsetshell_reads", V4_4, |f| {
            let file = client_file(CLIENT_ID, CLIENT_SECRET, &f.idp.token_url());
            let before = f.idp.issued.load(std::sync::atomic::Ordering::SeqCst);
            let ours = offsets(f, &file);
            let theirs = f.kafka.get_offset_shell(&["--topic", "orders"]);
            let expected = sorted_lines(&theirs.stdout);
            check(ours.code == Some(0) && ours.stdout == expected && !expected.is_empty(), || {
                format!("----- GetOffsetShell\n{expected}----- get-offset over OIDC\n{ours:?}")
            })?;
            // One token for the run, whatever the connections.
            let asked = f.idp.issued.load(std::sync::atomic::Ordering::SeqCst) - before;
            check(asked == 1, || format!("{asked} token requests for one run"))?;
            // The same file runs a reset (dry run) through the same login.
            let reset = reset_offsets(&[
                "--bootstrap-server",
                &f.kafka.sasl_bootstrap(),
                "--command-config",
                &file,
                "--group",
                "oidc-group",
                "--topic",
                "orders",
                "--to-earliest",
                "--dry-run",
            ]);
            check(reset.code == Some(0) && reset.stdout.contains("oidc-group"), || format!("{reset:?}"))
        }),
        ("an_https_endpoint_trusted_through_the_files_truststore", V4_4, |f| {
            let file = client_file(CLIENT_ID, CLIENT_SECRET, &f.idp.https_token_url());
            let trust = format!("ssl.truststore.type=PEM\nssl.truststore.location={}\n", f.idp.ca_pem.display());
            std::fs::OpenOptions::new().append(true).open(&file).and_then(|mut w| w.write_all(trust.as_bytes()))?;
            let ours = offsets(f, &file);
            let theirs = f.kafka.get_offset_shell(&["--topic", "orders"]);
            let expected = sorted_lines(&theirs.stdout);
            check(ours.code == Some(0) && ours.stdout == expected && !expected.is_empty(), || {
                format!("----- GetOffsetShell\n{expected}----- get-offset over OIDC and HTTPS\n{ours:?}")
            })
        }),
        ("an_https_endpoint_of_a_ca_not_trusted_is_one_line", V4_4, |f| {
            // No truststore: the system's CAs, which do not know the endpoint's.
            let file = client_file(CLIENT_ID, CLIENT_SECRET, &f.idp.https_token_url());
            one_line(
                &offsets(f, &file),
                &format!(
                    "the SASL login was refused: cannot get a token from {}: Network Error: TLS: ",
                    f.idp.https_token_url()
                ),
            )?;
            let out = offsets(f, &file);
            check(out.stderr.contains("certificate verify failed"), || format!("{out:?}"))
        }),
        ("a_wrong_secret_is_the_identity_providers_refusal", V4_4, |f| {
            let file = client_file(CLIENT_ID, "not-the-secret", &f.idp.token_url());
            let out = offsets(f, &file);
            let expected = format!(
                "the SASL login was refused: the identity provider at {} refused the token request: invalid_client: \
                 client authentication failed\n",
                f.idp.token_url()
            );
            one_line(&out, &expected)?;
            check(!out.stderr.contains("not-the-secret"), || "the wrong secret was printed".into())
        }),
        ("an_expired_token_is_refused_by_the_broker", V4_4, |f| {
            let file = client_file(EXPIRED_CLIENT_ID, CLIENT_SECRET, &f.idp.token_url());
            one_line(
                &offsets(f, &file),
                "the SASL login was refused: the OAUTHBEARER token was refused: invalid_token\n",
            )
        }),
        ("an_unreachable_endpoint_is_one_line", V4_4, |f| {
            let url = format!("http://{}/token", dead_address());
            let file = client_file(CLIENT_ID, CLIENT_SECRET, &url);
            one_line(&offsets(f, &file), &format!("the SASL login was refused: cannot get a token from {url}: "))
        }),
        ("dump_config_hides_the_secret", V4_4, |f| {
            let file = client_file(CLIENT_ID, CLIENT_SECRET, &f.idp.token_url());
            let out = get_offset(&["--bootstrap-server", "127.0.0.1:1", "--command-config", &file, "--dump-config"]);
            let token_url = format!("sasl.oauthbearer.token.endpoint.url={}\n", f.idp.token_url());
            check(
                out.code == Some(0)
                    && out.stdout.contains("sasl.oauthbearer.method=oidc\n")
                    && out.stdout.contains("sasl.oauthbearer.client.id=app\n")
                    && out.stdout.contains("sasl.oauthbearer.client.secret=[hidden]\n")
                    && out.stdout.contains("sasl.oauthbearer.extensions=logicalCluster=lkc-test\n")
                    && out.stdout.contains(&token_url)
                    && !out.stdout.contains(CLIENT_SECRET),
                || format!("{out:?}"),
            )
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
