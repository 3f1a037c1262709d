//! The web app is embedded in the binary (`rust-embed` with `debug-embed`): rebuild when any
//! file under `web/` changes or is added, not only when a file embedded last time changes.
fn main() {
    println!("cargo:rerun-if-changed=../../web");
}
