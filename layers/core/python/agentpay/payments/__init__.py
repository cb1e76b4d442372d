"""Payment providers: a server-built quote becomes a hosted checkout (Stripe, Polar) or a
signed local link; plus webhook signature checks. Importing this package imports no SDK."""

from agentpay.payments.base import (
    CheckoutProvider,
    PaymentError,
    ProviderCheckout,
    Quote,
    QuoteLine,
)
from agentpay.payments.factory import provider_for, reset_providers
from agentpay.payments.webhooks import (
    WebhookSignatureError,
    verify_standard_webhook,
    verify_stripe_signature,
)

__all__ = [
    "CheckoutProvider",
    "PaymentError",
    "ProviderCheckout",
    "Quote",
    "QuoteLine",
    "WebhookSignatureError",
    "provider_for",
    "reset_providers",
    "verify_standard_webhook",
    "verify_stripe_signature",
]
