//! shopsync-store (placeholder, being built).
