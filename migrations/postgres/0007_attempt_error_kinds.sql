-- What kind of failure ended an attempt (`blocked_target`, `dns`, `connect`,
-- `tls`, `timeout`, `http_status`, `response_read`, `service`), beside its
-- free-text error: on each attempt, on its delivery (the last attempt's), and
-- on the subscription (the receiver's last error). NULL on success and on rows
-- recorded before kinds existed.
ALTER TABLE attempts ADD COLUMN error_kind text;
ALTER TABLE deliveries ADD COLUMN last_error_kind text;
ALTER TABLE subscriptions ADD COLUMN last_error_kind text;
