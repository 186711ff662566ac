"""Operations: health and readiness, metrics, logs, backup and restore."""
