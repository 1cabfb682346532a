//! `scripts/install.sh`, the installer the GitHub Action runs, against fake releases in a
//! temporary directory served as `file://` URLs: it installs a verified binary and puts its
//! directory on `$GITHUB_PATH`, refuses an archive whose checksum does not match, checks the
//! build provenance attestation with `gh` when it can and refuses the archive when that check
//! fails (a stand-in `gh` that passes or fails), says what it verified, and fails clearly on a
//! target with no prebuilt binary. The "binary" is a small shell script that prints a version,
//! so the tests run on any Unix with bash, curl and tar (they are skipped, loudly, where one of
//! those is missing). The script runs with a PATH that holds no real `gh`, so what it verifies
//! does not depend on the machine.

#[cfg(unix)]
mod unix {

    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    fn script() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install.sh")
    }

    /// The first of the tools the script needs that is not installed.
    fn missing_tool() -> Option<&'static str> {
        ["bash", "curl", "tar"]
            .into_iter()
            .find(|t| Command::new(t).arg("--version").output().is_err())
    }

    /// Returns early from a test, saying so, when the script cannot run here.
    macro_rules! require_tools {
    ($($extra:literal),*) => {
        if let Some(tool) = missing_tool() {
            eprintln!("SKIPPED {}: `{tool}` is not installed (scripts/install.sh needs bash, curl and tar)", module_path!());
            return;
        }
        $(
            if Command::new($extra).arg("-v").output().is_err() {
                eprintln!("SKIPPED {}: `{}` is not installed", module_path!(), $extra);
                return;
            }
        )*
    };
}

    /// A temporary workspace: `release/` (what the release base URL serves), `bin/` (the install
    /// directory), `github_path` and `github_output` (the runner's files), `tmp/` (TMPDIR).
    struct Sandbox {
        dir: tempfile::TempDir,
    }

    impl Sandbox {
        fn new() -> Sandbox {
            let s = Sandbox {
                dir: tempfile::tempdir().unwrap(),
            };
            for d in ["release", "stage", "tmp", "home", "fakebin", "tools"] {
                fs::create_dir_all(s.path(d)).unwrap();
            }
            s.link_tools_but_gh();
            fs::write(s.path("github_path"), "").unwrap();
            fs::write(s.path("github_output"), "").unwrap();
            s
        }

        fn path(&self, rel: &str) -> PathBuf {
            self.dir.path().join(rel)
        }

        fn base_url(&self) -> String {
            format!("file://{}", self.path("release").display())
        }

        fn install_dir(&self) -> PathBuf {
            self.path("bin")
        }

        /// `tools/`: a link to every program on this PATH but `gh`, so that the script finds
        /// a `gh` only when a test puts one in `fakebin/`.
        fn link_tools_but_gh(&self) {
            let path = std::env::var_os("PATH").unwrap_or_default();
            for dir in std::env::split_paths(&path) {
                for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                    let name = entry.file_name();
                    let link = self.path("tools").join(&name);
                    if name == "gh" || link.symlink_metadata().is_ok() {
                        continue;
                    }
                    let _ = std::os::unix::fs::symlink(entry.path(), link);
                }
            }
        }

        /// A stand-in for the GitHub CLI in `fakebin/`: it logs each call with the GH_TOKEN it
        /// was given; `auth token` succeeds when FAKE_GH_LOGGED_IN is set; `attestation verify`
        /// succeeds when FAKE_GH_VERIFY is `ok` and fails otherwise.
        fn fake_gh(&self) -> PathBuf {
            let log = self.path("gh-calls");
            let script = r#"#!/bin/sh
printf '%s | GH_TOKEN=%s\n' "$*" "${GH_TOKEN:-}" >> '@LOG@'
case "$1 $2" in
  'auth token')
    [ -n "${FAKE_GH_LOGGED_IN:-}" ] && echo stored-token && exit 0
    exit 1 ;;
  'attestation verify')
    case " $* " in *' --help '*) exit 0 ;; esac
    if [ "${FAKE_GH_VERIFY:-}" = ok ]; then echo 'Verification succeeded!'; exit 0; fi
    echo 'Error: no matching attestations found' >&2
    exit 1 ;;
