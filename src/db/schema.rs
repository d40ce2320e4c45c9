// The tables as diesel sees them; kept in step with migrations/{sqlite,postgres}.

diesel::table! {
    users (id) {
        id -> Integer,
        login -> Text,
        hashed_password -> Text,
        firstname -> Text,
        lastname -> Text,
        mail -> Nullable<Text>,
        admin -> Bool,
        status -> Integer,
        api_key -> Text,
        api_key_digest -> Text,
        created_on -> Timestamp,
        updated_on -> Timestamp,
        last_login_on -> Nullable<Timestamp>,
    }
}

diesel::table! {
    projects (id) {
        id -> Integer,
        name -> Text,
        identifier -> Text,
        description -> Nullable<Text>,
        is_public -> Bool,
        created_on -> Timestamp,
        updated_on -> Timestamp,
    }
}

diesel::table! {
    roles (id) {
        id -> Integer,
        name -> Text,
        position -> Integer,
        permissions -> Text,
    }
}

diesel::table! {
    members (id) {
        id -> Integer,
        user_id -> Integer,
        project_id -> Integer,
        created_on -> Timestamp,
    }
}

diesel::table! {
    member_roles (member_id, role_id) {
        member_id -> Integer,
        role_id -> Integer,
    }
}

diesel::table! {
    contacts (id) {
        id -> Integer,
        first_name -> Text,
        last_name -> Nullable<Text>,
        middle_name -> Nullable<Text>,
        company -> Nullable<Text>,
        is_company -> Bool,
        job_title -> Nullable<Text>,
        website -> Nullable<Text>,
        skype_name -> Nullable<Text>,
        birthday -> Nullable<Date>,
        background -> Nullable<Text>,
        phones -> Text,
        emails -> Text,
        visibility -> Integer,
        author_id -> Nullable<Integer>,
        assigned_to_id -> Nullable<Integer>,
        street1 -> Nullable<Text>,
        street2 -> Nullable<Text>,
        city -> Nullable<Text>,
        region -> Nullable<Text>,
        postcode -> Nullable<Text>,
        country_code -> Nullable<Text>,
        search_text -> Text,
        created_on -> Timestamp,
        updated_on -> Timestamp,
        project_ids -> Text,
        company_id -> Nullable<Integer>,
        primary_contact_id -> Nullable<Integer>,
        reports_to_id -> Nullable<Integer>,
        department -> Nullable<Text>,
        preferred_contact_method -> Nullable<Text>,
        status -> Text,
        external_id -> Nullable<Text>,
        phone_types -> Text,
        email_types -> Text,
    }
}

diesel::table! {
    contact_blocks (starts_on, starts_id) {
        starts_on -> Timestamp,
        starts_id -> Integer,
    }
}

diesel::table! {
    contact_block_tallies (starts_on, starts_id, visibility, project_ids, archived, shard) {
        starts_on -> Timestamp,
        starts_id -> Integer,
        visibility -> Integer,
        project_ids -> Text,
        archived -> Bool,
        shard -> Integer,
        contacts -> BigInt,
    }
}

diesel::table! {
    contact_name_blocks (first_key, last_key, starts_id) {
        first_key -> Text,
        last_key -> Text,
        starts_id -> Integer,
    }
}

diesel::table! {
    contact_name_block_tallies (first_key, last_key, starts_id, visibility, project_ids, archived, shard) {
        first_key -> Text,
        last_key -> Text,
        starts_id -> Integer,
        visibility -> Integer,
        project_ids -> Text,
        archived -> Bool,
        shard -> Integer,
        contacts -> BigInt,
    }
}

diesel::table! {
    contact_tallies (visibility, author_id, assigned_to_id, project_ids, archived, shard) {
        visibility -> Integer,
        author_id -> Integer,
        assigned_to_id -> Integer,
        project_ids -> Text,
        archived -> Bool,
        shard -> Integer,
        contacts -> BigInt,
    }
}

