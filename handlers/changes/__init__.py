"""The change-request table and its weekly digest: rules, service, storage calls, commands, strings."""
