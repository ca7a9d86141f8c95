from flask_smorest import Blueprint

from marketplace.auth.models import Role
from marketplace.auth.permissions import auth_required, require_user
from marketplace.notifications import services
from marketplace.notifications.schemas import MyNotificationSchema, NotificationQuerySchema, NotificationSchema
from marketplace.pagination import PageArgsSchema, page_schema

blp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="Messages sent by e-mail and SMS")


@blp.route("/admin/notifications", methods=["GET"])
@auth_required(Role.ADMIN)
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, page_schema(NotificationSchema, "NotificationPage"))
def all_notifications(args):
    """Every message the platform sent or tried, newest first; filter by status, recipient, event."""
    return services.list_notifications(**args)


@blp.route("/me/notifications", methods=["GET"])
@auth_required()
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, page_schema(MyNotificationSchema, "MyNotificationPage"))
def my_notifications(args):
    """The messages sent to the signed-in user, newest first."""
    return services.list_notifications(**args, user_id=require_user().id)
