//! A real OpenSSH server for the pull tests: Debian's `sshd` on 127.0.0.1 with a throw-away
//! host key, user keys and an export root of its own that the login is chrooted to (as a
//! vendor's SFTP server does: the client sees `/logs/...`), logged in to as an unprivileged
//! user (root would read every file, and an unreadable directory could not be tested).
//!
//! A test that needs it fails when `sshd` is missing (`apt-get install -y openssh-server`, as
//! `.ci/run` does) or when it cannot create the user (it must run as root, as CI does).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const USER: &str = "mwsiem-sftp";
pub const PASSWORD: &str = "correct horse battery staple 7";
pub const PASSPHRASE: &str = "key passphrase 9";
const SSHD: &str = "/usr/sbin/sshd";

/// The unprivileged login every test server accepts (created once, with a password: a locked
/// account cannot log in at all without PAM).
fn ensure_user() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: the pull tests need Debian's openssh-server (apt-get install -y openssh-server)"
        );
        let exists = Command::new("id").arg(USER).output().unwrap().status.success();
        if !exists {
            let out = Command::new("useradd")
                .args([
                    "--system",
                    "--no-create-home",
                    "--home-dir",
                    "/nonexistent",
                    "--shell",
                    "/usr/sbin/nologin",
                    USER,
                ])
                .output()
                .expect("useradd");
            assert!(
                out.status.success() || out.status.code() == Some(9),
                "cannot create the test user {USER} (the pull tests run as root): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut chpasswd = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .expect("chpasswd");
        use std::io::Write as _;
        writeln!(chpasswd.stdin.take().unwrap(), "{USER}:{PASSWORD}").unwrap();
        assert!(chpasswd.wait().unwrap().success(), "chpasswd failed");
        // The privilege-separation directory sshd insists on (no systemd creates it here).
        std::fs::create_dir_all("/run/sshd").unwrap();
        std::fs::set_permissions("/run/sshd", std::fs::Permissions::from_mode(0o755)).unwrap();
    });
}

pub struct Sshd {
    /// Keys, config and log.
    pub dir: PathBuf,
    /// The chroot: the export root, holding `logs/`.
    chroot: PathBuf,
    pub port: u16,
    child: Option<Child>,
}

