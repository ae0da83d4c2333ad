"""arq jobs: emails and role revocations, fed by the outbox."""
