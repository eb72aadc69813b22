//! shopsync-sync (placeholder, being built).
