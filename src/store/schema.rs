// Written by hand, in portable SQL types only, so that one schema serves SQLite and PostgreSQL.

diesel::table! {
    stores (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        tax_rate_bp -> Integer,
        currency -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    staff (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        store_id -> Nullable<BigInt>,
        password_hash -> Text,
        must_change_password -> Bool,
        active -> Bool,
        locale -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (key_hash) {
        key_hash -> Text,
        state -> Text,
        staff_id -> Nullable<BigInt>,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> BigInt,
        account -> Text,
        address -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    app_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_staff_id -> Nullable<BigInt>,
        action -> Text,
        subject -> Text,
        detail -> Text,
    }
}

diesel::joinable!(staff -> stores (store_id));
diesel::joinable!(sessions -> staff (staff_id));
diesel::allow_tables_to_appear_in_same_query!(stores, staff, sessions, sign_in_failures, app_secrets, audit_events);
