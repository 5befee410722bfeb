import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from inboundflow.webhooks.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_PENDING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_IN_FLIGHT: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_SUCCEEDED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_FAILED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_CANCELLED: _ClassVar[DeliveryStatus]

class AttemptErrorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTEMPT_ERROR_KIND_UNSPECIFIED: _ClassVar[AttemptErrorKind]
    ATTEMPT_ERROR_KIND_BLOCKED_TARGET: _ClassVar[AttemptErrorKind]
    ATTEMPT_ERROR_KIND_DNS: _ClassVar[AttemptErrorKind]
    ATTEMPT_ERROR_KIND_CONNECT: _ClassVar[AttemptErrorKind]
    ATTEMPT_ERROR_KIND_TLS: _ClassVar[AttemptErrorKind]
    ATTEMPT_ERROR_KIND_TIMEOUT: _ClassVar[AttemptErrorKind]
    ATTEMPT_ERROR_KIND_HTTP_STATUS: _ClassVar[AttemptErrorKind]
    ATTEMPT_ERROR_KIND_RESPONSE_READ: _ClassVar[AttemptErrorKind]
    ATTEMPT_ERROR_KIND_SERVICE: _ClassVar[AttemptErrorKind]
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_PENDING: DeliveryStatus
DELIVERY_STATUS_IN_FLIGHT: DeliveryStatus
DELIVERY_STATUS_SUCCEEDED: DeliveryStatus
DELIVERY_STATUS_FAILED: DeliveryStatus
DELIVERY_STATUS_CANCELLED: DeliveryStatus
ATTEMPT_ERROR_KIND_UNSPECIFIED: AttemptErrorKind
ATTEMPT_ERROR_KIND_BLOCKED_TARGET: AttemptErrorKind
ATTEMPT_ERROR_KIND_DNS: AttemptErrorKind
ATTEMPT_ERROR_KIND_CONNECT: AttemptErrorKind
ATTEMPT_ERROR_KIND_TLS: AttemptErrorKind
ATTEMPT_ERROR_KIND_TIMEOUT: AttemptErrorKind
ATTEMPT_ERROR_KIND_HTTP_STATUS: AttemptErrorKind
ATTEMPT_ERROR_KIND_RESPONSE_READ: AttemptErrorKind
ATTEMPT_ERROR_KIND_SERVICE: AttemptErrorKind

