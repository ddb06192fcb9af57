//! What prediction jobs need beyond the store: the model catalogue, credits and webhook
//! deliveries.

pub mod credits;
pub mod models;
pub mod webhooks;
