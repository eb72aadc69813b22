//! Console users and sessions: hashes in, hashes out; a new password ends the user's sessions; expired sessions
//! open nothing and are purged.

use shopsync_store::UserRole;

use super::fresh_store;

#[tokio::test]
async fn a_user_is_saved_once_by_name_and_a_new_password_ends_its_sessions() {
    let (store, _dir) = fresh_store().await;
    let (user, new) = store.save_user("olivia", UserRole::Viewer, "$argon2id$one").await.unwrap();
    assert!(new);
    assert_eq!(user.role, UserRole::Viewer);
    store.create_session("hash-1", user.id, "2999-01-01T00:00:00.000000Z").await.unwrap();
    let now = "2026-01-01T00:00:00.000000Z";
    assert_eq!(store.session("hash-1", now).await.unwrap().unwrap().user.name, "olivia");

    let (again, new) = store.save_user("olivia", UserRole::Operator, "$argon2id$two").await.unwrap();
    assert!(!new);
    assert_eq!((again.id, again.role, again.password_hash.as_str()), (user.id, UserRole::Operator, "$argon2id$two"));
    assert!(store.session("hash-1", now).await.unwrap().is_none(), "the old password's sessions ended");
    assert_eq!(store.users().await.unwrap().len(), 1);
    assert!(!format!("{again:?}").contains("argon2id"), "Debug leaves the hash out");
}

#[tokio::test]
async fn an_expired_session_opens_nothing_and_is_purged() {
    let (store, _dir) = fresh_store().await;
    let (user, _) = store.save_user("oscar", UserRole::Operator, "$argon2id$x").await.unwrap();
    store.create_session("old", user.id, "2026-01-01T00:00:00.000000Z").await.unwrap();
    store.create_session("live", user.id, "2026-01-03T00:00:00.000000Z").await.unwrap();
    let now = "2026-01-02T00:00:00.000000Z";
    assert!(store.session("old", now).await.unwrap().is_none());
    assert!(store.session("live", now).await.unwrap().is_some());
    assert_eq!(store.purge_sessions(now).await.unwrap(), 1);
    assert!(store.delete_session("live").await.unwrap());
    assert!(!store.delete_session("live").await.unwrap());
}
