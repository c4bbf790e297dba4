pub fn routes() -> axum::Router<web::AppState> {
    axum::Router::new()
}
pub fn nav(_g: &web::pages::groups::GroupContext) -> Option<web::pages::NavLink> {
    None
}
