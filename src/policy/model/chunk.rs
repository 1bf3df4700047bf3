//! One chunk of a scan's models as building hands it on: the leaf, chain
//! and endpoint models are made a chunk at a time ([`super::build_in_chunks`],
//! [`super::from_store_in_chunks`]) so that a caller can evaluate each
//! chunk, fold what it needs of it and drop it, or keep it
//! ([`super::SubjectModels::keep`]).

use super::{ChainModel, EndpointModel, LeafModel};

/// A chunk of one kind of model, in model order.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChunk {
    /// Leaf models.
    Leaves(Vec<LeafModel>),
    /// Chain models.
    Chains(Vec<ChainModel>),
    /// Endpoint models.
    Endpoints(EndpointChunk),
}

/// Endpoint models, with what the metrics read of each one's leaf before
/// the leaf models are built (endpoints are built first).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointChunk {
    /// The models.
    pub models: Vec<EndpointModel>,
    /// For each model, whether the leaf of its default chain has a
    /// post-quantum key and signature (its leaf model's `post_quantum`;
    /// false without a parsed leaf).
    pub leaf_post_quantum: Vec<bool>,
}

impl ModelChunk {
    /// How many models the chunk holds.
    pub fn len(&self) -> usize {
        match self {
            ModelChunk::Leaves(leaves) => leaves.len(),
            ModelChunk::Chains(chains) => chains.len(),
            ModelChunk::Endpoints(endpoints) => endpoints.models.len(),
        }
    }

    /// The chunk holds no model.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
