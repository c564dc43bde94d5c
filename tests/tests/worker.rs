//! The background worker's jobs, driven one pass at a time.
// Test code: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peitao_persistence::entities::need;
use peitao_persistence::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter,
};
use peitao_persistence::seed::demo;
use peitao_tests::TestApp;

#[tokio::test]
async fn needs_past_their_respond_by_date_expire_once() {
    let app = TestApp::spawn().await;
    let world = demo::embedded().unwrap();
    demo::load(app.db(), &world, "$argon2id$stand-in", chrono::Utc::now())
        .await
        .unwrap();
    let needs = need::Entity::find().all(app.db().conn()).await.unwrap();
    let open_before = needs.iter().filter(|n| n.status == "open").count();
    assert!(open_before > 1);

    let overdue = needs[0].clone();
    let mut row: need::ActiveModel = overdue.clone().into();
    row.respond_by = Set(Some(chrono::Utc::now().date_naive() - chrono::Days::new(3)));
    row.update(app.db().conn()).await.unwrap();

    let expired = peitao::worker::expire_needs(app.db()).await.unwrap();
    assert_eq!(expired, 1);
    let after = need::Entity::find_by_id(overdue.id)
        .one(app.db().conn())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, "expired");
    let still_open = need::Entity::find()
        .filter(need::Column::Status.eq("open"))
        .all(app.db().conn())
        .await
        .unwrap();
    assert_eq!(still_open.len(), open_before - 1);

    // A second pass finds nothing more to do.
    assert_eq!(peitao::worker::expire_needs(app.db()).await.unwrap(), 0);
}