diesel::table! {
    contacts_projects (contact_id, project_id) {
        contact_id -> Integer,
        project_id -> Integer,
    }
}

diesel::table! {
    tags (id) {
        id -> Integer,
        name -> Text,
    }
}

diesel::table! {
    taggings (contact_id, tag_id) {
        contact_id -> Integer,
        tag_id -> Integer,
        created_on -> Timestamp,
    }
}

diesel::table! {
    deal_statuses (id) {
        id -> Integer,
        name -> Text,
        position -> Integer,
        is_default -> Bool,
        status_type -> Integer,
        color -> Integer,
    }
}

diesel::table! {
    deal_categories (id) {
        id -> Integer,
        project_id -> Integer,
        name -> Text,
    }
}

diesel::table! {
    deals (id) {
        id -> Integer,
        name -> Text,
        project_id -> Integer,
        contact_id -> Nullable<Integer>,
        price_cents -> Nullable<BigInt>,
        currency -> Nullable<Text>,
        probability -> Nullable<Integer>,
        due_date -> Nullable<Date>,
        background -> Nullable<Text>,
        status_id -> Integer,
        category_id -> Nullable<Integer>,
        assigned_to_id -> Nullable<Integer>,
        author_id -> Nullable<Integer>,
        search_text -> Text,
        created_on -> Timestamp,
        updated_on -> Timestamp,
    }
}

diesel::table! {
    notes (id) {
        id -> Integer,
        contact_id -> Nullable<Integer>,
        deal_id -> Nullable<Integer>,
        subject -> Nullable<Text>,
        content -> Text,
        type_id -> Nullable<Integer>,
        author_id -> Nullable<Integer>,
        created_on -> Timestamp,
        updated_on -> Timestamp,
    }
}

diesel::table! {
    custom_fields (id) {
        id -> Integer,
        customized_type -> Text,
        name -> Text,
        field_format -> Text,
        possible_values -> Text,
        is_required -> Bool,
        is_filter -> Bool,
        searchable -> Bool,
        multiple -> Bool,
        default_value -> Nullable<Text>,
        regexp -> Nullable<Text>,
        min_length -> Nullable<Integer>,
        max_length -> Nullable<Integer>,
        position -> Integer,
    }
}

diesel::table! {
    custom_values (id) {
        id -> Integer,
        custom_field_id -> Integer,
        contact_id -> Nullable<Integer>,
        deal_id -> Nullable<Integer>,
        value -> Text,
    }
}

diesel::table! {
    issues (id) {
        id -> Integer,
        project_id -> Integer,
        subject -> Text,
        status -> Text,
        tracker -> Text,
        due_date -> Nullable<Date>,
        assigned_to_id -> Nullable<Integer>,
        author_id -> Nullable<Integer>,
        created_on -> Timestamp,
        updated_on -> Timestamp,
    }
}

diesel::table! {
    contacts_issues (contact_id, issue_id) {
        contact_id -> Integer,
        issue_id -> Integer,
    }
}

diesel::table! {
    crm_queries (id) {
        id -> Integer,
        name -> Text,
        object_type -> Text,
        project_id -> Nullable<Integer>,
        user_id -> Nullable<Integer>,
        visibility -> Integer,
        filters -> Text,
        created_on -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> Integer,
        contact_id -> Nullable<Integer>,
        filename -> Text,
        content_type -> Text,
        filesize -> Integer,
        digest -> Text,
        content -> Binary,
        token -> Nullable<Text>,
        author_id -> Nullable<Integer>,
        created_on -> Timestamp,
    }
}

diesel::table! {
    web_forms (id) {
        id -> Integer,
        project_id -> Integer,
        name -> Text,
        form_key -> Text,
        key_digest -> Text,
        success_url -> Nullable<Text>,
        allowed_origins -> Text,
        default_tags -> Text,
        default_assignee_id -> Nullable<Integer>,
        author_id -> Nullable<Integer>,
        created_on -> Timestamp,
        updated_on -> Timestamp,
    }
}

