"""What one invitation costs the database: the SQL statements of a `sendInvitation` request,
and of the job that emails it. The invitation benchmark (`benchmarks/invitations.py`) sends
500 of each, so a statement more here is 500 more there.

Tortoise logs every statement it sends on the `tortoise.db_client` logger at DEBUG; the
tests count those records, as `tests/test_query_counts.py` does for the list pages.
"""

from __future__ import annotations

from arq.connections import ArqRedis

from models.foundation.settings import Settings
from models.reference.enums import EmailStatus, PartnerRole
from models.tables.activity import ActivityEntry
from models.tables.invitations import Invitation
from models.tables.outbox import OutboxMessage, Task
from models.tables.quotas import QuotaCounter
from tests import factories as f
from tests.graphql import GraphQLClient
from tests.servers import SmtpServer
from tests.statements import logged_statements
from workers.jobs import send_invitation_email
from workers.runtime import Runtime

# sendInvitation, signed in with a bearer token:
#   1. the bearer token, with its user and organization
#   2. the three quotas (agent, partner, recipient), counted in one statement
#   3. the invitation
#   4. the display names taken, for its delegated admin relationship's default name (GDAP)
#   5. its delegated admin relationship
#   6. the email's outbox message
#   7. the activity entry
#   8. the webhook endpoints subscribed to `invitation.sent`
#   9. the outbox message marked enqueued, once arq holds its job
#  10. the payload's partner (a loader)
# (BEGIN and COMMIT are not logged.)
SEND_STATEMENTS = 10
# The job that emails it:
#   1. the outbox message
#   2. the invitation, with its partner (one joined SELECT)
#   3. the try recorded (its Message-ID), before the email goes
#   4. the email recorded sent
#   5. the outbox message completed
EMAIL_STATEMENTS = 5


def _listing(statements: list[str]) -> str:
    return "\n".join(f"  {n}. {s[:300]}" for n, s in enumerate(statements, 1))


async def test_an_invitation_and_its_email_cost_a_fixed_number_of_statements(
    api: GraphQLClient, db: Settings, smtp_server: SmtpServer
) -> None:
    # Given a partner's admin agent
    agent = await f.person(await f.partner(), PartnerRole.ADMIN_AGENT)

    # When the agent sends an invitation
    with logged_statements() as sent:
        payload = await f.send(api, agent, customerEmail="ann@customer.example.com")

    # Then it is written whole, counted against each quota, for SEND_STATEMENTS statements
    assert payload["errors"] == []
    assert len(sent) == SEND_STATEMENTS, _listing(sent)
    invitation = await Invitation.get()
    assert await ActivityEntry.filter(action="invitation.sent").count() == 1
    assert sorted(await QuotaCounter.all().values_list("scope", "hits")) == [
        ("agent", 1),
        ("partner", 1),
        ("recipient", 1),
    ]
    message = await OutboxMessage.get(task=Task.SEND_INVITATION_EMAIL)
    assert message.enqueued_at is not None

    # When its job runs
    redis = ArqRedis.from_url(db.redis_url or "")
    runtime = Runtime(db)
    try:
        with logged_statements() as emailed:
            outcome = await send_invitation_email(
                {"runtime": runtime, "redis": redis, "job_try": 1}, str(message.id)
            )
    finally:
        await runtime.close()
        await redis.aclose()

    # Then the email went out, recorded before and after, for EMAIL_STATEMENTS statements
    assert outcome == "sent"
    assert len(emailed) == EMAIL_STATEMENTS, _listing(emailed)
    (mail,) = smtp_server.wait_for(1)
    assert mail.message["To"] == "ann@customer.example.com"
    await invitation.refresh_from_db()
    assert invitation.email_status is EmailStatus.SENT
    assert invitation.email_message_id == mail.message["Message-ID"]
    await message.refresh_from_db()
    assert message.completed_at is not None
