//! shopsync-core (placeholder, being built).
