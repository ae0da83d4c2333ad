"""The domain's operations. GraphQL resolvers, workers and the CLI call these, never the tables."""
