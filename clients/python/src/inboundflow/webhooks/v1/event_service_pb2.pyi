import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from inboundflow.webhooks.v1 import events_pb2 as _events_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmitEventRequest(_message.Message):
    __slots__ = ("organization_id", "idempotency_key", "occurred_at", "call_completed", "call_transferred", "appointment_booked", "lead_created")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    CALL_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    CALL_TRANSFERRED_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_BOOKED_FIELD_NUMBER: _ClassVar[int]
    LEAD_CREATED_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    idempotency_key: str
    occurred_at: _timestamp_pb2.Timestamp
    call_completed: _events_pb2.CallCompleted
    call_transferred: _events_pb2.CallTransferred
    appointment_booked: _events_pb2.AppointmentBooked
    lead_created: _events_pb2.LeadCreated
    def __init__(self, organization_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., call_completed: _Optional[_Union[_events_pb2.CallCompleted, _Mapping]] = ..., call_transferred: _Optional[_Union[_events_pb2.CallTransferred, _Mapping]] = ..., appointment_booked: _Optional[_Union[_events_pb2.AppointmentBooked, _Mapping]] = ..., lead_created: _Optional[_Union[_events_pb2.LeadCreated, _Mapping]] = ...) -> None: ...

class EmitEventResponse(_message.Message):
    __slots__ = ("event", "delivery_ids", "duplicate", "delivery_count", "delivery_ids_truncated")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_IDS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_IDS_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.Event
    delivery_ids: _containers.RepeatedScalarFieldContainer[str]
    duplicate: bool
    delivery_count: int
    delivery_ids_truncated: bool
    def __init__(self, event: _Optional[_Union[_events_pb2.Event, _Mapping]] = ..., delivery_ids: _Optional[_Iterable[str]] = ..., duplicate: _Optional[bool] = ..., delivery_count: _Optional[int] = ..., delivery_ids_truncated: _Optional[bool] = ...) -> None: ...

class BatchEmitEventsRequest(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[EmitEventRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[EmitEventRequest, _Mapping]]] = ...) -> None: ...

class BatchEmitEventsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[EmitEventResponse]
    def __init__(self, results: _Optional[_Iterable[_Union[EmitEventResponse, _Mapping]]] = ...) -> None: ...

class GetEventRequest(_message.Message):
    __slots__ = ("organization_id", "event_id")
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    organization_id: str
    event_id: str
    def __init__(self, organization_id: _Optional[str] = ..., event_id: _Optional[str] = ...) -> None: ...

class GetEventResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: _events_pb2.Event
    def __init__(self, event: _Optional[_Union[_events_pb2.Event, _Mapping]] = ...) -> None: ...
