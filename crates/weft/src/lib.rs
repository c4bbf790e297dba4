//! The Weft binary's library half: configuration, the command line, and the composition root
//! that builds the kernel and mounts every part of the server.

pub mod cli;
pub mod config;
pub mod demo;
pub mod server;
