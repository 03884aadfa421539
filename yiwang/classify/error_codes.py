"""Codes of the classifier's refusals (ApplicationError.code)."""

NOT_TRAINED = "classifier_not_trained"  # no active model version yet
VERSION_NOT_FOUND = "classifier_version_not_found"  # rollback to a version that does not exist
BAD_DATA = "classifier_bad_data"  # the training/evaluation CSV is unusable (columns, rows, labels)
ARTIFACT_CORRUPT = "classifier_artifact_corrupt"  # stored bytes do not match their sha256
