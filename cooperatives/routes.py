"""HTTP API of cooperatives, members, unions and certifications: parse, authorise, call one use case, serialise."""
from __future__ import annotations

from flask import current_app, send_file

from cooperatives import certifications, change_requests, multipart, services, unions
from cooperatives.certification_schemas import (CertificateCheckSchema, CertificateNumberArgsSchema,
                                                CertificationDecisionSchema, CertificationPageSchema,
                                                CertificationQueueArgsSchema, CertificationSchema,
                                                CertificationSubmissionSchema, QueuedCertificationPageSchema,
                                                QueuedCertificationSchema)
from cooperatives.schemas import (ChangeDecisionSchema, ChangeQueueArgsSchema, CooperativeChangePageSchema,
                                  CooperativeChangeSchema, CooperativeCreateSchema, CooperativeDecisionSchema,
                                  CooperativeDetailSchema, CooperativeListArgsSchema, CooperativePageSchema,
                                  CooperativeQueueArgsSchema, CooperativeUpdateSchema, EditedCooperativeSchema,
                                  JoinDecisionSchema, JoinRequestArgsSchema, JoinRequestPageSchema, JoinRequestSchema,
                                  ManagerInviteSchema, ManagersSchema, MemberCreateSchema, MemberListArgsSchema,
                                  MemberPageSchema, MemberSchema, MemberUpdateSchema, UnionMembershipSchema)
from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required, current_user, require_user
from marketplace.pagination import PageArgsSchema

blp = multipart.Blueprint("cooperatives", __name__, url_prefix="/api/v1",
                          description="Cooperatives, members, unions and certifications")

MANAGER_OR_ADMIN = (Role.COOPERATIVE, Role.ADMIN)


# --- cooperatives -----------------------------------------------------------------------------------------------