diesel::table! {
    /// `import-redmine`'s map from a Redmine row to the row it became.
    redmine_import_ids (source_table, source_id) {
        source_table -> Text,
        source_id -> Integer,
        target_id -> Integer,
    }
}

diesel::table! {
    /// Failed sign-ins per login and per client address (`auth::throttle`).
    login_throttles (scope, subject) {
        scope -> Text,
        subject -> Text,
        failures -> Integer,
        window_started_on -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        lockouts -> Integer,
    }
}

diesel::table! {
    /// Registered webhooks (`domain::webhooks`).
    webhooks (id) {
        id -> Integer,
        project_id -> Nullable<Integer>,
        user_id -> Integer,
        url -> Text,
        events -> Text,
        secret -> Text,
        format -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        created_on -> Timestamp,
        updated_on -> Timestamp,
    }
}

diesel::table! {
    /// The webhook outbox: a row per change, written in the change's transaction.
    webhook_events (id) {
        id -> Integer,
        event -> Text,
        record_id -> Integer,
        project_ids -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    /// One event for one webhook, and how sending it went.
    webhook_deliveries (id) {
        id -> Integer,
        webhook_id -> Integer,
        event_id -> Integer,
        event -> Text,
        record_key -> Text,
        payload_id -> Integer,
        status -> Text,
        attempts -> Integer,
        last_response_code -> Nullable<Integer>,
        last_response_body -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
        occurred_at -> Timestamp,
        queued_on -> Timestamp,
        delivered_on -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// What deliveries send: one event rendered for one owner in one format, written once and
    /// shared by that owner's hooks.
    webhook_payloads (id) {
        id -> Integer,
        event_id -> Integer,
        user_id -> Integer,
        format -> Text,
        body -> Text,
    }
}

diesel::table! {
    /// The search index: SQLite's FTS5 trigram table, PostgreSQL's pg_trgm-indexed table, both
    /// kept by triggers. Only ever read.
    contacts_search (rowid) {
        rowid -> Integer,
        search_text -> Text,
    }
}

diesel::joinable!(members -> users (user_id));
diesel::joinable!(members -> projects (project_id));
diesel::joinable!(member_roles -> members (member_id));
diesel::joinable!(member_roles -> roles (role_id));
diesel::joinable!(contacts_projects -> contacts (contact_id));
diesel::joinable!(contacts_projects -> projects (project_id));
diesel::joinable!(taggings -> contacts (contact_id));
diesel::joinable!(taggings -> tags (tag_id));
diesel::joinable!(deal_categories -> projects (project_id));
diesel::joinable!(deals -> projects (project_id));
diesel::joinable!(deals -> deal_statuses (status_id));
diesel::joinable!(deals -> deal_categories (category_id));
diesel::joinable!(custom_values -> custom_fields (custom_field_id));
diesel::joinable!(issues -> projects (project_id));
diesel::joinable!(contacts_issues -> contacts (contact_id));
diesel::joinable!(contacts_issues -> issues (issue_id));
diesel::joinable!(attachments -> contacts (contact_id));
diesel::joinable!(web_forms -> projects (project_id));
diesel::joinable!(webhooks -> projects (project_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));
diesel::joinable!(webhook_deliveries -> webhook_payloads (payload_id));

diesel::table! {
    /// API requests per bucket and window, summed over instances (`api::rate_limit`).
    rate_limits (bucket, window_start) {
        bucket -> Text,
        window_start -> BigInt,
        hits -> Integer,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    projects,
    roles,
    members,
    member_roles,
    contacts,
    contacts_projects,
    tags,
    taggings,
    deal_statuses,
    deal_categories,
    deals,
    notes,
    custom_fields,
    custom_values,
    issues,
    contacts_issues,
    crm_queries,
    attachments,
    web_forms,
    contacts_search,
    redmine_import_ids,
    login_throttles,
    rate_limits,
    webhooks,
    webhook_events,
    webhook_deliveries,
    webhook_payloads,
);
