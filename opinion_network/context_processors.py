from collaborators.access import home_role, is_admin, is_staff_or_admin
from notifications.selectors import unread_count


def navigation(request):
    """What the navigation bar needs: the role's menu and the unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_role": home_role(user),
        "nav_is_staff": is_staff_or_admin(user),
        "nav_is_admin": is_admin(user),
        "nav_unread_count": unread_count(user),
    }
