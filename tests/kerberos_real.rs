//! Kerberos (SASL GSSAPI) end to end: an MIT KDC the test starts on loopback with its own realm, and a real Kafka
//! broker with a GSSAPI listener (its service principal `kafka/<name of 127.0.0.1>` in a keytab, `kafka/localhost`
//! on Debian: the name both Kafka's Java client and the GSSAPI library give 127.0.0.1). The tools read the client
//! file Kafka's own tools take (`Krb5LoginModule` with a keytab, or a ticket cache) and log in through the system's
//! GSSAPI library: a keytab login reads what GetOffsetShell reads with the same file; a ticket cache (named, or
//! `KRB5CCNAME`) works too; a principal not in the keytab, an expired ticket and a KDC that is down each end in one
//! line, exit 1, at once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use libtest_mimic::Failed;
use offset_tools_tests::compare::sorted_lines;
use offset_tools_tests::harness::{self, check, VersionCase};
use offset_tools_tests::kafka::{Kafka, Options, Version};
use offset_tools_tests::kdc::{loopback_host_name, Kdc, REALM};
use offset_tools_tests::produce::produce_to_each;
use offset_tools_tests::run::{binary, command, Output};
use offset_tools_tests::{dead_address, scratch_dir};

const VERSIONS: &[Version] = &[Version::V3_9, Version::V4_4];
const CLIENT: &str = "migrator";

struct Fixture {
    kafka: Kafka,
    kdc: Kdc,
    client_keytab: PathBuf,
}

fn setup(version: Version) -> Fixture {
    let kdc = Kdc::start();
    let broker = format!("kafka/{}", loopback_host_name());
    let broker_keytab = kdc.principal_with_keytab(&broker);
    let client_keytab = kdc.principal_with_keytab(CLIENT);
    let kafka = Kafka::start_with(
        Options::new(version)
            .sasl()
            .setting("sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER,GSSAPI")
            .setting("sasl.kerberos.service.name=kafka")
            .setting(&format!(
                "listener.name.sasl_plaintext.gssapi.sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule \
                 required useKeyTab=true storeKey=true keyTab=\"{}\" principal=\"{broker}@{REALM}\";",
                broker_keytab.display()
            ))
            .jvm_option(&format!("-Djava.security.krb5.conf={}", kdc.krb5_conf.display())),
    );
    kafka.create_topic("orders", 3, &[]);
    produce_to_each(&kafka.client_config(), "orders", 3, 4);
    Fixture { kafka, kdc, client_keytab }
}

/// Kafka's client file for a keytab or a ticket-cache login, as Kafka's security docs give it.
fn client_file(login: &str) -> PathBuf {
    let file = scratch_dir("krb5-client").join("client.properties");
    std::fs::write(
        &file,
        format!(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=GSSAPI\nsasl.kerberos.service.name=kafka\n\
             sasl.jaas.config=com.sun.security.auth.module.Krb5LoginModule required {login};\n"
        ),
    )
    .expect("write the client file");
    file
}

fn keytab_login(keytab: &Path, principal: &str) -> String {
    format!("useKeyTab=true storeKey=true keyTab=\"{}\" principal=\"{principal}@{REALM}\"", keytab.display())
}

/// get-offset over the GSSAPI listener with `krb5_conf` and more of the environment.
fn offsets(f: &Fixture, file: &Path, krb5_conf: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(binary("get-offset"));
    cmd.args(["--bootstrap-server", &f.kafka.sasl_bootstrap(), "--command-config"])
        .arg(file)
        .args(["--topic", "orders", "--timeout", "20000"])
        .env("KRB5_CONFIG", krb5_conf)
        .env_remove("KRB5CCNAME")
        .envs(env.iter().copied());
    command(&mut cmd, None)
}

/// What GetOffsetShell prints with the same client file, sorted as get-offset prints it.
fn getoffsetshell(f: &Fixture, file: &Path) -> Result<String, Failed> {
    let bootstrap = f.kafka.sasl_bootstrap();
    let file = file.display().to_string();
    let jvm = [format!("-Djava.security.krb5.conf={}", f.kdc.krb5_conf.display())];
    let args = ["--bootstrap-server", bootstrap.as_str(), "--command-config", file.as_str(), "--topic", "orders"];
    let theirs = f.kafka.tool_with_jvm(f.kafka.version.get_offset_shell(), &args, &jvm);
    let expected = sorted_lines(&theirs.stdout);
    check(theirs.code == Some(0) && expected.lines().count() == 3, || {
        format!("GetOffsetShell over GSSAPI: {theirs:?}")
    })?;
    Ok(expected)
}

/// One `Error:` line on stderr, exactly `said`, exit 1, at once.
fn one_line(out: &Output, said: &str) -> Result<(), Failed> {
    check(
        out.code == Some(1) && out.stdout.is_empty() && out.stderr == said && out.elapsed < Duration::from_secs(10),
        || format!("expected exit 1 and stderr {said:?} within 10 s: {out:?}"),
    )
}

