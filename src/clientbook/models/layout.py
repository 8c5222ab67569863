"""Where each table lives on a Citus cluster: the layout ``clientbook distribute`` makes.

Every table is one of two kinds, and ``tests/test_schema_layout.py`` fails for a table
that is neither:

- **global**: rows that belong to no store (stores themselves, staff accounts and their
  sign-in state). Small and read by every request: copied whole to every node (Citus
  *reference tables*).
- **store-owned**: everything else. Hash-distributed by ``store_id`` and colocated with
  ``customers``, so one store's rows sit on one node and every join, foreign key and
  unique key stays inside it. That holds only because each such table's primary key,
  unique keys and foreign keys to other store-owned tables lead with ``store_id``.
"""

DISTRIBUTION_COLUMN = "store_id"

# The table every store-owned table is colocated with.
ANCHOR = "customers"

# Keyed by store yet global: read before any store is known (a request's host name picks
# its store) and unique across stores (a domain belongs to one store), which a table
# sharded by store could not enforce. Small, and copied to every node like the others.
STORE_LOOKUP_TABLES = ("store_domains",)

GLOBAL_TABLES = (
    "stores",
    "users",
    "auth_sessions",
    "refresh_tokens",
    "login_attempts",
    *STORE_LOOKUP_TABLES,
)

STORE_OWNED_TABLES = (
    ANCHOR,
    "api_keys",
    "customer_addresses",
    "customer_codes",
    "customer_counts",
    "customer_credentials",
    "customer_events",
    "customer_files",
    "customer_group_members",
    "customer_groups",
    "customer_profiles",
    "customer_properties",
    "customer_push_tokens",
    "customer_refresh_tokens",
    "customer_sessions",
    "data_exports",
    "duplicate_checks",
    "duplicate_pairs",
    "duplicate_scans",
    "store_origins",
    "idempotency_keys",
    "invitations",
    "loyalty_allocations",
    "loyalty_balances",
    "loyalty_earning_rules",
    "loyalty_entries",
    "loyalty_lots",
    "loyalty_members",
    "loyalty_points_of_sale",
    "loyalty_pos_sellers",
    "loyalty_programmes",
    "loyalty_purchase_stats",
    "loyalty_purchases",
    "loyalty_redemptions",
    "loyalty_referral_codes",
    "loyalty_referral_rules",
    "loyalty_referrals",
    "loyalty_rewards",
    "loyalty_tiers",
    "loyalty_wallets",
    "memberships",
    "message_templates",
    "outbox_messages",
    "prescriptions",
    "price_lists",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
)
