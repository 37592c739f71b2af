//! One module per subcommand.

pub mod dev;
