package catalog

// sent lists every reason code an error that reaches a person can carry
// (akte.Error.Reason), with its parameters: the server sends them in its
// error answers (and in the code field's stead when a kind's code is all
// it says), the client core (package client, also inside the web app's
// WebAssembly core) produces them itself. Besides these, the codes of the
// error kinds (akte.Kind.String) are reasons of errors that name no finer
// one.
//
// TestReasons keeps this list equal to what the code of the binary and
// the WebAssembly core can produce (it follows every value that reaches
// akte.R or a Reason field), and both catalogues (de.json, en.json) equal
// to the list. A new reason: write it where the error is made, add it
// here in its group, and give it a German and an English text.
var sent = []string{
	// Requests the API cannot read (api).
	"base64_invalid",
	"body_empty",
	"body_too_large", // max_kib
	"body_too_slow",  // min_bytes_per_second
	"body_unreadable",
	"charset_invalid",
	"content_type_invalid", // want
	"cross_site",
	"duplicate_field", // field
	"field_type",      // field, want (a JSON type)
	"json_invalid",
	"json_not_object",
	"json_syntax",   // offset
	"json_too_deep", // max
	"json_trailing_data",
	"route_not_found",
	"storage_unavailable",
	"unknown_field", // field

	// Rules on fields of a request (service).
	"birth_date_invalid",
	"birth_date_out_of_range", // min (a date)
	"device_id_invalid",       // min, max
	"device_name_invalid",     // min, max
	"device_secret_too_long",  // max
	"device_key_invalid",      // bytes
	"email_invalid",
	"field_length",               // field, bytes
	"field_missing_or_too_large", // field, max (bytes)
	"id_invalid",                 // field, min, max
	"kdf_out_of_bounds",          // field; got and min or max
	"kvnr_invalid",
	"lang_invalid",

	// Registration, codes and login (service).
	"account_blocked",
	"code_expired",
	"code_format", // digits
	"code_used",
	"code_wrong",
	"device_blocked",
	"device_link_expired",
	"device_link_incomplete",
	"device_link_invalid",
	"device_link_used",
	"device_not_found",
	"email_unconfirmed",
	"kvnr_taken",
	"account_changed",
	"email_taken",
	"email_unchanged",
	"totp_secret_invalid", // bytes
	"totp_new_wrong",
	"passkeys_unavailable",
	"passkeys_too_many",    // max
	"passkey_name_invalid", // min, max
	"passkey_invalid",
	"passkey_challenge_invalid",
	"passkey_exists",
	"passkey_not_found",
	"login_failed",
	"registration_finished",
	"rate_limited_wait", // seconds
	"server_busy",
	"session_not_found",
	"session_key_unbound",
	"session_key_unproven",
	"session_key_stale", // minutes
	"session_key_replayed",
	"old_password_wrong",
	"totp_reused",
	"totp_wrong",
	"recovery_failed",
	"recovery_token_expired",
	"recovery_token_invalid",
	"recovery_token_used",
	"reset_code_wrong",
	"data_loss_unacknowledged",
	"data_loss_warning", // (not an error: the warning of a reset without the recovery key)
	"keys_changed",
	"public_key_changed",

	// Records and documents (service).
	"category_key_invalid",         // category
	"category_key_missing",         // category
	"category_key_version_unknown", // category, version
	"category_unknown",             // category
	"chunk_missing",                // n
	"chunk_not_stored",
	"chunk_number_invalid",
	"chunk_out_of_range", // n, chunks
	"chunk_too_long",     // size
	"chunk_too_short",    // size
	"chunks_missing",     // missing, chunks
	"cursor_invalid",
	"item_exists",
	"item_meta_changed", // version
	"item_not_found",
	"item_size_invalid",     // min, max
	"limit_invalid",         // min, max
	"range_not_satisfiable", // size
	"range_unsupported",
	"record_keys_missing",
	"record_not_found",
	"action_not_permitted",
	"representative_not_found",
	"representatives_limit",
	"representative_exists",
	"representative_self",
	"emergency_wait_invalid",
	"representative_not_accepted",
	"representative_key_changed",
	"representative_changed",
	"representative_kvnr_mismatch",
	"emergency_no_request",
	"representative_fingerprint_mismatch",
	"representative_key_missing",
	"representative_fingerprint_required",
	"replaces_invalid",
	"upload_complete",
	"upload_ended",
	"record_id_taken",

	// Provider accounts (service, store; decision 0034).
	"bsnr_invalid",
	"lanr_bsnr_required",
	"lanr_invalid",
	"not_a_provider",
	"provider_name_invalid", // min, max
	"provider_not_found",
	"provider_place_invalid", // max
	"provider_type_invalid",
	"public_key_invalid",
	"search_text_invalid",  // min, max
	"telematik_id_invalid", // max

	// The operator's decisions on providers (service, store).
	"provider_decided",
	"provider_email_unconfirmed",
	"provider_status_invalid",
	"telematik_id_taken",

	// The operator's configuration (store/postgres, blob/s3).
	"db_url_invalid",
	"s3_bucket_missing", // bucket
	"s3_url_invalid",

	// The operator's commands (service).
	"account_not_found", // ref
	"kvnr_not_held",
	"quota_negative",

	// The client core's refusals of what a server answers (client).
	"answer_mismatch",       // what, asked, got
	"category_key_rollback", // category, seen, got
	"kdf_above_ceiling",     // field, max, got
	"kdf_below_floor",       // field, min, got
	"kdf_downgrade",         // field, last, got
	"kdf_salt_changed",
	"kdf_unsupported", // alg

	// The client core's own refusals (client/core; also in the WebAssembly core).
	"account_key_substituted",
	"record_key_substituted",
	"replaces_forged",      // item
	"version_forged",       // item
	"item_withheld",        // item
	"item_resurrected",     // item
	"item_version_changed", // item
	"list_rolled_back",     // seen, got
	"manifest_unopenable",
	"manifest_missing",
	"manifest_too_large", // max_mib
	"manifest_changed",
	"category_key_unopenable", // category, version
	"file_changed_during_upload",
	"item_key_unopenable",  // item
	"item_meta_unopenable", // item
	"title_missing",
	"password_common",
	"password_contains_email",
	"password_contains_kvnr",
	"password_invalid_chars",
	"password_one_char",
	"password_too_long",  // max
	"password_too_short", // got, min
	"record_key_unopenable",
	"recovery_key_malformed",
	"recovery_key_typo",
	"recovery_key_unopenable",
	"umk_unopenable",
	"umk_unopenable_recovery",
	"umk_changed",
	"upload_changed",

	// The Go client of the API (client).
	"connection_lost",
	"content_digest_mismatch", // item
	"content_unauthentic",     // item
	"not_logged_in",
	"server_answer_unexpected", // status
	"server_answer_unreadable",
	"server_unreachable", // server
	"server_url_invalid",
	"session_key_unopenable",
	"session_locked",
	"state_damaged", // file

	// The audit protocol: the request (service) and what a verifying
	// client found (audit.Verify, docs/audit.md §6).
	"invalid_since",
	"key_changed",
	"checkpoint_malformed",
	"state_invalid",
	"checkpoint_signature",
	"checkpoint_origin",
	"checkpoint_rollback", // size, last_size; or time, last_time
	"checkpoint_stale",    // age_seconds
	"consistency_failed",  // size, last_size; or since, last_size
	"event_altered",       // index
	"event_inserted",      // index
	"event_missing",       // index
	"inclusion_failed",    // index; or start, end

	// The patient's commands (cmd/akte).
	"date_format", // flag
	"erase_aborted",
	"erase_not_confirmed",
	"file_exists",   // file
	"flag_required", // flags
	"home_unknown",
	"json_with_stdout",
	"replaces_one_file",
	"secret_missing", // env, what
	"secrets_differ",
	"stdin_ended", // what

	// The command line itself (internal/cli).
	"file_not_found",          // file
	"file_not_permitted",      // file
	"args_exact",              // command, got, want
	"args_max",                // command, got, want
	"args_min",                // command, want
	"args_none",               // command, got
	"command_unknown",         // command, parent
	"command_unknown_suggest", // command, parent, suggestions
	"flag_invalid_value",      // flag, value
	"flag_needs_value",        // flag
	"flag_syntax",             // flag
	"flag_unknown",            // flag

	// The operator's commands and configuration (internal/server).
	"config_blobs_url",
	"config_count", // name, value
	"config_db_url",
	"config_duration",     // name, value
	"config_link_url",     // name, value
	"config_log_level",    // value
	"config_portal_links", // value, error
	"config_proxies",      // value
	"config_s3_credentials",
	"config_size",      // name, value
	"config_store_url", // cause, flag, form, problem
	"config_tls_pair",
	"migrate_copy_differs",
	"migrate_no_source", // dir
	"backup_external",
	"backup_keep_invalid", // max
	"migrate_target_differs",
	"migrate_verify_failed", // source, target
	"operator_unknown",
	// The export (akte export).
	"passphrase_too_short", // min
	"passphrase_wrong",
	"file_unreadable", // file
	"import_damaged",  // file
	"import_invalid",
	"export_write_failed", // the web app: the browser refused to write the file
	// Patient CDs and study items (package dicom, akte import-cd).
	"dicom_bad_deflate",
	"dicom_bad_meta",
	"dicom_bad_structure",
	"dicom_bad_vr",
	"dicom_content_closed",
	"dicom_content_size",
	"dicom_directory",
	"dicom_file_changed",
	"dicom_file_too_large",
	"dicom_header_too_large",
	"dicom_invalid_uid",
	"dicom_length_beyond_end",
	"dicom_manifest_encode",
	"dicom_manifest_invalid",
	"dicom_manifest_too_large",
	"dicom_manifest_version",
	"dicom_missing_uid",
	"dicom_nesting_too_deep",
	"dicom_no_studies",
	"dicom_not_dicom",
	"dicom_other_patient",
	"dicom_parse",
	"dicom_scan_too_large",
	"dicom_source_unreadable",
	"dicom_study_invalid",
	"dicom_too_many_elements",
	"dicom_too_many_files",
	"dicom_too_many_instances",
	"dicom_truncated",
	"duplicate",
	"empty",
	"import_not_confirmed",
	"malformed",
	"special",
	"symlink",
	"too_deep",
	"unreadable",
	"zip_encrypted",
	"zip_entry",
	"zip_invalid",
	"zip_method",
	"zip_ratio",
	"zip_too_large",
	// The account's notice (service.Terminate).
	"termination_none",
	"termination_not_confirmed",

	// Structured entries (fhir, client).
	"fhir_not_object",
	"fhir_json_invalid",
	"fhir_resource_type_missing",
	"fhir_resource_type_unsupported",
	"fhir_resource_type_wrong",
	"fhir_type_mismatch",
	"fhir_element_unknown",
	"fhir_element_missing",
	"fhir_code_invalid",
	"fhir_choice_multiple",
	"fhir_date_invalid",
	"date_in_future",
	"date_before_birth",
	"period_end_before_start",
	"dose_number_invalid",
	"target_disease_missing",
	"pzn_check_digit",
	"kvnr_check_digit",
	"lanr_check_digit",
	"bsnr_format",
	"billing_date_invalid", // line
	"billing_name_missing", // line
	"billing_not_bundle",
	"billing_no_lines",
	"billing_too_large", // max
	"entry_too_large",
	"entry_not_found",
	"item_kind_invalid",

	// The consent ledger and the restriction (service/consent.go, decision 0044).
	"consent_required",      // text
	"consent_text_outdated", // text, version
	"consent_text_unknown",
	"consent_not_active",

	// The research data donation (service, client, donation; decision 0048).
	"donation_category_unknown",     // category, known
	"donation_consent_missing",      // category
	"donation_fingerprint_mismatch", // offered
	"donation_not_encrypted",
	"donation_not_offered",
	"donation_nothing_on",
	"donation_recipient_changed", // pinned, offered
	"donation_recipient_invalid",
	"donation_sink_unavailable",
	"donation_too_large", // max
	"consent_not_withdrawable",
	"consent_via_invalid",
	"consent_decision_invalid",
	"consent_not_found",
	"consent_text_changed", // text
	"consents_due",         // texts
	"record_restricted",

	// Services and the profile (client).
	"service_unknown",
	"service_not_available",
	"service_off",
	"consent_not_given",

	// The medication plan (bmp, client) and its reminders (service).
	"bmp_empty",
	"bmp_too_large", // max
	"bmp_not_a_plan",
	"bmp_xml_invalid",
	"bmp_truncated",
	"bmp_version_unsupported", // version, min, max
	"bmp_attribute_missing",   // element, where, path, attribute, section, line
	"bmp_attribute_invalid",   // element, where, path, attribute, section, line
	"bmp_attribute_conflict",  // element, where, attribute, other, section, line
	"bmp_code_unknown",        // element, where, path, attribute, section, line
	"bmp_element_missing",     // element, where, path
	"bmp_line_empty",          // element, where, path, section, line
	"bmp_pages_mismatch",
	"bmp_pages_missing",   // missing, pages
	"bmp_image_too_large", // max_bytes or max_pixels
	"bmp_image_unreadable",
	"bmp_code_not_found",
	"bmp_code_too_large",
	"medplan_none",
	"medplan_line_unknown",  // line, lines
	"medplan_slot_invalid",  // slot
	"reminder_tz_invalid",   // tz
	"reminder_time_invalid", // slot, value
	"reminders_none",
	"reminder_via_invalid", // via
	"push_off",
	"push_endpoint_refused",
	"push_keys_invalid",
	"push_subscriptions_too_many", // max
	"push_subscription_not_found",
	"birth_date_required",
	"sex_required",
	"sex_invalid",
	"profile_unreadable",

	// The status of vaccinations and check-ups (rules): the reason of a result.
	"series_complete",
	"up_to_date",
	"dose_due",
	"dose_overdue",
	"from_age",
	"no_recommendation",
	"catch_up_age_passed",
	"indication_only",
	"season_done",
	"season_due",
	"season_overdue",
	"off_season",
	"min_interval",
	"done",
	"done_this_half_year",
	"examination_due",
	"examination_overdue",
	"window_passed",
	"age_limit",
	"covered_by",
	"bonus_year_covered",
	"bonus_year_open",
	// Grants, hiding and blocking (service/grant.go, client/core/grant.go).
	"grantee_self",
	"grant_until_and_unlimited",
	"grant_until_past",
	// Shares (decision 0042).
	"share_id_invalid",
	"share_proof_invalid",
	"share_expiry_past",
	"share_expiry_too_far", // days
	"share_items_invalid",  // max
	"share_exists",
	"share_not_found",
	"share_unavailable",
	"share_link_invalid",
	"grant_scope_invalid",    // max
	"category_not_grantable", // category
	"grant_keys_invalid",     // key
	"grant_keys_missing",     // key
	"grant_not_found",
	"category_key_version_exists",
	"hiding_invalid",
	"block_not_found",
	"inbox_key_version",
	"category_key_outdated",        // category, version
	"category_key_rotation_needed", // category
	"grant_key_unopenable",         // key
	"grantee_key_mismatch",         // fingerprint
	"record_key_changed",

	// Write-only parties: apps, the insurer, activation (decision 0043).
	"party_name_invalid", // max
	"party_kind_invalid",
	"app_not_found",
	"activation_code_invalid",
	"activation_code_format", // format
	"record_key_unverified",  // fingerprint
	"record_key_mismatch",    // fingerprint
	"push_file_type",
	"credential_missing",
	"app_connect_not_confirmed",
}
