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

diesel::table! {
    customers (id) {
        id -> BigInt,
        reference -> Text,
        name -> Text,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        phone_digits -> Nullable<Text>,
        home_store_id -> Nullable<BigInt>,
        marketing_consent -> Bool,
        consent_changed_at -> Nullable<Timestamp>,
        preferred_channel -> Text,
        merged_into_id -> Nullable<BigInt>,
        erased_at -> Nullable<Timestamp>,
        created_by_staff_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_preferences (id) {
        id -> BigInt,
        customer_id -> BigInt,
        text -> Text,
        kind -> Text,
        pinned -> Bool,
        source -> Text,
        dropped_at -> Nullable<Timestamp>,
        staff_id -> Nullable<BigInt>,
        store_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_contacts (id) {
        id -> BigInt,
        customer_id -> BigInt,
        kind -> Text,
        summary -> Text,
        rating -> Nullable<Integer>,
        status -> Nullable<Text>,
        resolution -> Nullable<Text>,
        resolved_at -> Nullable<Timestamp>,
        staff_id -> Nullable<BigInt>,
        store_id -> Nullable<BigInt>,
        at -> Timestamp,
    }
}

diesel::table! {
    measurement_sets (id) {
        id -> BigInt,
        customer_id -> BigInt,
        taken_at -> Timestamp,
        staff_id -> Nullable<BigInt>,
        store_id -> Nullable<BigInt>,
        unit_system -> Text,
        self_measured -> Bool,
        confirmed_warnings -> Text,
    }
}

diesel::table! {
    measurement_values (set_id, code) {
        set_id -> BigInt,
        code -> Text,
        value -> BigInt,
    }
}

diesel::joinable!(customer_preferences -> customers (customer_id));
diesel::joinable!(customer_contacts -> customers (customer_id));
diesel::joinable!(measurement_sets -> customers (customer_id));
diesel::joinable!(measurement_values -> measurement_sets (set_id));
diesel::table! {
    catalog_versions (id) {
        id -> BigInt,
        catalog_code -> Text,
        label -> Text,
        revision -> Integer,
        source_sha256 -> Text,
        source -> Text,
        file_name -> Text,
        imported_at -> Timestamp,
        imported_by_staff_id -> Nullable<BigInt>,
    }
}

// One list of every table: the macro may only be invoked once per pair.
diesel::allow_tables_to_appear_in_same_query!(
    stores,
    staff,
    sessions,
    sign_in_failures,
    app_secrets,
    audit_events,
    customers,
    customer_preferences,
    customer_contacts,
    measurement_sets,
    measurement_values,
    catalog_versions,
);
