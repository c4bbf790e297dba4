-- When a server administrator reviewed an outside tool (registered by an administrator: at
-- once). Until then Weft never sends a browser to the tool on its own: an error of its
-- sign-in shows a "continue to ⟨host⟩" page instead of a redirect.
ALTER TABLE outside_tools ADD COLUMN reviewed_at INTEGER;
