//! Typed identifiers: UUIDv7 at rest (time-ordered, so they also order pages), distinct types
//! so an account id is never passed where a session id is expected.

/// Declares a typed id: `kernel::id_type!(/** A poll. */ PollId);`. Tools use it for their
/// own ids; the crate needs `serde`, `sqlx`, `sea-query`, `utoipa` and `uuid` as dependencies.
#[macro_export]
macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
                 ::serde::Serialize, ::serde::Deserialize, ::sqlx::Type)]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub ::uuid::Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(::uuid::Uuid::now_v7())
            }
        }

        impl ::std::default::Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::uuid::Error;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                ::uuid::Uuid::parse_str(s).map(Self)
            }
        }

        impl ::std::convert::From<$name> for ::sea_query::Value {
            fn from(id: $name) -> Self {
                id.0.into()
            }
        }

        impl ::utoipa::PartialSchema for $name {
            fn schema() -> ::utoipa::openapi::RefOr<::utoipa::openapi::schema::Schema> {
                ::utoipa::openapi::ObjectBuilder::new()
                    .schema_type(::utoipa::openapi::schema::Type::String)
                    .format(Some(::utoipa::openapi::SchemaFormat::KnownFormat(
                        ::utoipa::openapi::KnownFormat::Uuid,
                    )))
                    .into()
            }
        }

        impl ::utoipa::ToSchema for $name {}
    };
}

id_type!(
    /// A person's account.
    AccountId
);
id_type!(
    /// A log-in session (browser cookie or bearer token from `POST /sessions`).
    SessionId
);
id_type!(
    /// A personal access token.
    TokenId
);
id_type!(
    /// A password-reset request.
    PasswordResetId
);
id_type!(
    /// A new email address waiting for its confirmation.
    EmailChangeId
);
id_type!(
    /// A group's request to use an outside tool that its registrar approves.
    ToolRequestId
);
id_type!(
    /// A group (or subgroup).
    GroupId
);
id_type!(
    /// A custom role of a group.
    RoleId
);
id_type!(
    /// An invitation to a group (to a person, an address, or a shareable link).
    InvitationId
);
id_type!(
    /// A request to join a group.
    JoinRequestId
);
id_type!(
    /// An entry of the activity log.
    ActivityId
);
id_type!(
    /// A durable background job.
    JobId
);
id_type!(
    /// A decision a tool asked a group for.
    MotionId
);
id_type!(
    /// A currency of the ledger, owned by a group.
    CurrencyId
);
id_type!(
    /// An account of the ledger (not a person's account: one holds a balance in a currency).
    LedgerAccountId
);
id_type!(
    /// A transfer of the ledger (posted, pending, or the posting or voiding of a pending one).
    TransferId
);
id_type!(
    /// Transfers linked so they all apply or none does.
    TransferBatchId
);
id_type!(
    /// An outside tool registered with this server (an OAuth client).
    ToolId
);
id_type!(
    /// A token an outside tool got for one group (client credentials).
    ToolTokenId
);
id_type!(
    /// A group's webhook endpoint.
    WebhookId
);
id_type!(
    /// One activity sent (or to be sent) to one webhook endpoint.
    DeliveryId
);

id_type!(
    /// An authorization code of the OpenID Connect code flow (and the family of tokens grown
    /// from it).
    AuthCodeId
);

id_type!(
    /// An access or refresh token a person's sign-in gave a tool.
    OAuthTokenId
);

id_type!(
    /// A file uploaded to a group, attached to a thing of a tool (`kernel::files`).
    FileId
);

id_type!(
    /// A comment on a thing of any tool (`kernel::comments`).
    CommentId
);
