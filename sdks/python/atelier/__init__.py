"""Atelier Python SDK: the generated client (``atelier_client``) plus what it cannot do.

    import atelier
    from atelier_client.api.tenancy import users_create
    from atelier_client.models import CreateUser

    client = atelier.api_key_client("http://127.0.0.1:8080", "atk_...")
    user = users_create.sync(client=client, body=CreateUser(display_name="Ada"))
"""

from .client import api_key_client, tokens_of, user_client
from .errors import AtelierError
from .pagination import paginate
from .transport import AtelierTransport, Tokens, retry_after_seconds
from .webhooks import WebhookVerificationError, sign as sign_webhook, verify as verify_webhook

__all__ = [
    "AtelierError",
    "AtelierTransport",
    "Tokens",
    "WebhookVerificationError",
    "api_key_client",
    "paginate",
    "retry_after_seconds",
    "sign_webhook",
    "tokens_of",
    "user_client",
    "verify_webhook",
]
