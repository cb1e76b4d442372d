"""Conversation and message shapes at the API edge."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from agentpay.kit.jsonsize import check_json_size
from agentpay.orchestrator.shopping import ShoppingState

Stage = Literal[
    "discovery", "browsing", "consideration", "negotiation", "checkout", "completed", "abandoned"
]
Status = Literal["active", "handoff", "completed", "abandoned"]
SessionId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:@-]+$")]


class ConversationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_id: UUID | None = None  # required with a secret key; implied by a publishable key
    session_id: SessionId | None = None
    # publishable key: only name, locale, email_hash, loyalty_tier (BrowserCustomer);
    # secret key: any object up to AGENTPAY_MAX_CUSTOMER_BYTES of JSON
    customer: Annotated[dict[str, Any], AfterValidator(check_json_size)] = Field(
        default_factory=dict
    )


# What a browser may say about its shopper (a publishable key, so anyone can send it):
# a few short fields a reply can use, and nothing else, because the `customer` object goes
# into every model call of the conversation. A store's backend (secret key) may attach
# more, up to AGENTPAY_MAX_CUSTOMER_BYTES of JSON.
class BrowserCustomer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # how the agent greets the shopper; no control characters
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=80,
                                           pattern=r"^[^\x00-\x1f\x7f]+$")] | None = None
    # a BCP 47 language tag ("en-GB", "pt-BR", "zh-Hant-TW")
    locale: Annotated[str, StringConstraints(max_length=35, pattern=(
        r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}$"))] | None = None
    # SHA-256 of the shopper's normalised e-mail address, never the address itself
    email_hash: Annotated[str, StringConstraints(to_lower=True,
                                                 pattern=r"^[0-9A-Fa-f]{64}$")] | None = None
    # the store's own loyalty level ("gold", "tier-2")
    loyalty_tier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                   max_length=32, pattern=(
                                                       r"^[A-Za-z0-9][A-Za-z0-9 _-]*$"))
                            ] | None = None


BROWSER_CUSTOMER_FIELDS = frozenset(BrowserCustomer.model_fields)


class ConversationOut(BaseModel):
    id: UUID
    organization_id: UUID
    agent_id: UUID
    session_id: str
    status: Status
    stage: Stage
    customer: dict[str, Any]
    context: dict[str, Any]
    negotiation_history: list[Any]
    hesitation_signals: list[Any]
    message_count: int
    last_message_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProductCard(BaseModel):
    """A product the conversation named, as the store's catalog has it now."""

    external_id: str
    name: str
    brand: str | None = None
    price_minor: int
    currency: str
    price: str = Field(description="formatted, e.g. `$129.00`")
    image_url: str | None = None
    url: str | None = None
    in_stock: bool
    available: bool = Field(description="false when the product was deleted or deactivated "
                                        "since")


class CartLineOut(BaseModel):
    external_id: str
    name: str
    quantity: int
    size: str | None = None
    color: str | None = None
    unit_price_minor: int
    line_total_minor: int
    currency: str
    image_url: str | None = None
    url: str | None = None


class CartOut(BaseModel):
    lines: list[CartLineOut]
    item_count: int
    subtotal_minor: int
    currency: str | None


class OfferOut(BaseModel):
    """A discount the agent offered, within the agent's rules."""

    id: str | None
    percent: float | None
    trigger: str | None
    base_total_minor: int | None
    discount_minor: int | None
    total_minor: int | None
    currency: str | None
    created_at: datetime | None
    expires_at: datetime | None
    expired: bool


class CheckoutLineOut(BaseModel):
    external_id: str | None
    name: str | None
    quantity: int
    size: str | None = None
    color: str | None = None
    unit_price_minor: int


class CheckoutOut(BaseModel):
    """The checkout link the agent last sent."""

    id: str
    url: str
    provider: str
    status: Literal["open", "paid", "expired"]
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    currency: str
    offer_id: str | None
    expires_at: datetime | None
    created_at: datetime
    lines: list[CheckoutLineOut]


class ConversationDetail(ConversationOut):
    """A conversation with what a person reading it needs besides the messages: the
    products named in it (the transcript's tool calls name them by `external_id`), the
    cart, the offers made and the checkout link."""

    products: list[ProductCard] = Field(default_factory=list)
    cart: CartOut | None = None
    offers: list[OfferOut] = Field(default_factory=list)
    checkout: CheckoutOut | None = None


class ConversationCreated(BaseModel):
    conversation: ConversationOut
    token: str
    token_expires_at: datetime


class CartEdit(BaseModel):
    """A cart line set to a quantity by a control rather than by words (the widget's Add
    on a product card, a cart line's stepper or Remove): the message's ``content`` says
    it for the history; this says exactly which line."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[str, Field(min_length=1, max_length=255)]
    size: Annotated[str, Field(max_length=100)] | None = None
    color: Annotated[str, Field(max_length=100)] | None = None
    quantity: Annotated[int, Field(ge=0, le=999, description="the line's new quantity; "
                                                             "0 takes it out")]


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The length limit is configurable, so it is checked in the service, not here.
    content: str
    client_message_id: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    cart_edit: CartEdit | None = None


class MessageOut(BaseModel):
    id: UUID
    conversation_id: UUID
    seq: int
    role: Literal["user", "assistant", "system", "tool", "operator"]
    content: str
    intent: str | None
    intent_confidence: float | None
    intent_source: str | None
    entities: list[Any]
    tool_calls: list[Any]
    usage: dict[str, Any]
    client_message_id: str | None
    reply_to: UUID | None
    created_at: datetime


class MessageExchange(BaseModel):
    """What a send returns: the shopper's message, the agent's reply, the new state.
    While a person holds the conversation (status `handoff`) the agent does not answer:
    `reply` is null and `held` true."""

    message: MessageOut
    reply: MessageOut | None
    held: bool = False
    conversation: ConversationOut
    replayed: bool = False
    # what the reply shows (product cards) and the cart after this turn
    products: list[dict[str, Any]] = Field(default_factory=list)
    cart: dict[str, Any] = Field(default_factory=dict)
    reply_with_cards: str | None = Field(default=None, description=(
        "the reply's text for a client that shows `products` as cards: without the lines "
        "listing them (`reply.content` keeps the full text)"))
    offer: dict[str, Any] | None = Field(default=None, description=(
        "the discount on offer now, if any: percent, discount_minor and total_minor on this "
        "cart, currency, expires_at"))
    # what the shopper is looking for after this turn, for a storefront to show as filters
    state: ShoppingState = Field(default_factory=ShoppingState)


ListStatus = Literal["waiting", "active", "handoff", "completed", "abandoned"]


class CartValue(BaseModel):
    item_count: int
    subtotal_minor: int
    currency: str | None


class LastMessage(BaseModel):
    role: str
    content: str = Field(description="the first 200 characters")
    created_at: datetime


class ConversationSummary(BaseModel):
    """A row of the dashboard's list: enough to choose which conversation to open."""

    id: UUID
    agent_id: UUID
    session_id: str
    status: Status
    stage: Stage
    waiting: bool = Field(description=("handed to a person, not taken over by anyone on the "
                                       "team, and the last word is not the team's"))
    message_count: int
    cart: CartValue
    last_message: LastMessage | None
    last_message_at: datetime | None
    created_at: datetime


class ConversationList(BaseModel):
    data: list[ConversationSummary]
    next_cursor: str | None = None


class MessageList(BaseModel):
    data: list[MessageOut]
    next_after_seq: int | None = None
