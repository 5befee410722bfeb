import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.type import date_pb2 as _date_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_CALL_COMPLETED: _ClassVar[EventType]
    EVENT_TYPE_CALL_TRANSFERRED: _ClassVar[EventType]
    EVENT_TYPE_APPOINTMENT_BOOKED: _ClassVar[EventType]
    EVENT_TYPE_LEAD_CREATED: _ClassVar[EventType]

class Urgency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    URGENCY_UNSPECIFIED: _ClassVar[Urgency]
    URGENCY_LOW: _ClassVar[Urgency]
    URGENCY_MEDIUM: _ClassVar[Urgency]
    URGENCY_HIGH: _ClassVar[Urgency]
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_CALL_COMPLETED: EventType
EVENT_TYPE_CALL_TRANSFERRED: EventType
EVENT_TYPE_APPOINTMENT_BOOKED: EventType
EVENT_TYPE_LEAD_CREATED: EventType
URGENCY_UNSPECIFIED: Urgency
URGENCY_LOW: Urgency
URGENCY_MEDIUM: Urgency
URGENCY_HIGH: Urgency

class CallCompleted(_message.Message):
    __slots__ = ("call_id", "caller_phone", "caller_name", "caller_email", "duration_seconds", "summary", "intent", "urgency", "recording_url", "started_at", "ended_at")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    CALLER_PHONE_FIELD_NUMBER: _ClassVar[int]
    CALLER_NAME_FIELD_NUMBER: _ClassVar[int]
    CALLER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    RECORDING_URL_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    caller_phone: str
    caller_name: str
    caller_email: str
    duration_seconds: int
    summary: str
    intent: str
    urgency: Urgency
    recording_url: str
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    def __init__(self, call_id: _Optional[str] = ..., caller_phone: _Optional[str] = ..., caller_name: _Optional[str] = ..., caller_email: _Optional[str] = ..., duration_seconds: _Optional[int] = ..., summary: _Optional[str] = ..., intent: _Optional[str] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., recording_url: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CallTransferred(_message.Message):
    __slots__ = ("call_id", "caller_phone", "caller_name", "duration_seconds", "summary", "transferred_to_label", "transferred_to_number", "urgency", "reason")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    CALLER_PHONE_FIELD_NUMBER: _ClassVar[int]
    CALLER_NAME_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    TRANSFERRED_TO_LABEL_FIELD_NUMBER: _ClassVar[int]
    TRANSFERRED_TO_NUMBER_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    caller_phone: str
    caller_name: str
    duration_seconds: int
    summary: str
    transferred_to_label: str
    transferred_to_number: str
    urgency: Urgency
    reason: str
    def __init__(self, call_id: _Optional[str] = ..., caller_phone: _Optional[str] = ..., caller_name: _Optional[str] = ..., duration_seconds: _Optional[int] = ..., summary: _Optional[str] = ..., transferred_to_label: _Optional[str] = ..., transferred_to_number: _Optional[str] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class AppointmentBooked(_message.Message):
    __slots__ = ("call_id", "caller_phone", "caller_name", "appointment_date", "appointment_time_start", "appointment_time_end", "service_type", "calendar_event_id", "calendar_event_link")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    CALLER_PHONE_FIELD_NUMBER: _ClassVar[int]
    CALLER_NAME_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_DATE_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_TIME_START_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_TIME_END_FIELD_NUMBER: _ClassVar[int]
    SERVICE_TYPE_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_EVENT_LINK_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    caller_phone: str
    caller_name: str
    appointment_date: _date_pb2.Date
    appointment_time_start: _timestamp_pb2.Timestamp
    appointment_time_end: _timestamp_pb2.Timestamp
    service_type: str
    calendar_event_id: str
    calendar_event_link: str
    def __init__(self, call_id: _Optional[str] = ..., caller_phone: _Optional[str] = ..., caller_name: _Optional[str] = ..., appointment_date: _Optional[_Union[_date_pb2.Date, _Mapping]] = ..., appointment_time_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., appointment_time_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., service_type: _Optional[str] = ..., calendar_event_id: _Optional[str] = ..., calendar_event_link: _Optional[str] = ...) -> None: ...

class LeadCreated(_message.Message):
    __slots__ = ("call_id", "caller_phone", "caller_name", "caller_email", "intent", "urgency", "interest", "call_summary")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    CALLER_PHONE_FIELD_NUMBER: _ClassVar[int]
    CALLER_NAME_FIELD_NUMBER: _ClassVar[int]
    CALLER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    INTENT_FIELD_NUMBER: _ClassVar[int]
    URGENCY_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    CALL_SUMMARY_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    caller_phone: str
    caller_name: str
    caller_email: str
    intent: str
    urgency: Urgency
    interest: str
    call_summary: str
    def __init__(self, call_id: _Optional[str] = ..., caller_phone: _Optional[str] = ..., caller_name: _Optional[str] = ..., caller_email: _Optional[str] = ..., intent: _Optional[str] = ..., urgency: _Optional[_Union[Urgency, str]] = ..., interest: _Optional[str] = ..., call_summary: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("id", "organization_id", "type", "occurred_at", "create_time", "idempotency_key", "call_completed", "call_transferred", "appointment_booked", "lead_created")
    ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    CALL_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    CALL_TRANSFERRED_FIELD_NUMBER: _ClassVar[int]
    APPOINTMENT_BOOKED_FIELD_NUMBER: _ClassVar[int]
    LEAD_CREATED_FIELD_NUMBER: _ClassVar[int]
    id: str
    organization_id: str
    type: EventType
    occurred_at: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    idempotency_key: str
    call_completed: CallCompleted
    call_transferred: CallTransferred
    appointment_booked: AppointmentBooked
    lead_created: LeadCreated
    def __init__(self, id: _Optional[str] = ..., organization_id: _Optional[str] = ..., type: _Optional[_Union[EventType, str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., call_completed: _Optional[_Union[CallCompleted, _Mapping]] = ..., call_transferred: _Optional[_Union[CallTransferred, _Mapping]] = ..., appointment_booked: _Optional[_Union[AppointmentBooked, _Mapping]] = ..., lead_created: _Optional[_Union[LeadCreated, _Mapping]] = ...) -> None: ...
