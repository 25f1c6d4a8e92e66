"""Identity verification and account linking: the lookup, the statement, the result."""
