"""A session limited to enrolment: someone who must use a second factor and has none yet may
read `viewer`, enrol an authenticator and sign out, and nothing else, until enrolment is
confirmed.

Checked once per operation, on its root fields (through fragments too), before anything
runs, as the temporary password's rule is (`password_change.py`, which goes first: a
temporary password is changed before enrolling). A refused operation is one top-level
error with `extensions.code` MFA_ENROLLMENT_REQUIRED and runs nothing. Only browser sessions
are limited (authentication marks them: `Viewer.mfa_enrollment_required`): bearer tokens
are for scripts, and a person makes them from a full session.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.errors import RequestErrorCode
from schema.sign_in.password_change import root_fields

ALLOWED_FIELDS = frozenset(
    {
        "viewer",
        "startTotpEnrollment",
        "confirmTotpEnrollment",
        "signOut",
        "__typename",
        "__schema",
        "__type",
    }
)


class MfaEnrollmentRequired(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        viewer = getattr(execution.context, "viewer", None)
        document = execution.graphql_document
        if (
            viewer is not None
            and viewer.mfa_enrollment_required
            and not (viewer.user is not None and viewer.user.must_change_password)
            and document is not None
            and root_fields(document, execution.operation_name) - ALLOWED_FIELDS
        ):
            error = GraphQLError(
                "Set up your authenticator app first (startTotpEnrollment, then "
                "confirmTotpEnrollment): your roles or your organization require a "
                "second factor.",
                extensions={"code": RequestErrorCode.MFA_ENROLLMENT_REQUIRED.value},
            )
            if execution.operation_type is OperationType.SUBSCRIPTION:
                raise error  # a result does not stop a subscription's stream: an error does
            execution.result = ExecutionResult(data=None, errors=[error])
        yield
