//! Where resolver modules plug in: root query fields, mutations, node lookup by GID and taggable
//! objects. The executor only asks the registry, so a new module (orders, customers, bulk ...)
//! adds a `register(&mut Registry)` function and one line in [`Registry::standard`].

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use serde_json::{Map, Value as Json};

use crate::graphql::executor::{Ctx, FieldCall, FieldError, NodeFn, Object, QueryFieldFn, RequestEnv};
use crate::store::Store;

/// What a mutation resolver gets: the store to change and the request's environment.
pub struct MutationCtx<'s> {
    pub store: &'s mut Store,
    pub env: &'s RequestEnv,
    pub registry: &'s Registry,
    pub variables: &'s Map<String, Json>,
}

/// A mutation resolver: applies the change and returns the payload object, which the executor
/// then resolves against the updated store (the payload holds ids, not borrows).
pub type MutationFn = fn(&FieldCall<'_>, &mut MutationCtx<'_>) -> Result<Rc<dyn Object>, FieldError>;

/// Runs `edit` on the tags of the object with this id, bumps its `updatedAt` and records the
/// change; returns false when there is no such object.
pub type TagsFn = fn(&mut Store, u64, &mut dyn FnMut(&mut Vec<String>)) -> bool;

/// All resolvers of a simulator.
#[derive(Default)]
pub struct Registry {
    query_fields: HashMap<&'static str, QueryFieldFn>,
    mutations: HashMap<&'static str, MutationFn>,
    nodes: HashMap<&'static str, NodeFn>,
    taggables: HashMap<&'static str, TagsFn>,
    idempotency_required: HashSet<&'static str>,
}

impl Registry {
    /// The registry with every module the simulator has.
    pub fn standard() -> Self {
        let mut registry = Registry::default();
        crate::resolvers::shop::register(&mut registry);
        crate::resolvers::catalog::register(&mut registry);
        crate::resolvers::product_mutations::register(&mut registry);
        crate::resolvers::inventory::register(&mut registry);
        crate::resolvers::tags::register(&mut registry);
        crate::resolvers::orders::register(&mut registry);
        crate::resolvers::customers::register(&mut registry);
        crate::resolvers::customer_mutations::register(&mut registry);
        crate::resolvers::draft_orders::register(&mut registry);
        crate::resolvers::order_mutations::register(&mut registry);
        crate::resolvers::payouts::register(&mut registry);
        crate::resolvers::webhooks::register(&mut registry);
        crate::resolvers::bulk::register(&mut registry);
        crate::resolvers::publications::register(&mut registry);
        crate::staged_uploads::register(&mut registry);
        crate::resolvers::metafields::register(&mut registry);
        registry
    }

    /// Registers a root query field (`products`, `orders` ...).
    pub fn query(&mut self, name: &'static str, resolver: QueryFieldFn) -> &mut Self {
        self.query_fields.insert(name, resolver);
        self
    }

    /// Registers a mutation (`productSet` ...).
    pub fn mutation(&mut self, name: &'static str, resolver: MutationFn) -> &mut Self {
        self.mutations.insert(name, resolver);
        self
    }

    /// Registers a mutation that, since 2026-04, must carry `@idempotent(key:)`.
    pub fn idempotent_mutation(&mut self, name: &'static str, resolver: MutationFn) -> &mut Self {
        self.idempotency_required.insert(name);
        self.mutation(name, resolver)
    }

    /// Registers the lookup of one GID kind for `node`/`nodes` (`"Product"` ...).
    pub fn node(&mut self, kind: &'static str, lookup: NodeFn) -> &mut Self {
        self.nodes.insert(kind, lookup);
        self
    }

    /// Registers a GID kind whose objects have tags (`tagsAdd`/`tagsRemove`).
    pub fn taggable(&mut self, kind: &'static str, tags: TagsFn) -> &mut Self {
        self.taggables.insert(kind, tags);
        self
    }

    /// The root query fields served, sorted (for the coverage report).
    pub fn served_query_fields(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.query_fields.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The mutations served, sorted (for the coverage report).
    pub fn served_mutations(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.mutations.keys().copied().collect();
        names.sort_unstable();
        names
    }

    pub(crate) fn query_field(&self, name: &str) -> Option<QueryFieldFn> {
        self.query_fields.get(name).copied()
    }

    pub(crate) fn mutation_field(&self, name: &str) -> Option<MutationFn> {
        self.mutations.get(name).copied()
    }

    pub(crate) fn requires_idempotency(&self, name: &str) -> bool {
        self.idempotency_required.contains(name)
    }

    pub(crate) fn lookup_node<'a>(&self, kind: &str, id: u64, ctx: &'a Ctx<'a>) -> Option<Rc<dyn Object + 'a>> {
        self.nodes.get(kind).and_then(|lookup| lookup(id, ctx))
    }

    pub(crate) fn tags_of(&self, kind: &str) -> Option<TagsFn> {
        self.taggables.get(kind).copied()
    }
}
