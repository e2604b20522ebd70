//! Tool-level tests against canned API answers.
