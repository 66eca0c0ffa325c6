import time


class SessionActivityMiddleware:
    """Keeps "last seen" of the customer's sessions (shown under Attività) to 5 minutes."""

    EVERY = 300
    KEY = "sportello_seen_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            if now - request.session.get(self.KEY, 0) > self.EVERY:
                from .services import touch_session

                request.session[self.KEY] = now
                touch_session(request=request)
        return self.get_response(request)
