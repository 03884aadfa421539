"""Stable error codes of the Open311 app. The spec's error document carries the HTTP status as its
`code` (403 api_key, 404 unknown resource, 400 anything else); these name the reason in logs and tests."""

INVALID_ARGUMENT = "invalid_argument"
API_KEY_INVALID = "api_key_invalid"
JURISDICTION_NOT_FOUND = "jurisdiction_not_found"
SERVICE_NOT_FOUND = "service_not_found"
REQUEST_NOT_FOUND = "request_not_found"
TOKEN_NOT_FOUND = "token_not_found"
ADDRESS_NOT_FOUND = "address_not_found"
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
GENERAL_ERROR = "general_error"
