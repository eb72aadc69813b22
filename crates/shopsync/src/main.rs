//! The `shopsync` command line.
fn main() {}