fn cases() -> Vec<VersionCase<Fixture>> {
    vec![
        ("a_keytab_login_reads_what_getoffsetshell_reads", VERSIONS, |f| {
            let file = client_file(&keytab_login(&f.client_keytab, CLIENT));
            let expected = getoffsetshell(f, &file)?;
            let ours = offsets(f, &file, &f.kdc.krb5_conf, &[]);
            check(ours.code == Some(0) && ours.stdout == expected && ours.stderr.is_empty(), || {
                format!("----- GetOffsetShell\n{expected}----- get-offset over GSSAPI\n{ours:?}")
            })?;
            // The same login serves the other tools: a reset's dry run plans every partition of the topic.
            let reset = command(
                std::process::Command::new(binary("reset-offsets"))
                    .args(["--bootstrap-server", &f.kafka.sasl_bootstrap(), "--command-config"])
                    .arg(&file)
                    .args(["--group", "krb5-group", "--topic", "orders", "--to-earliest", "--dry-run"])
                    .env("KRB5_CONFIG", &f.kdc.krb5_conf),
                None,
            );
            check(
                reset.code == Some(0) && reset.stdout.lines().filter(|l| l.starts_with("krb5-group ")).count() == 3,
                || format!("reset-offsets over GSSAPI: {reset:?}"),
            )
        }),
        ("a_ticket_cache_named_or_from_krb5ccname", VERSIONS, |f| {
            let cache = scratch_dir("krb5-cache").join("ccache");
            f.kdc.kinit(&format!("{CLIENT}@{REALM}"), &f.client_keytab, &cache, "10m");
            let expected = getoffsetshell(f, &client_file(&keytab_login(&f.client_keytab, CLIENT)))?;
            let named = client_file(&format!("useTicketCache=true ticketCache=\"{}\"", cache.display()));
            let ours = offsets(f, &named, &f.kdc.krb5_conf, &[]);
            check(ours.code == Some(0) && ours.stdout == expected, || format!("ticketCache: {ours:?}"))?;
            let default = client_file("useTicketCache=true");
            let ccname = format!("FILE:{}", cache.display());
            let ours = offsets(f, &default, &f.kdc.krb5_conf, &[("KRB5CCNAME", &ccname)]);
            check(ours.code == Some(0) && ours.stdout == expected, || format!("KRB5CCNAME: {ours:?}"))
        }),
        ("a_principal_not_in_the_keytab_is_one_line", VERSIONS, |f| {
            let file = client_file(&keytab_login(&f.client_keytab, "intruder"));
            let out = offsets(f, &file, &f.kdc.krb5_conf, &[]);
            one_line(
                &out,
                &format!(
                    "Error: {}: the SASL login was refused: GSSAPI: cannot log in with the keytab {}: it holds no key \
                     of intruder@{REALM}\n",
                    f.kafka.sasl_bootstrap(),
                    f.client_keytab.display()
                ),
            )
        }),
        ("an_expired_ticket_is_one_line", VERSIONS, |f| {
            let cache = scratch_dir("krb5-expired").join("ccache");
            f.kdc.kinit(&format!("{CLIENT}@{REALM}"), &f.client_keytab, &cache, "2s");
            std::thread::sleep(Duration::from_secs(4));
            let file = client_file(&format!("useTicketCache=true ticketCache=\"{}\"", cache.display()));
            let out = offsets(f, &file, &f.kdc.krb5_conf, &[]);
            one_line(
                &out,
                &format!(
                    "Error: {}: the SASL login was refused: GSSAPI: the Kerberos login failed: Ticket expired\n",
                    f.kafka.sasl_bootstrap()
                ),
            )
        }),
        ("a_kdc_that_is_down_is_one_line", VERSIONS, |f| {
            // The same realm, its KDC at an address where nothing listens.
            let conf = scratch_dir("krb5-down").join("krb5.conf");
            let text = std::fs::read_to_string(&f.kdc.krb5_conf)?;
            let text = text.replace(&format!("127.0.0.1:{}", f.kdc.port), &dead_address());
            std::fs::write(&conf, text)?;
            let file = client_file(&keytab_login(&f.client_keytab, CLIENT));
            let out = offsets(f, &file, &conf, &[]);
            one_line(
                &out,
                &format!(
                    "Error: {}: the SASL login was refused: GSSAPI: cannot log in with the keytab {}: Cannot contact \
                     any KDC for realm '{REALM}'\n",
                    f.kafka.sasl_bootstrap(),
                    f.client_keytab.display()
                ),
            )
        }),
        ("a_host_without_kerberos_names_the_library", VERSIONS, |f| {
            // The library looked for under another name (a test build's hook): as on a host without Kerberos.
            let file = client_file(&keytab_login(&f.client_keytab, CLIENT));
            let missing = [("KAFKA_OFFSETS_TEST_GSSAPI_LIBRARY", "libgssapi_krb5.so.0-absent")];
            one_line(
                &offsets(f, &file, &f.kdc.krb5_conf, &missing),
                &format!(
                    "Error: {}: the SASL login was refused: GSSAPI: MIT Kerberos's libgssapi_krb5.so.2 is needed \
                     (package libgssapi-krb5-2 on Debian and Ubuntu, krb5-libs on RHEL): libgssapi_krb5.so.0-absent: cannot open shared object file: No such file or directory\n",
                    f.kafka.sasl_bootstrap()
                ),
            )
        }),
        ("dump_config_shows_the_login", VERSIONS, |f| {
            let file = client_file(&keytab_login(&f.client_keytab, CLIENT));
            let out = command(
                std::process::Command::new(binary("get-offset"))
                    .arg("--command-config")
                    .arg(&file)
                    .arg("--dump-config"),
                None,
            );
            let expected = format!(
                "# client settings (secrets hidden)\nbootstrap.servers=\nclient.id=get-offset\ntimeout.ms=30000\n\
                 security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=GSSAPI\nsasl.kerberos.service.name=kafka\n\
                 sasl.kerberos.keytab={}\nsasl.kerberos.principal={CLIENT}@{REALM}\n",
                f.client_keytab.display()
            );
            check(out.code == Some(0) && out.stdout == expected, || format!("expected:\n{expected}{out:?}"))
        }),
    ]
}

fn main() {
    harness::run_per_version(setup, cases());
}
