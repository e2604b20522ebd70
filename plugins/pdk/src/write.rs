//! Helpers for write tools beyond the plan itself: arguments validated once into an intent
//! both phases share, and the "exactly one effect" rule most writes follow.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::error::internal;
use crate::{Plan, PlannedEffect, ToolError};

/// What a write tool's arguments mean once checked and normalized (zone lowercased, target
/// validated for the record type…). Register the tool with
/// [`Registry::write_intent`](crate::Registry::write_intent): `plan` and `apply` then both
/// receive the intent, so validation lives in `from_args` alone.
pub trait Intent: Sized {
    /// The arguments as the model sends them (their schema is the tool's input schema).
    type Args: DeserializeOwned + JsonSchema + 'static;

    /// Checks and normalizes the arguments; an error here is the tool's answer, before any
    /// upstream request.
    fn from_args(args: Self::Args) -> Result<Self, ToolError>;
}

/// The one effect of a confirmed plan that declared exactly one write (most tools do: one
/// POST, PUT or DELETE). Anything else means the plan and apply disagree: an internal error
/// rather than a guess at which effect to perform.
pub fn single_effect(plan: &Plan) -> Result<&PlannedEffect, ToolError> {
    match plan.effects.as_slice() {
        [effect] => Ok(effect),
        other => Err(internal(format!(
            "the confirmed plan has {} effects, expected exactly 1",
            other.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpMethod;
    use crate::plan::PlanBuilder;

    #[test]
    fn exactly_one_effect_or_an_internal_error() {
        let none = PlanBuilder::new("r", "nothing").build();
        assert!(matches!(single_effect(&none), Err(ToolError::Internal(_))));
        let one = PlanBuilder::new("r", "one")
            .effect(HttpMethod::Delete, "/x/1", None)
            .build();
        assert_eq!(single_effect(&one).unwrap().path_pattern, "/x/1");
        let two = PlanBuilder::new("r", "two")
            .effect(HttpMethod::Delete, "/x/1", None)
            .effect(HttpMethod::Delete, "/x/2", None)
            .build();
        match single_effect(&two) {
            Err(ToolError::Internal(d)) => {
                assert!(d.message.contains("2 effects"), "{}", d.message)
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
