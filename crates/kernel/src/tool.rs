//! Tools: each built-in tool describes itself with a manifest; the registry holds them, and
//! each group turns tools on and off ("which groups use which tools").

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ToolManifest {
    /// Unique name, lowercase (`chat`, `decide`, …); the path segment of its pages.
    pub name: String,
    pub description: String,
    /// An icon name from the design language, or a URL.
    pub icon: String,
    /// The permissions it adds to roles (`tool:{name}:{what}`).
    pub permissions: Vec<String>,
    /// The activity types it writes.
    pub activity_types: Vec<String>,
    /// `built_in`, or `external` for outside tools.
    pub kind: String,
}

impl ToolManifest {
    pub fn built_in(name: &str, description: &str, icon: &str) -> Self {
        ToolManifest {
            name: name.into(),
            description: description.into(),
            icon: icon.into(),
            permissions: Vec::new(),
            activity_types: Vec::new(),
            kind: "built_in".into(),
        }
    }
}

/// The tools this server knows, in the order they were registered.
#[derive(Debug, Clone, Default)]
pub struct ToolRegistry {
    tools: Vec<ToolManifest>,
}

impl ToolRegistry {
    pub fn new(tools: Vec<ToolManifest>) -> Self {
        ToolRegistry { tools }
    }

    pub fn all(&self) -> &[ToolManifest] {
        &self.tools
    }

    pub fn get(&self, name: &str) -> Option<&ToolManifest> {
        self.tools.iter().find(|t| t.name == name)
    }
}
