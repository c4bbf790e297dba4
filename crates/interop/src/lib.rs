//! Outside tools join Weft's fabric (DESIGN section 6): they register as OAuth clients, a
//! group turns them on, they get a token for that group by the client credentials grant at
//! `/oauth/token`, read its members and post ActivityStreams activities that reach members
//! like a built-in tool's. The registry and the tokens themselves are the kernel's
//! (`kernel::tool`); this crate is their protocol.

pub mod activities;
pub mod api;
pub mod oauth;

/// What the composition root mounts for outside tools.
pub fn mounts() -> web::Mounts {
    web::Mounts {
        api: vec![api::routes()],
        plain: vec![oauth::routes()],
    }
}
