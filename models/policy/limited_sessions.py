"""A sign-in limited to putting itself right: a person holding a temporary password (until
`changePassword`), or a browser session limited to enrolling a second factor (until
`confirmTotpEnrollment`), may read `viewer` and run those mutations and `signOut`, and nothing
else.

The schema refuses such an operation's other root fields (`schema/sign_in/`); this is the rule
beneath it, so that what `viewer` leads to is covered too (`viewer { organization { members
} }`, its API clients, its people's sessions...). Such a viewer acts as a limited actor: it
holds no role and no scope, so every role-based decision of the policy refuses it, and the
decisions that go by who the person is (their own sessions, their own bearer tokens) refuse a
limited actor by name. What the person may still do (change the password, enrol) asks only
who they are.
"""

from __future__ import annotations

import dataclasses

from models.identity.actors import Actor
from models.identity.viewer import Viewer


def is_limited(viewer: Viewer) -> bool:
    """True while the viewer must change a temporary password or enrol a second factor."""
    must_change = viewer.user is not None and viewer.user.must_change_password
    return must_change or viewer.mfa_enrollment_required


def limited_actor(actor: Actor) -> Actor:
    """`actor`, stripped of every role and scope and marked limited."""
    return dataclasses.replace(actor, roles=frozenset(), scopes=None, limited=True)


def as_signed_in(viewer: Viewer) -> Viewer:
    """The viewer as the policy sees them: acting as a limited actor while limited."""
    if is_limited(viewer) and not viewer.actor.limited:
        return dataclasses.replace(viewer, actor=limited_actor(viewer.actor))
    return viewer
