"""Webhook deliveries run in a few lanes, so that they never crowd out emails and revocations.

Each enabled endpoint belongs to one of LANES lanes (by its id). A lane's job tries the due
deliveries of its endpoints (a few endpoints at a time, `workers/outbound_webhooks.py`)
within a time budget, then ends; the cron job every 5 seconds, and the job a change queues,
start each lane that has an endpoint due. A lane's job id is fixed and its result is not
kept, so arq runs at most one job per lane in the whole fleet at any moment: however slow
the receivers, webhooks hold at most LANES job slots, and a lane still running when the next
tick comes is not started twice (ticks never overlap). What a lane leaves when its budget is
spent stays due in the database, and the next tick takes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from arq.connections import ArqRedis

from models.foundation.budget import Budget
from models.foundation.clock import utcnow
from workers import outbound_webhooks
from workers.queue import JobSpec, enqueue_many
from workers.runtime import Runtime

LANES = 4
LANE_JOB = "deliver_webhook_lane"
# Seconds kept free at the end of a lane's job: the tries under way when its budget runs out
# end within their deadline, and the job records them within this.
MARGIN = 5.0


def lane_of(endpoint_id: UUID) -> int:
    return endpoint_id.int % LANES


def lane_job_id(lane: int) -> str:
    return f"webhooks:lane:{lane}"


async def start_lanes(redis: ArqRedis, endpoint_ids: Iterable[UUID]) -> int:
    """Start the lane of each endpoint, unless it runs already; how many were started."""
    lanes = sorted({lane_of(endpoint_id) for endpoint_id in endpoint_ids})
    jobs = [JobSpec(LANE_JOB, lane_job_id(lane), (lane,)) for lane in lanes]
    return len(await enqueue_many(redis, jobs))


def lane_budget(runtime: Runtime) -> Budget:
    """How long a lane starts new tries: its job's time-out (JOB_TIMEOUT), less the longest
    a try may last and a margin; at least a second, so that a lane always gets something done."""
    deadline = outbound_webhooks.try_deadline(runtime.webhook_timeout)
    return Budget.of(max(1.0, runtime.settings.job_timeout - deadline - MARGIN))


async def deliver_lane(runtime: Runtime, lane: int, budget: Budget) -> int:
    """Try the due deliveries of the lane's endpoints; how many tries were made."""
    due = await outbound_webhooks.due_endpoints(utcnow())
    return await outbound_webhooks.deliver(
        runtime, [endpoint_id for endpoint_id in due if lane_of(endpoint_id) == lane], budget
    )
