//! Outside tools join Weft's fabric (DESIGN section 6): they register as OAuth clients, a
//! group turns them on, they get a token for that group by the client credentials grant at
//! `/oauth/token`, read its members and post ActivityStreams activities that reach members
//! like a built-in tool's; and groups send what happens to outside tools by webhooks signed
//! per the Standard Webhooks specification. People sign in to outside tools with their Weft
//! account: Weft is an OpenID Connect provider whose `groups` claim tells a tool which of the
//! person's groups use it, and with what role (`oidc`). The registry and the group tokens are
//! the kernel's (`kernel::tool`); this crate is their protocol.

pub mod activities;
pub mod api;
pub mod oauth;
pub mod oauth_client;
pub mod oidc;
pub mod pages;
pub mod webhooks;

/// Webhooks' and the OpenID Connect provider's tables (`migrations/`).
pub static MIGRATIONS: kernel::db::Migrations = kernel::migrations!();

/// Chooses rustls' `ring` provider for the process (HTTPS out, for webhooks). Every HTTP
/// client of the process needs it, so binaries and test kits call this first; calling it
/// again does nothing.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Seals under the current key the secrets outside tools keep (OpenID Connect private keys,
/// webhook secrets) that an older key sealed or that were kept before sealing.
pub async fn reseal(k: &kernel::Kernel) -> kernel::Result<()> {
    for key in oidc::store::all_keys(&k.db).await? {
        if !k.seal.is_current(&key.private_der) {
            let der = k.seal.open(&key.private_der, key.id.as_bytes())?;
            let sealed = k.seal.seal(&der, key.id.as_bytes());
            oidc::store::set_private_der(&k.db, &key.id, sealed).await?;
        }
    }
    for (id, secret) in webhooks::store::all_secrets(&k.db).await? {
        if !k.seal.is_current_text(&secret) {
            let plain = k.seal.open_text(&secret, id.0.as_bytes())?;
            let sealed = k.seal.seal_text(&plain, id.0.as_bytes());
            webhooks::store::set_secret(&k.db, id, sealed).await?;
        }
    }
    Ok(())
}

/// The durable jobs of this crate, for the composition root's runner.
pub fn jobs() -> Vec<std::sync::Arc<dyn kernel::jobs::JobHandler>> {
    vec![std::sync::Arc::new(webhooks::deliver::Deliver {
        client: webhooks::deliver::client(),
    })]
}

/// Outside tools' protocol, as the composition root mounts it: the API (registry, activities
/// in, webhooks), OAuth's token endpoint, and a group's webhook pages (its tab, for those who
/// manage the group's tools).
#[derive(Default)]
pub struct Interop {
    /// This server's OpenID Connect provider: its signing keys as last read, its queue of
    /// code exchanges.
    oidc: std::sync::Arc<oidc::Provider>,
}

impl Interop {
    pub fn new() -> Self {
        Self::default()
    }
}

impl web::Tool for Interop {
    fn name(&self) -> &'static str {
        pages::SEGMENT
    }

    fn migrations(&self) -> Vec<&'static kernel::db::Migrations> {
        vec![&MIGRATIONS]
    }

    /// Seals anew what an older key sealed, and starts handing activities to webhooks.
    fn start<'a>(
        &'a self,
        kernel: &'a std::sync::Arc<kernel::Kernel>,
        shutdown: &'a tokio_util::sync::CancellationToken,
    ) -> futures::future::BoxFuture<'a, kernel::Result<web::tool::Background>> {
        Box::pin(async move {
            reseal(kernel).await?;
            Ok(vec![webhooks::deliver::spawn_fanout(
                std::sync::Arc::clone(kernel),
                shutdown.clone(),
            )])
        })
    }

    fn jobs(&self) -> Vec<std::sync::Arc<dyn kernel::jobs::JobHandler>> {
        jobs()
    }

    fn pages(&self) -> Option<axum::Router<web::AppState>> {
        Some(pages::routes())
    }

    fn nav(&self, group: &web::pages::groups::GroupContext) -> Option<web::pages::NavLink> {
        pages::nav(group)
    }

    fn api(&self) -> Option<utoipa_axum::router::OpenApiRouter<web::AppState>> {
        Some(api::routes().layer(axum::Extension(self.oidc.clone())))
    }

    fn plain(&self) -> Option<axum::Router<web::AppState>> {
        Some(oauth::routes().layer(axum::Extension(self.oidc.clone())))
    }

    fn root_pages(&self) -> Option<axum::Router<web::AppState>> {
        Some(oidc::pages())
    }

    fn settings_tab(&self) -> Option<web::pages::NavLink> {
        Some(oidc::apps::tab())
    }
}
