"""Stable error codes of the intake (the API returns them as `code`)."""

VALIDATION_ERROR = "validation_error"  # one or more fields are wrong: see `fields`
ATTACHMENT_TOO_LARGE = "attachment_too_large"  # 413
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # 415: not JPEG/PNG/WebP by content
INVALID_IMAGE = "invalid_image"
IMAGE_TOO_LARGE = "image_too_large"  # 413: too many pixels
RATE_LIMITED = "rate_limited"  # 429, with Retry-After
REQUEST_TOO_LARGE = "request_too_large"  # 413
IMPORT_FILE_INVALID = "import_file_invalid"
ATTACHMENT_NOT_FOUND = "attachment_not_found"  # 404: no such photo on this case
PUBLISH_FORBIDDEN = "publish_forbidden"  # 403: only the centre's dispatchers (and admins) publish photos