class Attempt(_message.Message):
    __slots__ = ("number", "start_time", "duration", "status_code", "error", "response_body_excerpt", "error_kind")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_BODY_EXCERPT_FIELD_NUMBER: _ClassVar[int]
    ERROR_KIND_FIELD_NUMBER: _ClassVar[int]
    number: int
    start_time: _timestamp_pb2.Timestamp
    duration: _duration_pb2.Duration
    status_code: int
    error: str
    response_body_excerpt: str
    error_kind: AttemptErrorKind
    def __init__(self, number: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., status_code: _Optional[int] = ..., error: _Optional[str] = ..., response_body_excerpt: _Optional[str] = ..., error_kind: _Optional[_Union[AttemptErrorKind, str]] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("id", "organization_id", "event_id", "subscription_id", "event_type", "status", "attempt_count", "next_attempt_time", "last_status_code", "last_error", "test", "create_time", "update_time", "attempts", "last_error_kind")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_COUNT_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_KIND_FIELD_NUMBER: _ClassVar[int]
    id: str
    organization_id: str
    event_id: str
    subscription_id: str
    event_type: _events_pb2.EventType
    status: DeliveryStatus
    attempt_count: int
    next_attempt_time: _timestamp_pb2.Timestamp
    last_status_code: int
    last_error: str
    test: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    attempts: _containers.RepeatedCompositeFieldContainer[Attempt]
    last_error_kind: AttemptErrorKind
    def __init__(self, id: _Optional[str] = ..., organization_id: _Optional[str] = ..., event_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., event_type: _Optional[_Union[_events_pb2.EventType, str]] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., attempt_count: _Optional[int] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_status_code: _Optional[int] = ..., last_error: _Optional[str] = ..., test: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempts: _Optional[_Iterable[_Union[Attempt, _Mapping]]] = ..., last_error_kind: _Optional[_Union[AttemptErrorKind, str]] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("organization_id", "page_size", "page_token", "subscription_id", "event_id", "status", "start_time", "end_time")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    page_size: int
    page_token: str
    subscription_id: str
    event_id: str
    status: DeliveryStatus
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, organization_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., subscription_id: _Optional[str] = ..., event_id: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetDeliveryRequest(_message.Message):
    __slots__ = ("organization_id", "delivery_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    delivery_id: str
    def __init__(self, organization_id: _Optional[str] = ..., delivery_id: _Optional[str] = ...) -> None: ...

class GetDeliveryResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: Delivery
    def __init__(self, delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class RedeliverDeliveryRequest(_message.Message):
    __slots__ = ("organization_id", "delivery_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    delivery_id: str
    def __init__(self, organization_id: _Optional[str] = ..., delivery_id: _Optional[str] = ...) -> None: ...

class RedeliverDeliveryResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: Delivery
    def __init__(self, delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...

class ReplayDeliveriesRequest(_message.Message):
    __slots__ = ("organization_id", "subscription_id", "start_time")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription_id: str
    start_time: _timestamp_pb2.Timestamp
    def __init__(self, organization_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReplayDeliveriesResponse(_message.Message):
    __slots__ = ("created_count", "rescheduled_count")
    CREATED_COUNT_FIELD_NUMBER: _ClassVar[int]
    RESCHEDULED_COUNT_FIELD_NUMBER: _ClassVar[int]
    created_count: int
    rescheduled_count: int
    def __init__(self, created_count: _Optional[int] = ..., rescheduled_count: _Optional[int] = ...) -> None: ...

class WatchDeliveriesRequest(_message.Message):
    __slots__ = ("organization_id", "subscription_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    subscription_id: str
    def __init__(self, organization_id: _Optional[str] = ..., subscription_id: _Optional[str] = ...) -> None: ...

class WatchDeliveriesResponse(_message.Message):
    __slots__ = ("update", "missed_updates")
    UPDATE_FIELD_NUMBER: _ClassVar[int]
    MISSED_UPDATES_FIELD_NUMBER: _ClassVar[int]
    update: AttemptUpdate
    missed_updates: int
    def __init__(self, update: _Optional[_Union[AttemptUpdate, _Mapping]] = ..., missed_updates: _Optional[int] = ...) -> None: ...

class AttemptUpdate(_message.Message):
    __slots__ = ("delivery_id", "event_id", "subscription_id", "event_type", "attempt_number", "status", "status_code", "duration", "error", "error_kind", "test", "start_time", "next_attempt_time", "subscription_disabled")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_KIND_FIELD_NUMBER: _ClassVar[int]
    TEST_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_DISABLED_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    event_id: str
    subscription_id: str
    event_type: _events_pb2.EventType
    attempt_number: int
    status: DeliveryStatus
    status_code: int
    duration: _duration_pb2.Duration
    error: str
    error_kind: AttemptErrorKind
    test: bool
    start_time: _timestamp_pb2.Timestamp
    next_attempt_time: _timestamp_pb2.Timestamp
    subscription_disabled: bool
    def __init__(self, delivery_id: _Optional[str] = ..., event_id: _Optional[str] = ..., subscription_id: _Optional[str] = ..., event_type: _Optional[_Union[_events_pb2.EventType, str]] = ..., attempt_number: _Optional[int] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., status_code: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., error: _Optional[str] = ..., error_kind: _Optional[_Union[AttemptErrorKind, str]] = ..., test: _Optional[bool] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., subscription_disabled: _Optional[bool] = ...) -> None: ...