@blp.route("/cooperatives", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.arguments(CooperativeCreateSchema)
@blp.response(201, CooperativeDetailSchema)
def create_cooperative(body):
    """Register a cooperative (pending verification); the caller becomes its manager."""
    return services.create_cooperative(require_user(), body)


@blp.route("/cooperatives", methods=["GET"])
@blp.arguments(CooperativeListArgsSchema, location="query")
@blp.response(200, CooperativePageSchema)
def list_cooperatives(args):
    """Verified cooperatives, filtered by region, sector, legal form or a text; admins may ask for a status."""
    return services.list_cooperatives(current_user(), **args)


@blp.route("/cooperatives/<int:cooperative_id>", methods=["GET"])
@blp.response(200, CooperativeDetailSchema)
def get_cooperative(cooperative_id):
    """A cooperative with its certifications in force (and, for a union, its member cooperatives)."""
    return services.get_cooperative(current_user(), cooperative_id)


@blp.route("/cooperatives/<int:cooperative_id>", methods=["PATCH"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(*MANAGER_OR_ADMIN)
@blp.arguments(CooperativeUpdateSchema(partial=True))
@blp.response(200, EditedCooperativeSchema)
@blp.alt_response(202, schema=EditedCooperativeSchema,
                  description="A verified cooperative's legal identifiers are held in `pending_change`")
def update_cooperative(body, cooperative_id):
    """Edit a cooperative; a manager's correction of a verified cooperative's legal identifiers waits for an
    administrator (202) while the verified identity stays in force."""
    edited = change_requests.edit_cooperative(require_user(), cooperative_id, body)
    return edited, 202 if edited.pending_change is not None else 200


@blp.route("/admin/cooperative-changes", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.arguments(ChangeQueueArgsSchema, location="query")
@blp.response(200, CooperativeChangePageSchema)
def cooperative_change_queue(args):
    """Held corrections of verified cooperatives' legal identifiers (default pending), oldest first."""
    return change_requests.change_queue(**args)


@blp.route("/admin/cooperative-changes/<int:change_id>/decision", methods=["POST"])
@auth_required(Role.ADMIN)
@blp.arguments(ChangeDecisionSchema)
@blp.response(200, CooperativeChangeSchema)
def decide_cooperative_change(body, change_id):
    """Approve (the corrections apply) or reject (a reason is required) a held change."""
    return change_requests.decide_change(require_user(), change_id, **body)


@blp.route("/cooperatives/<int:cooperative_id>/managers", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(*MANAGER_OR_ADMIN)
@blp.arguments(ManagerInviteSchema)
@blp.response(201, ManagersSchema)
def add_manager(body, cooperative_id):
    """Make another cooperative account a manager of this cooperative."""
    return services.add_manager(require_user(), cooperative_id, **body)


@blp.route("/cooperatives/<int:cooperative_id>/union", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.arguments(UnionMembershipSchema)
@blp.response(202, JoinRequestSchema)
@blp.alt_response(200, schema=CooperativeDetailSchema, description="`union_id: null`: the cooperative left")
def join_union(body, cooperative_id):
    """Ask a verified union to take the cooperative in (its managers decide); `union_id: null` leaves it."""
    if body["union_id"] is None:
        cooperative = unions.leave_union(require_user(), cooperative_id)
        return current_app.json.response(CooperativeDetailSchema().dump(cooperative))
    return unions.ask_to_join(require_user(), cooperative_id, body["union_id"])


@blp.route("/cooperatives/<int:cooperative_id>/join-requests", methods=["GET"])
@auth_required(*MANAGER_OR_ADMIN)
@blp.arguments(JoinRequestArgsSchema, location="query")
@blp.response(200, JoinRequestPageSchema)
def list_join_requests(args, cooperative_id):
    """Requests to join this union (default pending), oldest first: for its managers and administrators."""
    return unions.join_requests(require_user(), cooperative_id, **args)


@blp.route("/cooperatives/<int:cooperative_id>/join-requests/<int:request_id>/decision", methods=["POST"])
@auth_required(Role.COOPERATIVE)
@blp.arguments(JoinDecisionSchema)
@blp.response(200, JoinRequestSchema)
def decide_join_request(body, cooperative_id, request_id):
    """Accept (the cooperative joins) or refuse (a reason is required) a request, as a manager of the union."""
    return unions.decide_join_request(require_user(), cooperative_id, request_id, **body)


@blp.route("/admin/cooperatives", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.arguments(CooperativeQueueArgsSchema, location="query")
@blp.response(200, CooperativePageSchema)
def cooperative_queue(args):
    """The verification queue: cooperatives in a status (default pending), oldest first."""
    return services.cooperative_queue(**args)


@blp.route("/admin/cooperatives/<int:cooperative_id>/decision", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.ADMIN)
@blp.arguments(CooperativeDecisionSchema)
@blp.response(200, CooperativeDetailSchema)
def decide_cooperative(body, cooperative_id):
    """Verify, reject, suspend or reinstate a cooperative (a reason is required except to verify)."""
    return services.decide_cooperative(require_user(), cooperative_id, **body)


# --- members ----------------------------------------------------------------------------------------------------

@blp.route("/cooperatives/<int:cooperative_id>/members", methods=["GET"])
@auth_required(*MANAGER_OR_ADMIN)
@blp.arguments(MemberListArgsSchema, location="query")
@blp.response(200, MemberPageSchema)
def list_members(args, cooperative_id):
    """The cooperative's members (those who left only with include_left=true)."""
    return services.list_members(require_user(), cooperative_id, **args)


@blp.route("/cooperatives/<int:cooperative_id>/members", methods=["POST"])
@auth_required(*MANAGER_OR_ADMIN)
@blp.arguments(MemberCreateSchema)
@blp.response(201, MemberSchema)
def add_member(body, cooperative_id):
    """Add a member."""
    return services.add_member(require_user(), cooperative_id, body)


@blp.route("/cooperatives/<int:cooperative_id>/members/<int:member_id>", methods=["PATCH"])
@auth_required(*MANAGER_OR_ADMIN)
@blp.arguments(MemberUpdateSchema(partial=True))
@blp.response(200, MemberSchema)
def update_member(body, cooperative_id, member_id):
    """Edit a member."""
    return services.update_member(require_user(), cooperative_id, member_id, body)


@blp.route("/cooperatives/<int:cooperative_id>/members/<int:member_id>", methods=["DELETE"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(*MANAGER_OR_ADMIN)
@blp.response(200, MemberSchema)
def remove_member(cooperative_id, member_id):
    """Record that the member left today (the history is kept)."""
    return services.remove_member(require_user(), cooperative_id, member_id)


# --- certifications ---------------------------------------------------------------------------------------------

@blp.route("/cooperatives/<int:cooperative_id>/certifications", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.COOPERATIVE)
@blp.arguments(CertificationSubmissionSchema, location=multipart.LOCATION)
@blp.response(201, CertificationSchema)
def submit_certification(body, cooperative_id):
    """Submit a certification with its document (PDF, JPEG or PNG, at most 10 MB)."""
    document = body.pop("document")
    return certifications.submit_certification(require_user(), cooperative_id, body, document.stream)


@blp.route("/cooperatives/<int:cooperative_id>/certifications", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, CertificationPageSchema)
def list_certifications(args, cooperative_id):
    """Certifications: all for managers and admins, verified (or expired) ones for everyone else."""
    return certifications.list_certifications(current_user(), cooperative_id, **args)


@blp.route("/certifications/verify", methods=["GET"])
@blp.arguments(CertificateNumberArgsSchema, location="query")
@blp.response(200, CertificateCheckSchema)
def check_certificate(args):
    """Public check of a certificate number: holder, kind, status and expiry."""
    return certifications.check_certificate(args["number"])


@blp.route("/certifications/<int:certification_id>/document", methods=["GET"])
@auth_required(*MANAGER_OR_ADMIN)
@blp.doc(responses={"200": {"description": "The stored document, as an attachment", "content": {
    "application/pdf": {}, "image/jpeg": {}, "image/png": {}}}})
def certification_document(certification_id):
    """The certification's document, for the cooperative's managers and administrators."""
    certification, path = certifications.certification_document(require_user(), certification_id)
    response = send_file(path, mimetype=certification.document_content_type, as_attachment=True,
                         download_name=f"certification-{certification.id}{path.suffix}", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blp.route("/admin/certifications", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.arguments(CertificationQueueArgsSchema, location="query")
@blp.response(200, QueuedCertificationPageSchema)
def certification_queue(args):
    """The verification queue: certifications in a status (default submitted), oldest first."""
    return certifications.certification_queue(**args)


@blp.route("/admin/certifications/<int:certification_id>/decision", methods=["POST"])
@blp.alt_response(409, response="CONFLICT")
@auth_required(Role.ADMIN)
@blp.arguments(CertificationDecisionSchema)
@blp.response(200, QueuedCertificationSchema)
def decide_certification(body, certification_id):
    """Verify, reject or revoke a certification (a reason is required except to verify)."""
    return certifications.decide_certification(require_user(), certification_id, **body)
