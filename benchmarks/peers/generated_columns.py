"""The headers of the files `pulse generate` writes, shared by both peers (every file of a kind has the same)."""

# Hard-coded, as an analyst's notebook would.
COLUMNS: dict[str, list[str]] = {
    "sales": [
        "order_id", "line_number", "customer_id", "email", "phone", "ordered_at", "product_id", "product_name",
        "category", "quantity", "unit_price", "discount_amount", "unit_cost", "currency", "sales_channel", "region",
        "status",
    ],
    "interactions": [
        "interaction_id", "customer_id", "email", "phone", "channel", "type", "stage", "priority", "created_at",
        "first_response_at", "resolved_at", "status", "agent", "reopen_count", "rating", "subject",
    ],
    "surveys": [
        "response_id", "customer_id", "email", "phone", "survey_type", "method", "submitted_at", "nps", "csat", "ces",
        "score_product_quality", "score_service_quality", "score_delivery", "score_value_for_money", "comment",
        "order_id", "interaction_id",
    ],
    "customers": [
        "customer_id", "full_name", "email", "phone", "gender", "birth_date", "city", "region", "country",
        "signup_date", "acquisition_channel", "account_manager", "marketing_opt_in", "updated_at",
    ],
}  # fmt: skip
