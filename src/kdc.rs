//! An MIT Kerberos KDC for the tests (Debian's krb5-kdc, `scripts/ensure-krb5.sh`), on a loopback port of its own
//! with its own realm and database in a scratch directory: principals with keytabs, tickets in caches (`kinit`),
//! and the `krb5.conf` that both the tools (`KRB5_CONFIG`) and Kafka's JVMs (`java.security.krb5.conf`) read.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REALM: &str = "OFFSETS.TEST";

/// A running KDC, killed on drop.
#[derive(Debug)]
pub struct Kdc {
    pub dir: PathBuf,
    pub port: u16,
    pub krb5_conf: PathBuf,
    process: Option<Child>,
}

/// Debian installs the KDC's programs in /usr/sbin, which a test's PATH may not hold.
fn program(name: &str) -> PathBuf {
    ["/usr/sbin", "/usr/bin", "/sbin"]
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.exists())
        .unwrap_or_else(|| panic!("{name} is not installed: run scripts/ensure-krb5.sh (make test does)"))
}

/// The name 127.0.0.1 has backwards on this host (the first for it in /etc/hosts: `localhost` on Debian), which
/// both Kafka's Java client and the GSSAPI library put in the broker's service principal.
pub fn loopback_host_name() -> String {
    let out = std::process::Command::new("getent").args(["hosts", "127.0.0.1"]).output().expect("run getent");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().nth(1).unwrap_or("localhost").to_string()
}

impl Kdc {
    pub fn start() -> Kdc {
        let dir = crate::scratch_dir("kdc");
        let port = crate::free_port();
        let krb5_conf = dir.join("krb5.conf");
        // No KDC found through DNS, TCP only. Host names are canonicalized as by default (127.0.0.1 is `localhost`
        // backwards), which is what Kafka's Java client does with an address too.
        std::fs::write(
            &krb5_conf,
            format!(
                "[libdefaults]\n  default_realm = {REALM}\n  dns_lookup_kdc = false\n  dns_lookup_realm = false\n  \
                 udp_preference_limit = 1\n  \
                 default_ccache_name = FILE:{dir}/default.ccache\n[realms]\n  {REALM} = {{\n    kdc = 127.0.0.1:{port}\n  }}\n",
                dir = dir.display()
            ),
        )
        .expect("write krb5.conf");
        std::fs::write(
            dir.join("kdc.conf"),
            format!(
                "[kdcdefaults]\n  kdc_listen = 127.0.0.1:{port}\n  kdc_tcp_listen = 127.0.0.1:{port}\n[realms]\n  \
                 {REALM} = {{\n    database_name = {dir}/principal\n    key_stash_file = {dir}/stash\n    \
                 acl_file = {dir}/kadm5.acl\n  }}\n[logging]\n  kdc = FILE:{dir}/kdc.log\n",
                dir = dir.display()
            ),
        )
        .expect("write kdc.conf");
        let mut kdc = Kdc { dir, port, krb5_conf, process: None };
        kdc.admin(&program("kdb5_util"), &["create", "-s", "-r", REALM, "-P", "test-master-key-1"]);
        let child = kdc
            .command(&program("krb5kdc"))
            .arg("-n")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start krb5kdc");
        kdc.process = Some(child);
        // Ready when its TCP port takes a connection (a busy machine may take its time).
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(Ok(Some(status))) = kdc.process.as_mut().map(Child::try_wait) {
                panic!("krb5kdc exited ({status}); its log:\n{}", kdc.log());
            }
            assert!(Instant::now() < deadline, "krb5kdc did not listen within 120 s; its log:\n{}", kdc.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        kdc
    }

    /// A command that reads this KDC's configuration.
    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("KRB5_CONFIG", &self.krb5_conf).env("KRB5_KDC_PROFILE", self.dir.join("kdc.conf"));
        cmd
    }

    fn admin(&self, program: &Path, args: &[&str]) {
        let out = self.command(program).args(args).output().expect("run a Kerberos admin program");
        assert!(
            out.status.success(),
            "{} {args:?} failed:\n{}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kdc.log")).unwrap_or_default()
    }

    /// A principal with a random key, written to a new keytab `{name}.keytab` (`/` in the name becomes `_`).
    pub fn principal_with_keytab(&self, principal: &str) -> PathBuf {
        let keytab = self.dir.join(format!("{}.keytab", principal.replace('/', "_")));
        let kadmin = program("kadmin.local");
        self.admin(&kadmin, &["-r", REALM, "-q", &format!("addprinc -randkey {principal}")]);
        let keytab_arg = keytab.display().to_string();
        self.admin(&kadmin, &["-r", REALM, "-q", &format!("ktadd -k {keytab_arg} {principal}")]);
        keytab
    }

    /// Tickets of `principal` (from its keytab) in the cache `cache`, for `lifetime` (kinit's `-l`).
    pub fn kinit(&self, principal: &str, keytab: &Path, cache: &Path, lifetime: &str) {
        let cache_arg = format!("FILE:{}", cache.display());
        let keytab_arg = keytab.display().to_string();
        self.admin(&program("kinit"), &["-l", lifetime, "-kt", &keytab_arg, "-c", &cache_arg, principal]);
    }

    /// Stops the KDC (the "KDC down" case).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.process.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Kdc {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
