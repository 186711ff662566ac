"""The catalog: benefits, redemptions and vouchers."""

from server.catalog.benefits import (  # noqa: F401  (the package's verbs)
    CATEGORY,
    HELD,
    MAX_DESCRIPTION,
    MAX_POINTS_COST,
    MAX_STOCK,
    ORDERING,
    SLUG,
    BenefitInput,
    Eligibility,
    benefit_by_slug,
    blocking_reason,
    catalog_query,
    eligibility_for,
    held_quantities,
    is_available,
    remaining,
    save_benefit,
    spendable_points,
    tier_allows,
    upsert_benefit,
)
