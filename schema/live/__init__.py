"""Live updates: GraphQL subscriptions over WebSocket (graphql-transport-ws)."""
