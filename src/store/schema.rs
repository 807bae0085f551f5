// Written by hand, in portable SQL types only, so that one schema serves SQLite and PostgreSQL.

diesel::table! {
    stores (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        tax_rate_bp -> Integer,
        currency -> Text,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
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
        customer_account_id -> Nullable<BigInt>,
        created_at -> Timestamp,
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
        order_id -> Nullable<BigInt>,
        remedy -> Nullable<Text>,
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

diesel::table! {
    factories (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        families -> Text,
        push_url -> Nullable<Text>,
        signing_secret -> Nullable<Text>,
        lead_time_days -> Integer,
        enabled -> Bool,
        push_disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        previous_signing_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        weekly_capacity -> Integer,
        cannot_build -> Text,
    }
}

diesel::table! {
    factory_tokens (id) {
        id -> BigInt,
        factory_id -> BigInt,
        token_hash -> Text,
        label -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        reference -> Text,
        customer_id -> BigInt,
        store_id -> Nullable<BigInt>,
        catalog_version_id -> BigInt,
        product_code -> Text,
        configuration -> Text,
        measurement_set_id -> Nullable<BigInt>,
        currency -> Text,
        subtotal_minor -> BigInt,
        tax_minor -> BigInt,
        total_minor -> BigInt,
        price_breakdown -> Text,
        spec_hash -> Text,
        status -> Text,
        ship_to -> Text,
        idempotency_key -> Text,
        placed_by_staff_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        channel_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    work_orders (id) {
        id -> BigInt,
        order_id -> BigInt,
        factory_id -> BigInt,
        revision -> Integer,
        status -> Text,
        document -> Text,
        due_date -> Text,
        attention -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        lease_token -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        claim_count -> Integer,
        commit_seq -> BigInt,
    }
}

diesel::table! {
    staff_notices (id) {
        id -> BigInt,
        kind -> Text,
        subject -> Text,
        message -> Text,
        created_at -> Timestamp,
        dismissed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    work_order_events (id) {
        id -> BigInt,
        work_order_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor -> Text,
        note -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        factory_id -> BigInt,
        work_order_id -> Nullable<BigInt>,
        event_type -> Text,
        webhook_id -> Text,
        payload -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        lease_until -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        gave_up_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    delivery_attempts (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        at -> Timestamp,
        status_code -> Nullable<Integer>,
        latency_ms -> Integer,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    api_idempotency (id) {
        id -> BigInt,
        factory_id -> BigInt,
        key -> Text,
        request_sha256 -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sales_channels (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        store_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    channel_keys (id) {
        id -> BigInt,
        channel_id -> BigInt,
        key_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(channel_keys -> sales_channels (channel_id));
diesel::joinable!(factory_tokens -> factories (factory_id));
diesel::joinable!(work_orders -> orders (order_id));
diesel::joinable!(delivery_attempts -> outbox (outbox_id));

diesel::table! {
    customer_accounts (id) {
        id -> BigInt,
        customer_id -> BigInt,
        email -> Text,
        password_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    claim_codes (id) {
        id -> BigInt,
        customer_id -> BigInt,
        code_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_by_staff_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_changes (id) {
        id -> BigInt,
        account_id -> BigInt,
        new_email -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (id) {
        id -> BigInt,
        account_id -> BigInt,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        customer_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    drafts (id) {
        id -> BigInt,
        customer_id -> BigInt,
        catalog_version_id -> BigInt,
        product_code -> Text,
        choices -> Text,
        measurement_set_id -> Nullable<BigInt>,
        saved_by_staff_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(customer_accounts -> customers (customer_id));
diesel::joinable!(password_resets -> customer_accounts (account_id));
diesel::joinable!(email_changes -> customer_accounts (account_id));
diesel::joinable!(drafts -> customers (customer_id));

diesel::table! {
    customer_activity (customer_id, month) {
        customer_id -> BigInt,
        month -> Text,
        orders -> BigInt,
        revenue_minor -> BigInt,
        cancellations -> BigInt,
        shipped -> BigInt,
        feedbacks -> BigInt,
        rating_sum -> BigInt,
        complaints -> BigInt,
        remakes -> BigInt,
        returns -> BigInt,
        cost_minor -> BigInt,
        last_order_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    customer_classes (customer_id) {
        customer_id -> BigInt,
        revenue_12m_minor -> BigInt,
        cost_12m_minor -> BigInt,
        revenue_prev_12m_minor -> BigInt,
        orders_12m -> BigInt,
        cancellations_12m -> BigInt,
        complaints_12m -> BigInt,
        remakes_12m -> BigInt,
        feedbacks_12m -> BigInt,
        rating_sum_12m -> BigInt,
        value_class -> Text,
        volume -> Text,
        satisfaction -> Text,
    }
}

diesel::table! {
    classification_runs (id) {
        id -> BigInt,
        at -> Timestamp,
        customers -> BigInt,
        revenue_12m_minor -> BigInt,
        curve -> Text,
        a_share -> Integer,
        b_share -> Integer,
        millis -> BigInt,
    }
}

diesel::table! {
    learned_preferences (id) {
        id -> BigInt,
        customer_id -> BigInt,
        product_code -> Text,
        option_code -> Text,
        value_code -> Text,
        decision -> Text,
        evidence -> Text,
        staff_id -> Nullable<BigInt>,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    item_neighbours (item, other) {
        item -> Text,
        other -> Text,
        together -> BigInt,
        score_ppm -> BigInt,
    }
}

diesel::joinable!(customer_classes -> customers (customer_id));
diesel::joinable!(customer_activity -> customers (customer_id));

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
    factories,
    factory_tokens,
    orders,
    work_orders,
    work_order_events,
    outbox,
    delivery_attempts,
    api_idempotency,
    staff_notices,
    sales_channels,
    channel_keys,
    customer_accounts,
    claim_codes,
    password_resets,
    email_changes,
    mail_outbox,
    drafts,
    customer_activity,
    customer_classes,
    classification_runs,
    learned_preferences,
    item_neighbours,
);
