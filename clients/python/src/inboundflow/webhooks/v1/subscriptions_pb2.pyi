import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from inboundflow.webhooks.v1 import deliveries_pb2 as _deliveries_pb2
from inboundflow.webhooks.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Integration(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTEGRATION_UNSPECIFIED: _ClassVar[Integration]
    INTEGRATION_ZAPIER: _ClassVar[Integration]
    INTEGRATION_MAKE: _ClassVar[Integration]
    INTEGRATION_N8N: _ClassVar[Integration]
    INTEGRATION_CUSTOM: _ClassVar[Integration]

class SubscriptionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUBSCRIPTION_STATUS_UNSPECIFIED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_ENABLED: _ClassVar[SubscriptionStatus]
    SUBSCRIPTION_STATUS_DISABLED: _ClassVar[SubscriptionStatus]

class DisabledReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DISABLED_REASON_UNSPECIFIED: _ClassVar[DisabledReason]
    DISABLED_REASON_MANUAL: _ClassVar[DisabledReason]
    DISABLED_REASON_TOO_MANY_FAILURES: _ClassVar[DisabledReason]
    DISABLED_REASON_ENDPOINT_GONE: _ClassVar[DisabledReason]

class SignatureScheme(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIGNATURE_SCHEME_UNSPECIFIED: _ClassVar[SignatureScheme]
    SIGNATURE_SCHEME_INBOUNDFLOW: _ClassVar[SignatureScheme]
    SIGNATURE_SCHEME_STANDARD_WEBHOOKS: _ClassVar[SignatureScheme]
    SIGNATURE_SCHEME_BOTH: _ClassVar[SignatureScheme]
INTEGRATION_UNSPECIFIED: Integration
INTEGRATION_ZAPIER: Integration
INTEGRATION_MAKE: Integration
INTEGRATION_N8N: Integration
INTEGRATION_CUSTOM: Integration
SUBSCRIPTION_STATUS_UNSPECIFIED: SubscriptionStatus
SUBSCRIPTION_STATUS_ENABLED: SubscriptionStatus
SUBSCRIPTION_STATUS_DISABLED: SubscriptionStatus
DISABLED_REASON_UNSPECIFIED: DisabledReason
DISABLED_REASON_MANUAL: DisabledReason
DISABLED_REASON_TOO_MANY_FAILURES: DisabledReason
DISABLED_REASON_ENDPOINT_GONE: DisabledReason
SIGNATURE_SCHEME_UNSPECIFIED: SignatureScheme
SIGNATURE_SCHEME_INBOUNDFLOW: SignatureScheme
SIGNATURE_SCHEME_STANDARD_WEBHOOKS: SignatureScheme
SIGNATURE_SCHEME_BOTH: SignatureScheme

class Subscription(_message.Message):
    __slots__ = ("id", "organization_id", "url", "integration", "event_types", "description", "has_signing_secret", "status", "disabled_reason", "consecutive_failures", "last_success_time", "last_failure_time", "last_error", "create_time", "update_time", "signature_scheme", "secret_rotation_end_time", "max_in_flight", "max_deliveries_per_second", "last_error_kind")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    INTEGRATION_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    HAS_SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DISABLED_REASON_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    LAST_SUCCESS_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_FAILURE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_SCHEME_FIELD_NUMBER: _ClassVar[int]
    SECRET_ROTATION_END_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    MAX_DELIVERIES_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_KIND_FIELD_NUMBER: _ClassVar[int]
    id: str
    organization_id: str
    url: str
    integration: Integration
    event_types: _containers.RepeatedScalarFieldContainer[_events_pb2.EventType]
    description: str
    has_signing_secret: bool
    status: SubscriptionStatus
    disabled_reason: DisabledReason
    consecutive_failures: int
    last_success_time: _timestamp_pb2.Timestamp
    last_failure_time: _timestamp_pb2.Timestamp
    last_error: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    signature_scheme: SignatureScheme
    secret_rotation_end_time: _timestamp_pb2.Timestamp
    max_in_flight: int
    max_deliveries_per_second: int
    last_error_kind: _deliveries_pb2.AttemptErrorKind
    def __init__(self, id: _Optional[str] = ..., organization_id: _Optional[str] = ..., url: _Optional[str] = ..., integration: _Optional[_Union[Integration, str]] = ..., event_types: _Optional[_Iterable[_Union[_events_pb2.EventType, str]]] = ..., description: _Optional[str] = ..., has_signing_secret: _Optional[bool] = ..., status: _Optional[_Union[SubscriptionStatus, str]] = ..., disabled_reason: _Optional[_Union[DisabledReason, str]] = ..., consecutive_failures: _Optional[int] = ..., last_success_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_failure_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., signature_scheme: _Optional[_Union[SignatureScheme, str]] = ..., secret_rotation_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_in_flight: _Optional[int] = ..., max_deliveries_per_second: _Optional[int] = ..., last_error_kind: _Optional[_Union[_deliveries_pb2.AttemptErrorKind, str]] = ...) -> None: ...

class CreateSubscriptionRequest(_message.Message):
    __slots__ = ("organization_id", "subscription", "signing_secret", "generate_signing_secret")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    GENERATE_SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription: Subscription
    signing_secret: str
    generate_signing_secret: bool
    def __init__(self, organization_id: _Optional[str] = ..., subscription: _Optional[_Union[Subscription, _Mapping]] = ..., signing_secret: _Optional[str] = ..., generate_signing_secret: _Optional[bool] = ...) -> None: ...

class CreateSubscriptionResponse(_message.Message):
    __slots__ = ("subscription", "signing_secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    signing_secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class GetSubscriptionRequest(_message.Message):
    __slots__ = ("organization_id", "subscription_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription_id: str
    def __init__(self, organization_id: _Optional[str] = ..., subscription_id: _Optional[str] = ...) -> None: ...

class GetSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class ListSubscriptionsRequest(_message.Message):
    __slots__ = ("organization_id", "page_size", "page_token", "status")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    page_size: int
    page_token: str
    status: SubscriptionStatus
    def __init__(self, organization_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., status: _Optional[_Union[SubscriptionStatus, str]] = ...) -> None: ...

class ListSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions", "next_page_token")
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[Subscription]
    next_page_token: str
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[Subscription, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateSubscriptionRequest(_message.Message):
    __slots__ = ("organization_id", "subscription", "update_mask", "signing_secret", "generate_signing_secret")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    GENERATE_SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription: Subscription
    update_mask: _field_mask_pb2.FieldMask
    signing_secret: str
    generate_signing_secret: bool
    def __init__(self, organization_id: _Optional[str] = ..., subscription: _Optional[_Union[Subscription, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., signing_secret: _Optional[str] = ..., generate_signing_secret: _Optional[bool] = ...) -> None: ...

class UpdateSubscriptionResponse(_message.Message):
    __slots__ = ("subscription", "signing_secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    signing_secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class DeleteSubscriptionRequest(_message.Message):
    __slots__ = ("organization_id", "subscription_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription_id: str
    def __init__(self, organization_id: _Optional[str] = ..., subscription_id: _Optional[str] = ...) -> None: ...

class DeleteSubscriptionResponse(_message.Message):
    __slots__ = ("cancelled_deliveries",)
    CANCELLED_DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    cancelled_deliveries: int
    def __init__(self, cancelled_deliveries: _Optional[int] = ...) -> None: ...

class TestSubscriptionRequest(_message.Message):
    __slots__ = ("organization_id", "subscription_id", "event_type")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription_id: str
    event_type: _events_pb2.EventType
    def __init__(self, organization_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., event_type: _Optional[_Union[_events_pb2.EventType, str]] = ...) -> None: ...

class TestSubscriptionResponse(_message.Message):
    __slots__ = ("success", "status_code", "latency", "error", "response_body_excerpt", "delivery_id", "error_kind")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BODY_EXCERPT_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_KIND_FIELD_NUMBER: _ClassVar[int]
    success: bool
    status_code: int
    latency: _duration_pb2.Duration
    error: str
    response_body_excerpt: str
    delivery_id: str
    error_kind: _deliveries_pb2.AttemptErrorKind
    def __init__(self, success: _Optional[bool] = ..., status_code: _Optional[int] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., error: _Optional[str] = ..., response_body_excerpt: _Optional[str] = ..., delivery_id: _Optional[str] = ..., error_kind: _Optional[_Union[_deliveries_pb2.AttemptErrorKind, str]] = ...) -> None: ...

class ReactivateSubscriptionRequest(_message.Message):
    __slots__ = ("organization_id", "subscription_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription_id: str
    def __init__(self, organization_id: _Optional[str] = ..., subscription_id: _Optional[str] = ...) -> None: ...

class ReactivateSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class RotateSigningSecretRequest(_message.Message):
    __slots__ = ("organization_id", "subscription_id", "grace_period", "signing_secret")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    GRACE_PERIOD_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription_id: str
    grace_period: _duration_pb2.Duration
    signing_secret: str
    def __init__(self, organization_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., grace_period: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class RotateSigningSecretResponse(_message.Message):
    __slots__ = ("subscription", "signing_secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    signing_secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class CompleteSigningSecretRotationRequest(_message.Message):
    __slots__ = ("organization_id", "subscription_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription_id: str
    def __init__(self, organization_id: _Optional[str] = ..., subscription_id: _Optional[str] = ...) -> None: ...

class CompleteSigningSecretRotationResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class ListenRequest(_message.Message):
    __slots__ = ("start", "result")
    START_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    start: ListenStart
    result: ListenResult
    def __init__(self, start: _Optional[_Union[ListenStart, _Mapping]] = ..., result: _Optional[_Union[ListenResult, _Mapping]] = ...) -> None: ...

class ListenStart(_message.Message):
    __slots__ = ("organization_id", "event_types", "description")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    event_types: _containers.RepeatedScalarFieldContainer[_events_pb2.EventType]
    description: str
    def __init__(self, organization_id: _Optional[str] = ..., event_types: _Optional[_Iterable[_Union[_events_pb2.EventType, str]]] = ..., description: _Optional[str] = ...) -> None: ...

class ListenResult(_message.Message):
    __slots__ = ("forward_id", "status_code", "duration", "error", "error_kind", "response_body_excerpt")
    FORWARD_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_KIND_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BODY_EXCERPT_FIELD_NUMBER: _ClassVar[int]
    forward_id: int
    status_code: int
    duration: _duration_pb2.Duration
    error: str
    error_kind: _deliveries_pb2.AttemptErrorKind
    response_body_excerpt: str
    def __init__(self, forward_id: _Optional[int] = ..., status_code: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., error: _Optional[str] = ..., error_kind: _Optional[_Union[_deliveries_pb2.AttemptErrorKind, str]] = ..., response_body_excerpt: _Optional[str] = ...) -> None: ...

class ListenResponse(_message.Message):
    __slots__ = ("started", "delivery")
    STARTED_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    started: ListenStarted
    delivery: ListenDelivery
    def __init__(self, started: _Optional[_Union[ListenStarted, _Mapping]] = ..., delivery: _Optional[_Union[ListenDelivery, _Mapping]] = ...) -> None: ...

class ListenStarted(_message.Message):
    __slots__ = ("subscription", "signing_secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    signing_secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., signing_secret: _Optional[str] = ...) -> None: ...

class ListenDelivery(_message.Message):
    __slots__ = ("forward_id", "delivery_id", "event_type", "headers", "body", "test")
    FORWARD_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    forward_id: int
    delivery_id: str
    event_type: _events_pb2.EventType
    headers: _containers.RepeatedCompositeFieldContainer[HttpHeader]
    body: bytes
    test: bool
    def __init__(self, forward_id: _Optional[int] = ..., delivery_id: _Optional[str] = ..., event_type: _Optional[_Union[_events_pb2.EventType, str]] = ..., headers: _Optional[_Iterable[_Union[HttpHeader, _Mapping]]] = ..., body: _Optional[bytes] = ..., test: _Optional[bool] = ...) -> None: ...

class HttpHeader(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