impl Sshd {
    /// Under /tmp, readable by the test user: the repository may sit under a root-only home.
    pub fn start(name: &str) -> Sshd {
        ensure_user();
        let dir = PathBuf::from(format!("/tmp/mwsiem-sshd-{name}-{}", std::process::id()));
        // sshd chroots only into a path whose every component is root-owned and writable by
        // root alone: not under /tmp (1777).
        let chroot = PathBuf::from(format!("/srv/mwsiem-sshd-{name}-{}", std::process::id()));
        for d in [&dir, &chroot] {
            let _ = std::fs::remove_dir_all(d);
        }
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(chroot.join("logs")).unwrap();
        for d in [&dir, &chroot, &chroot.join("logs")] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let keygen = |file: &str, args: &[&str]| {
            let out = Command::new("ssh-keygen")
                .args(["-q", "-C", file, "-f"])
                .arg(dir.join(file))
                .args(args)
                .output()
                .expect("ssh-keygen");
            assert!(
                out.status.success(),
                "ssh-keygen {file}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        keygen("host_ed25519", &["-t", "ed25519", "-N", ""]);
        keygen("host_other", &["-t", "ed25519", "-N", ""]);
        keygen("id_ed25519", &["-t", "ed25519", "-N", ""]);
        keygen("id_rsa", &["-t", "rsa", "-b", "3072", "-N", ""]);
        keygen("id_ecdsa", &["-t", "ecdsa", "-b", "256", "-N", ""]);
        keygen("id_encrypted", &["-t", "ed25519", "-N", PASSPHRASE]);
        keygen("id_stranger", &["-t", "ed25519", "-N", ""]);
        // And the fixture ECDSA key with a short private scalar (testdata/keys), which ssh-key
        // alone refuses, plain and encrypted.
        let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/keys");
        for (from, to) in [
            ("ecdsa_short_scalar", "id_short"),
            ("ecdsa_short_scalar_encrypted", "id_short_encrypted"),
        ] {
            std::fs::copy(keys.join(from), dir.join(to)).unwrap();
        }
        std::fs::copy(keys.join("ecdsa_short_scalar.pub"), dir.join("id_short.pub")).unwrap();
        let mut authorized = String::new();
        for k in ["id_ed25519", "id_rsa", "id_ecdsa", "id_encrypted", "id_short"] {
            authorized += &std::fs::read_to_string(dir.join(format!("{k}.pub"))).unwrap();
        }
        std::fs::write(dir.join("authorized_keys"), authorized).unwrap();
        let mut s = Sshd {
            dir,
            chroot,
            port: 0,
            child: None,
        };
        s.spawn();
        s.trust_port(s.port);
        s
    }

    fn spawn(&mut self) {
        for _ in 0..20 {
            let port = if self.port == 0 { free_port() } else { self.port };
            let d = &self.dir;
            let config = format!(
                "ListenAddress 127.0.0.1\nPort {port}\nHostKey {d}/host_ed25519\nPidFile {d}/sshd.pid\n\
                 AuthorizedKeysFile {d}/authorized_keys\nPubkeyAuthentication yes\nPasswordAuthentication yes\n\
                 KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nAllowUsers {USER}\n\
                 Subsystem sftp internal-sftp\nForceCommand internal-sftp\nChrootDirectory {c}\nAllowTcpForwarding no\n\
                 X11Forwarding no\nLogLevel VERBOSE\nMaxStartups 100\n",
                d = d.display(),
                c = self.chroot.display()
            );
            std::fs::write(self.dir.join("sshd_config"), config).unwrap();
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.join("sshd.log"))
                .unwrap();
            let mut child = Command::new(SSHD)
                .args(["-D", "-e", "-f"])
                .arg(self.dir.join("sshd_config"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .expect("sshd");
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    self.port = port;
                    self.child = Some(child);
                    return;
                }
                if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            if self.port != 0 {
                // A restart on the same port: the old listener's socket may linger briefly.
                std::thread::sleep(Duration::from_millis(200));
            }
        }
        panic!("sshd did not start; its log:\n{}", self.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }

    /// The export root served (holds `logs/`), on this machine.
    pub fn root(&self) -> PathBuf {
        self.chroot.clone()
    }

    pub fn url(&self) -> String {
        self.url_on(self.port)
    }

    pub fn url_on(&self, port: u16) -> String {
        // The login is chrooted to the export root: on the server it is `/`.
        format!("sftp://{USER}@127.0.0.1:{port}/")
    }

    pub fn known_hosts(&self) -> PathBuf {
        self.dir.join("known_hosts")
    }

    /// Records the server's host key for `[127.0.0.1]:port` (a proxy's port too).
    pub fn trust_port(&self, port: u16) {
        let key = std::fs::read_to_string(self.dir.join("host_ed25519.pub")).unwrap();
        let key: Vec<&str> = key.split_whitespace().take(2).collect();
        let mut text = std::fs::read_to_string(self.known_hosts()).unwrap_or_default();
        text += &format!("[127.0.0.1]:{port} {} {}\n", key[0], key[1]);
        std::fs::write(self.known_hosts(), text).unwrap();
    }

    /// A user key, copied to mode 0600 (ssh-keygen made it so already; tests change modes).
    pub fn key(&self, name: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    }

    /// Every process of this server: the listener and its per-connection children.
    fn tree(&self) -> Vec<i32> {
        let Some(child) = &self.child else { return Vec::new() };
        let mut pids = vec![child.id() as i32];
        let mut i = 0;
        while i < pids.len() {
            let parent = pids[i];
            for entry in std::fs::read_dir("/proc").unwrap().flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                    continue;
                };
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    continue;
                };
                // `pid (comm) state ppid ...`: comm may hold spaces, so read after the last ')'.
                let ppid = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<i32>().ok());
                if ppid == Some(parent) && !pids.contains(&pid) {
                    pids.push(pid);
                }
            }
            i += 1;
        }
        pids
    }

    fn signal(&self, sig: i32) {
        for pid in self.tree() {
            unsafe { libc_kill(pid, sig) };
        }
    }

    /// SIGSTOP the server and its sessions: a server that hangs.
    pub fn freeze(&self) {
        self.signal(19);
    }

    pub fn thaw(&self) {
        self.signal(18);
    }

    /// SIGKILL the server and every session: a crash, cut mid-transfer.
    pub fn kill(&mut self) {
        self.signal(9);
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port with the same keys.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.thaw();
        self.kill();
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
            let _ = std::fs::remove_dir_all(&self.chroot);
        }
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
