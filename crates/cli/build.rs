//! Records the git revision the binary is built from, for `learngraph --version`, and where
//! LadybugDB's shared library is (see `crates/sink-lbug/build.rs`).

fn main() {
    let revision = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown revision".to_string());
    println!("cargo:rustc-env=LEARNGRAPH_GIT_REVISION={revision}");
    println!("cargo:rerun-if-env-changed=LBUG_LIBRARY_DIR");
    if let Ok(dir) = std::env::var("LBUG_LIBRARY_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    // Rebuild when HEAD moves (a commit or a checkout), not on every build.
    for path in ["../../.git/HEAD", "../../.git/refs/heads"] {
        println!("cargo:rerun-if-changed={path}");
    }
}
