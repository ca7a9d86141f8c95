"""Error codes of the cooperatives package."""
from __future__ import annotations

from enum import StrEnum


class CooperativeError(StrEnum):
    ICE_TAKEN = "ice_taken"
    NOT_A_COOPERATIVE_USER = "not_a_cooperative_user"
    ALREADY_MANAGER = "already_manager"
    UNION_NOT_AVAILABLE = "union_not_available"
    UNION_CANNOT_JOIN_UNION = "union_cannot_join_union"
    MEMBER_ALREADY_LEFT = "member_already_left"
    UNION_HAS_MEMBERS = "union_has_members"
    ALREADY_IN_UNION = "already_in_union"
    COOPERATIVE_NOT_ACTIVE = "cooperative_not_active"
    DOCUMENT_TOO_LARGE = "document_too_large"
    DOCUMENT_TYPE_NOT_ALLOWED = "document_type_not_allowed"
    DOCUMENT_CORRUPT = "document_corrupt"
    CERTIFICATE_NUMBER_TAKEN = "certificate_number_taken"
    CERTIFICATE_EXPIRED = "certificate_expired"
    FOREIGN_PRODUCTS = "foreign_products"
