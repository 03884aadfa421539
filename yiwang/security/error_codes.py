"""Error codes of the security app (ApplicationError.code)."""

REVEAL_FORBIDDEN = "reveal_forbidden"  # the user's role may not see unmasked personal data
REVEAL_REASON_REQUIRED = "reveal_reason_required"  # a reveal needs a reason
FIELD_NOT_PERSONAL = "field_not_personal"  # the field is not a registered personal-data field
