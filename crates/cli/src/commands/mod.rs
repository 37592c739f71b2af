//! One module per subcommand.

pub mod control;
pub mod deploy;
pub mod dev;
pub mod node;
pub mod proxy;
pub mod remote;
pub mod rollback;
pub mod secret;
pub mod up;
pub mod versions;