esac
echo "fake gh: unexpected call: $*" >&2
exit 2
"#;
            write_executable(
                &self.path("fakebin/gh"),
                &script.replace("@LOG@", &log.display().to_string()),
            );
            log
        }

        /// Adds `keelhaul-VERSION-TARGET.tar.gz` (a directory holding the fake binary, as the
        /// release workflow packs it) to the release and rewrites SHA256SUMS for every archive.
        fn publish(&self, version: &str, target: &str) -> PathBuf {
            let name = format!("keelhaul-{version}-{target}");
            let exe = if target.contains("windows") {
                "keelhaul.exe"
            } else {
                "keelhaul"
            };
            let staged = self.path("stage").join(&name);
            fs::create_dir_all(&staged).unwrap();
            // It writes its environment to $KEELHAUL_ENV_DUMP when that is set.
            write_executable(
                &staged.join(exe),
                &format!(
                    "#!/bin/sh\n[ -z \"$KEELHAUL_ENV_DUMP\" ] || env > \"$KEELHAUL_ENV_DUMP\"\n\
                     echo \"keelhaul {version} ({target}, fake)\"\n"
                ),
            );
            fs::write(staged.join("README.md"), "keelhaul\n").unwrap();

            let archive = if target.contains("windows") {
                let archive = self.path("release").join(format!("{name}.zip"));
                run_ok(
                    Command::new("zip")
                        .arg("-qr")
                        .arg(&archive)
                        .arg(&name)
                        .current_dir(self.path("stage")),
                );
                archive
            } else {
                let archive = self.path("release").join(format!("{name}.tar.gz"));
                run_ok(
                    Command::new("tar")
                        .arg("-czf")
                        .arg(&archive)
                        .arg("-C")
                        .arg(self.path("stage"))
                        .arg(&name),
                );
                archive
            };
            self.write_sums();
            archive
        }

        /// SHA256SUMS for every archive in the release, computed here, not with the tools the
        /// script uses.
        fn write_sums(&self) {
            let mut names: Vec<String> = fs::read_dir(self.path("release"))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| n.starts_with("keelhaul-"))
                .collect();
            names.sort();
            let sums: String = names
                .iter()
                .map(|n| {
                    let bytes = fs::read(self.path("release").join(n)).unwrap();
                    format!("{}  {n}\n", hex(&sha256(&bytes)))
                })
                .collect();
            fs::write(self.path("release/SHA256SUMS"), sums).unwrap();
        }

        /// Runs the script with a clean environment: only PATH (`fakebin/`, then `tools/`),
        /// HOME, TMPDIR, the release base, the install directory, the runner's files and `vars`.
        fn install(&self, vars: &[(&str, &str)]) -> Output {
            let path = format!(
                "{}:{}",
                self.path("fakebin").display(),
                self.path("tools").display()
            );
            let mut cmd = Command::new("bash");
            cmd.arg(script())
                .env_clear()
                .env("PATH", path)
                .env("HOME", self.path("home"))
                .env("TMPDIR", self.path("tmp"))
                .env("KEELHAUL_RELEASE_BASE", self.base_url())
                .env("KEELHAUL_INSTALL_DIR", self.install_dir())
                .env("GITHUB_PATH", self.path("github_path"))
                .env("GITHUB_OUTPUT", self.path("github_output"))
                .current_dir(self.path("home"));
            for (k, v) in vars {
                cmd.env(k, v);
            }
            let out = cmd.output().unwrap();
            eprintln!(
                "--- install.sh exit {:?}\n--- stdout\n{}--- stderr\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            out
        }

        fn github_path(&self) -> String {
            fs::read_to_string(self.path("github_path")).unwrap()
        }

        /// The script's temporary directories must be gone, whatever happened.
        fn assert_cleaned_up(&self) {
            let left: Vec<_> = fs::read_dir(self.path("tmp")).unwrap().collect();
            assert!(left.is_empty(), "temporary files left behind: {left:?}");
        }

        /// Nothing installed and nothing added to PATH.
        fn assert_nothing_installed(&self) {
            assert!(
                !self.install_dir().join("keelhaul").exists(),
                "a binary was installed"
            );
            assert_eq!(self.github_path(), "", "GITHUB_PATH was written");
            self.assert_cleaned_up();
        }
    }

    fn write_executable(path: &Path, text: &str) {
        fs::write(path, text).unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn run_ok(cmd: &mut Command) {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn stderr(out: &Output) -> String {
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Runs the installed binary and returns what it printed.
    fn run_installed(bin: &Path) -> String {
        let out = Command::new(bin).arg("--version").output().unwrap();
        assert!(out.status.success(), "{} does not run", bin.display());
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    const LINUX_X64: &str = "x86_64-unknown-linux-musl";

    #[test]
    fn installs_the_verified_binary_and_puts_its_directory_on_github_path() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);
        sb.publish("1.2.3", "aarch64-apple-darwin");

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "v1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
        ]);
        assert!(out.status.success(), "install failed: {}", stderr(&out));

        let bin = sb.install_dir().join("keelhaul");
        let mode = fs::metadata(&bin).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "not executable: {mode:o}");
        assert_eq!(
            run_installed(&bin),
            "keelhaul 1.2.3 (x86_64-unknown-linux-musl, fake)"
        );
        assert_eq!(
            sb.github_path(),
            format!("{}\n", sb.install_dir().display())
        );
        let output = fs::read_to_string(sb.path("github_output")).unwrap();
        assert_eq!(output, format!("bin={}\n", bin.display()));
        assert!(String::from_utf8_lossy(&out.stdout).contains("checksum verified"));
        sb.assert_cleaned_up();

        // Installing again replaces the binary in place.
        sb.publish("1.2.4", LINUX_X64);
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.4"),
            ("KEELHAUL_TARGET", LINUX_X64),
        ]);
        assert!(
            out.status.success(),
            "second install failed: {}",
            stderr(&out)
        );
        assert_eq!(
            run_installed(&bin),
            "keelhaul 1.2.4 (x86_64-unknown-linux-musl, fake)"
        );
    }

    #[test]
    fn a_corrupted_archive_is_refused_and_nothing_is_installed() {
        require_tools!();
        let sb = Sandbox::new();
        let archive = sb.publish("1.2.3", LINUX_X64);
        // Flip a byte after SHA256SUMS was written: still a plausible download, the wrong one.
        let mut bytes = fs::read(&archive).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        fs::write(&archive, bytes).unwrap();

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
        ]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(err.contains("checksum mismatch"), "{err}");
        assert!(
            err.contains("keelhaul-1.2.3-x86_64-unknown-linux-musl.tar.gz"),
            "{err}"
        );
        assert!(err.contains("nothing was installed"), "{err}");
        sb.assert_nothing_installed();
    }

    #[test]
    fn an_archive_missing_from_sha256sums_is_refused() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);
        fs::write(
            sb.path("release/SHA256SUMS"),
            format!("{}  keelhaul-1.2.3-other.tar.gz\n", "0".repeat(64)),
        )
        .unwrap();

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
        ]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains("no checksum for keelhaul-1.2.3-x86_64-unknown-linux-musl.tar.gz"),
            "{err}"
        );
        sb.assert_nothing_installed();

        // No SHA256SUMS at all: refused too, never installed unverified.
        fs::remove_file(sb.path("release/SHA256SUMS")).unwrap();
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
        ]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("without verifying its checksum"),
            "{}",
            stderr(&out)
        );
        sb.assert_nothing_installed();
    }

    #[test]
    fn an_unknown_target_is_a_clear_error_when_building_from_source_is_off() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", "riscv64-unknown-linux-gnu"),
            ("KEELHAUL_BUILD_FROM_SOURCE", "0"),
        ]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains("no prebuilt keelhaul binary for target riscv64-unknown-linux-gnu"),
            "{err}"
        );
        assert!(
            err.contains("x86_64-unknown-linux-musl"),
            "lists the prebuilt targets: {err}"
        );
        assert!(err.contains("KEELHAUL_BUILD_FROM_SOURCE=0"), "{err}");
        sb.assert_nothing_installed();
    }

    #[test]
    fn a_version_without_a_release_asset_is_a_clear_error_when_building_from_source_is_off() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "9.9.9"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("KEELHAUL_BUILD_FROM_SOURCE", "0"),
        ]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains("no release asset keelhaul-9.9.9-x86_64-unknown-linux-musl.tar.gz"),
            "{err}"
        );
        sb.assert_nothing_installed();
    }

    #[test]
    fn not_a_version_is_refused() {
        require_tools!();
        let sb = Sandbox::new();
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2; rm -rf /"),
            ("KEELHAUL_TARGET", LINUX_X64),
        ]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("not a keelhaul version"),
            "{}",
            stderr(&out)
        );
        sb.assert_nothing_installed();
    }

    #[test]
    fn without_a_prebuilt_binary_it_builds_from_the_action_source_with_cargo_install() {
        require_tools!();
        let sb = Sandbox::new();
        // A stand-in for cargo: records its arguments and "builds" into --root.
        write_executable(
            &sb.path("fakebin/cargo"),
            "#!/bin/sh\n\
         printf '%s\\n' \"$@\" > \"$CARGO_ARGS_LOG\"\n\
         root=\n\
         while [ $# -gt 0 ]; do\n\
           if [ \"$1\" = --root ]; then root=$2; fi\n\
           shift\n\
         done\n\
         mkdir -p \"$root/bin\"\n\
         printf '#!/bin/sh\\necho \"keelhaul from source\"\\n' > \"$root/bin/keelhaul\"\n\
         chmod +x \"$root/bin/keelhaul\"\n",
        );
        let log = sb.path("cargo-args");
        let log_str = log.to_str().unwrap();

        // No asset for the target: the default ("auto") falls back to cargo.
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", "riscv64-unknown-linux-gnu"),
            ("CARGO_ARGS_LOG", log_str),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("building from source instead"), "{stdout}");
        let args: Vec<String> = fs::read_to_string(&log)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        let repo = fs::canonicalize(env!("CARGO_MANIFEST_DIR")).unwrap();
        let path_at = args.iter().position(|a| a == "--path").expect("--path");
        assert_eq!(args[0], "install");
        assert!(args.iter().any(|a| a == "--locked"), "{args:?}");
        assert_eq!(fs::canonicalize(&args[path_at + 1]).unwrap(), repo);
        let bin = sb.install_dir().join("keelhaul");
        assert_eq!(run_installed(&bin), "keelhaul from source");
        assert_eq!(
            sb.github_path(),
            format!("{}\n", sb.install_dir().display())
        );
        sb.assert_cleaned_up();

        // KEELHAUL_BUILD_FROM_SOURCE=1 builds even when a release asset exists.
        sb.publish("1.2.3", LINUX_X64);
        fs::remove_file(&bin).unwrap();
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("KEELHAUL_BUILD_FROM_SOURCE", "1"),
            ("CARGO_ARGS_LOG", log_str),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(run_installed(&bin), "keelhaul from source");
    }

    const ATTESTED_ARCHIVE: &str = "keelhaul-1.2.3-x86_64-unknown-linux-musl.tar.gz";

    fn stdout(out: &Output) -> String {
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn with_gh_and_a_token_the_attestation_is_verified_and_the_token_reaches_gh_alone() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);
        let log = sb.fake_gh();
        let dump = sb.path("binary-env");

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("GH_TOKEN", "token-for-gh-only"),
            ("FAKE_GH_VERIFY", "ok"),
            ("KEELHAUL_ENV_DUMP", dump.to_str().unwrap()),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let calls = fs::read_to_string(&log).unwrap();
        let verify = format!(
            "attestation verify {ATTESTED_ARCHIVE} --repo keelhaul-dev/keelhaul \
             --signer-workflow keelhaul-dev/keelhaul/.github/workflows/release.yml \
             | GH_TOKEN=token-for-gh-only"
        );
        assert!(calls.lines().any(|l| l == verify), "{calls}");
        let said = stdout(&out);
        assert!(said.contains("checksum verified"), "{said}");
        assert!(
            said.contains("build provenance attestation: verified: built by keelhaul-dev/keelhaul/.github/workflows/release.yml"),
            "{said}"
        );
        // The binary ran (--version, before it was put in place) without the token.
        let env = fs::read_to_string(&dump).unwrap();
        assert!(env.contains("KEELHAUL_ENV_DUMP="), "{env}");
        assert!(!env.contains("token-for-gh-only"), "{env}");
        assert_eq!(
            run_installed(&sb.install_dir().join("keelhaul")),
            "keelhaul 1.2.3 (x86_64-unknown-linux-musl, fake)"
        );

        // Logged in with `gh auth login` and no GH_TOKEN: verified too.
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("FAKE_GH_LOGGED_IN", "1"),
            ("FAKE_GH_VERIFY", "ok"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("build provenance attestation: verified"),
            "{}",
            stdout(&out)
        );
    }

    #[test]
    fn an_attestation_that_does_not_verify_stops_the_install() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);
        sb.fake_gh();

        // The checksum matches (SHA256SUMS comes from the same place as the archive), but the
        // attestation does not: nothing is installed, by default as when it is required.
        for mode in ["auto", "1"] {
            let out = sb.install(&[
                ("KEELHAUL_VERSION", "1.2.3"),
                ("KEELHAUL_TARGET", LINUX_X64),
                ("GH_TOKEN", "t"),
                ("FAKE_GH_VERIFY", "fail"),
                ("KEELHAUL_VERIFY_ATTESTATION", mode),
            ]);
            assert!(!out.status.success(), "{mode}");
            let err = stderr(&out);
            assert!(
                err.contains(&format!(
                    "the build provenance attestation of {ATTESTED_ARCHIVE} does not verify"
                )),
                "{err}"
            );
            assert!(
                err.contains("no matching attestations found"),
                "gh's reason: {err}"
            );
            assert!(err.contains("Nothing was installed"), "{err}");
            assert!(stdout(&out).contains("checksum verified"));
            sb.assert_nothing_installed();
        }
    }

    #[test]
    fn without_gh_only_the_checksum_is_verified_and_the_install_says_so() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("GH_TOKEN", "t"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let said = stdout(&out);
        assert!(
            said.contains("SHA-256: verified against SHA256SUMS"),
            "{said}"
        );
        assert!(
            said.contains(
                "build provenance attestation: not verified: the GitHub CLI (gh) is not installed"
            ),
            "{said}"
        );

        // KEELHAUL_VERIFY_ATTESTATION=1 requires it: refused.
        fs::remove_file(sb.install_dir().join("keelhaul")).unwrap();
        fs::write(sb.path("github_path"), "").unwrap();
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("KEELHAUL_VERIFY_ATTESTATION", "1"),
        ]);
        assert!(!out.status.success());
        let err = stderr(&out);
        assert!(
            err.contains(
                "KEELHAUL_VERIFY_ATTESTATION=1 but the GitHub CLI (gh) is not installed: nothing was installed"
            ),
            "{err}"
        );
        sb.assert_nothing_installed();
    }

    #[test]
    fn gh_without_a_token_is_not_asked_unless_the_attestation_is_required() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);
        let log = sb.fake_gh();

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("FAKE_GH_VERIFY", "ok"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains("build provenance attestation: not verified: gh has no token"),
            "{}",
            stdout(&out)
        );
        let calls = fs::read_to_string(&log).unwrap();
        assert!(!calls.contains(ATTESTED_ARCHIVE), "{calls}");

        fs::remove_file(sb.install_dir().join("keelhaul")).unwrap();
        fs::write(sb.path("github_path"), "").unwrap();
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("KEELHAUL_VERIFY_ATTESTATION", "1"),
        ]);
        assert!(!out.status.success());
        assert!(stderr(&out).contains("gh has no token"), "{}", stderr(&out));
        sb.assert_nothing_installed();
    }

    #[test]
    fn the_attestation_check_can_be_turned_off_and_bad_values_are_refused() {
        require_tools!();
        let sb = Sandbox::new();
        sb.publish("1.2.3", LINUX_X64);
        let log = sb.fake_gh();

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("GH_TOKEN", "t"),
            ("FAKE_GH_VERIFY", "fail"),
            ("KEELHAUL_VERIFY_ATTESTATION", "0"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(
                "build provenance attestation: not verified (KEELHAUL_VERIFY_ATTESTATION=0)"
            ),
            "{}",
            stdout(&out)
        );
        assert!(!log.exists(), "gh was run");

        fs::remove_file(sb.install_dir().join("keelhaul")).unwrap();
        fs::write(sb.path("github_path"), "").unwrap();
        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("KEELHAUL_TARGET", LINUX_X64),
            ("KEELHAUL_VERIFY_ATTESTATION", "maybe"),
        ]);
        assert!(!out.status.success());
        assert!(
            stderr(&out).contains("KEELHAUL_VERIFY_ATTESTATION must be 1, 0 or auto"),
            "{}",
            stderr(&out)
        );
        sb.assert_nothing_installed();
    }

    #[test]
    fn the_default_version_is_the_one_in_cargo_toml() {
        require_tools!();
        let sb = Sandbox::new();
        let version = env!("CARGO_PKG_VERSION");
        sb.publish(version, LINUX_X64);

        let out = sb.install(&[("KEELHAUL_TARGET", LINUX_X64)]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            run_installed(&sb.install_dir().join("keelhaul")),
            format!("keelhaul {version} (x86_64-unknown-linux-musl, fake)")
        );
    }

    #[test]
    fn the_target_follows_runner_os_and_runner_arch() {
        require_tools!();
        for (os, arch, target) in [
            ("Linux", "X64", "x86_64-unknown-linux-musl"),
            ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
            ("macOS", "X64", "x86_64-apple-darwin"),
            ("macOS", "ARM64", "aarch64-apple-darwin"),
        ] {
            let sb = Sandbox::new();
            // Every target is published: the script must pick the right one.
            for t in [
                "x86_64-unknown-linux-musl",
                "aarch64-unknown-linux-musl",
                "x86_64-apple-darwin",
                "aarch64-apple-darwin",
            ] {
                sb.publish("2.0.0", t);
            }
            let out = sb.install(&[
                ("KEELHAUL_VERSION", "2.0.0"),
                ("RUNNER_OS", os),
                ("RUNNER_ARCH", arch),
            ]);
            assert!(out.status.success(), "{os}/{arch}: {}", stderr(&out));
            assert_eq!(
                run_installed(&sb.install_dir().join("keelhaul")),
                format!("keelhaul 2.0.0 ({target}, fake)"),
                "{os}/{arch}"
            );
        }
    }

    #[test]
    fn without_runner_variables_the_target_follows_uname() {
        require_tools!();
        let target = match (std::env::consts::OS, std::env::consts::ARCH) {
            ("linux", "x86_64") => "x86_64-unknown-linux-musl",
            ("linux", "aarch64") => "aarch64-unknown-linux-musl",
            ("macos", "x86_64") => "x86_64-apple-darwin",
            ("macos", "aarch64") => "aarch64-apple-darwin",
            (os, arch) => {
                eprintln!("SKIPPED: no prebuilt keelhaul target for {os}/{arch}");
                return;
            }
        };
        let sb = Sandbox::new();
        sb.publish("2.0.0", target);
        let out = sb.install(&[("KEELHAUL_VERSION", "2.0.0")]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            run_installed(&sb.install_dir().join("keelhaul")),
            format!("keelhaul 2.0.0 ({target}, fake)")
        );
    }

    #[test]
    fn windows_gets_the_zip_and_keelhaul_exe() {
        require_tools!("zip", "unzip");
        let sb = Sandbox::new();
        sb.publish("1.2.3", "x86_64-pc-windows-msvc");
        sb.publish("1.2.3", LINUX_X64);

        let out = sb.install(&[
            ("KEELHAUL_VERSION", "1.2.3"),
            ("RUNNER_OS", "Windows"),
            ("RUNNER_ARCH", "X64"),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("keelhaul-1.2.3-x86_64-pc-windows-msvc.zip"),
            "{stdout}"
        );
        let exe = sb.install_dir().join("keelhaul.exe");
        assert_eq!(
            run_installed(&exe),
            "keelhaul 1.2.3 (x86_64-pc-windows-msvc, fake)"
        );
        assert!(!sb.install_dir().join("keelhaul").exists());
    }

    // --- SHA-256 (FIPS 180-4), so the expected sums do not come from the tools under test ---------

    fn sha256(data: &[u8]) -> [u8; 32] {
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2,
        ];
        let mut h: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        let mut msg = data.to_vec();
        msg.push(0x80);
        while msg.len() % 64 != 56 {
            msg.push(0);
        }
        msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
        for block in msg.chunks_exact(64) {
            let mut w = [0u32; 64];
            for (i, word) in block.chunks_exact(4).enumerate() {
                w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
            }
            for i in 16..64 {
                let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
                let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
                w[i] = w[i - 16]
                    .wrapping_add(s0)
                    .wrapping_add(w[i - 7])
                    .wrapping_add(s1);
            }
            let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
            for i in 0..64 {
                let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
                let ch = (e & f) ^ (!e & g);
                let t1 = hh
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(K[i])
                    .wrapping_add(w[i]);
                let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
                let maj = (a & b) ^ (a & c) ^ (b & c);
                let t2 = s0.wrapping_add(maj);
                hh = g;
                g = f;
                f = e;
                e = d.wrapping_add(t1);
                d = c;
                c = b;
                b = a;
                a = t1.wrapping_add(t2);
            }
            for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
                *x = x.wrapping_add(y);
            }
        }
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_standard_test_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // Longer than one block, not a multiple of it.
        assert_eq!(
            hex(&sha256(&[b'a'; 1000])),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }
}

#[cfg(not(unix))]
#[test]
fn install_script_tests_need_unix() {
    eprintln!(
        "SKIPPED: the tests of scripts/install.sh run on Unix only (bash, curl, tar, file:// URLs)"
    );
}
