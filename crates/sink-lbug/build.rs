//! Lets binaries and tests of this crate find LadybugDB's shared library at run time.
//!
//! `scripts/setup.sh` builds the library once into a cache and names it in `LBUG_LIBRARY_DIR`; the
//! `lbug` crate links against it, and the run-time path is recorded in each executable here.

fn main() {
    println!("cargo:rerun-if-env-changed=LBUG_LIBRARY_DIR");
    if let Ok(dir) = std::env::var("LBUG_LIBRARY_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
