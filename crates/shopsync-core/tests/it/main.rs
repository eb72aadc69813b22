//! Integration tests of shopsync-core: one binary, one module per area.

mod props;
