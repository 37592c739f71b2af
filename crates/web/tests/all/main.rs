//! The Web APIs, exercised through JS in real isolates.

mod support;

mod apis;
