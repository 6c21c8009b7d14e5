//! scripts/package.sh: the Windows zip IT installs and the Linux .deb, each with a SHA-256 file that matches it.
//!
//! Packages builds already made (`--no-build --debug`): the Windows exe named by CITYTILL_WINDOWS_EXE (.ci/run sets
//! it after the Windows build) and this test's own Linux binary. Skips with a plain message when zip/unzip,
//! cargo-deb/dpkg-deb or the Windows exe is missing; CITYTILL_REQUIRE_WINDOWS=1 turns a skip into a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn skip(why: &str) {
    if std::env::var("CITYTILL_REQUIRE_WINDOWS").is_ok_and(|v| v == "1") {
        panic!("CITYTILL_REQUIRE_WINDOWS=1 but: {why}");
    }
    eprintln!("skipped: packaging: {why}");
}

fn has(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).output().is_ok_and(|o| o.status.success())
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The target dir this test's binary was built in (…/debug/citytill), which the script packages from.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_citytill")).parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// Runs scripts/package.sh with `args` and returns the files it printed (one per line: each package made).
fn package(args: &[&str], out: &Path) -> Vec<PathBuf> {
    let output = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join("package.sh"))
        .args(["--debug", "--no-build", "--out"])
        .arg(out)
        .args(args)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("run scripts/package.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "package.sh {args:?} failed:\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout.lines().filter(|l| !l.trim().is_empty()).map(PathBuf::from).collect()
}

/// The package's .sha256 file names the package and holds its hash, as `sha256sum -c` reads it.
fn assert_checksum(package: &Path) {
    let line = std::fs::read_to_string(format!("{}.sha256", package.display())).unwrap();
    let name = package.file_name().unwrap().to_string_lossy();
    assert_eq!(line, format!("{}  {name}\n", sha256(&std::fs::read(package).unwrap())), "{name}.sha256 does not match it");
}

// The Windows zip holds exactly citytill.exe (the very build given), a sample citytill.toml that CityTill accepts,
// and README-IT.txt saying where data lives and how to run at logon, in one versioned folder; its .sha256 matches.
#[test]
fn windows_zip_holds_the_exe_sample_settings_and_it_readme() {
    let Some(exe) = std::env::var_os("CITYTILL_WINDOWS_EXE").filter(|p| !p.is_empty()).map(PathBuf::from) else {
        return skip("CITYTILL_WINDOWS_EXE is not set (.ci/run sets it after building for Windows)");
    };
    if !has("zip", "-v") || !has("unzip", "-v") {
        return skip("zip/unzip are not installed (apt-get install zip unzip)");
    }
    let out = tempfile::tempdir().unwrap();
    let made = package(&["--only", "windows", "--exe", exe.to_str().unwrap()], out.path());
    let name = format!("citytill-{}-windows-x86_64", env!("CARGO_PKG_VERSION"));
    let zip = out.path().join(format!("{name}.zip"));
    assert_eq!(made, vec![zip.clone()], "package.sh did not report the zip it made");
    assert_checksum(&zip);
    let listing = Command::new("unzip").arg("-Z1").arg(&zip).output().unwrap();
    let mut entries: Vec<String> = String::from_utf8_lossy(&listing.stdout).lines().map(str::to_string).collect();
    entries.sort();
    assert_eq!(entries, [format!("{name}/"), format!("{name}/README-IT.txt"), format!("{name}/citytill.exe"), format!("{name}/citytill.toml")]);
    let inside = |file: &str| Command::new("unzip").arg("-p").arg(&zip).arg(format!("{name}/{file}")).output().unwrap().stdout;
    assert_eq!(sha256(&inside("citytill.exe")), sha256(&std::fs::read(&exe).unwrap()), "the zip's citytill.exe is not the build given");
    let settings = String::from_utf8(inside("citytill.toml")).unwrap();
    if let Err(e) = citytill::config::Settings::parse(&settings) {
        panic!("the sample citytill.toml is refused: {e}");
    }
    let readme = String::from_utf8(inside("README-IT.txt")).unwrap();
    for needle in [r"%APPDATA%\CityTill\citytill\data", "spooler:", "serial:COM3", "[hq]", "schtasks /create", "icacls"] {
        assert!(readme.contains(needle), "README-IT.txt says nothing of {needle}");
    }
}

// The .deb (cargo-deb) installs the citytill binary in /usr/bin with its docs, is named for this version, and its
// .sha256 matches it.
#[test]
fn linux_deb_installs_the_binary() {
    if !has("cargo-deb", "--version") || !has("dpkg-deb", "--version") {
        return skip("cargo-deb or dpkg-deb is not installed (cargo install cargo-deb --locked)");
    }
    let out = tempfile::tempdir().unwrap();
    let made = package(&["--only", "deb"], out.path());
    assert_eq!(made.len(), 1, "package.sh made {made:?}");
    let deb = &made[0];
    assert!(deb.starts_with(out.path()) && deb.to_string_lossy().ends_with(".deb"), "not a .deb in --out: {}", deb.display());
    assert_checksum(deb);
    let field = |name: &str| String::from_utf8(Command::new("dpkg-deb").arg("-f").arg(deb).arg(name).output().unwrap().stdout).unwrap().trim().to_string();
    assert_eq!(field("Package"), "citytill");
    assert!(field("Version").starts_with(env!("CARGO_PKG_VERSION")), "version {}", field("Version"));
    let contents = String::from_utf8(Command::new("dpkg-deb").arg("-c").arg(deb).output().unwrap().stdout).unwrap();
    for path in ["./usr/bin/citytill", "./usr/share/doc/citytill/README.md", "./usr/share/doc/citytill/hardware.md"] {
        assert!(contents.lines().any(|l| l.ends_with(path)), "the .deb has no {path}:\n{contents}");
    }
}
