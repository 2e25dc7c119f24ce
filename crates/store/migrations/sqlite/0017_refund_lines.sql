-- A buyer's refund request tied to some lines of its order (issue 20: a partial refund
-- never returns more than a line's share): what each line is to bring back. A refund
-- without rows here is about the order as a whole. Each line's rows of live refunds
-- (requested, processing, refunded), with its returns' refunds, stay within what was
-- paid for the line (`emporium check`).
CREATE TABLE refund_lines (
    refund_id      BIGINT  NOT NULL REFERENCES refunds (id),
    order_item_id  BIGINT  NOT NULL REFERENCES order_items (id),
    amount         BIGINT  NOT NULL CHECK (amount > 0),
    PRIMARY KEY (refund_id, order_item_id)
);
CREATE INDEX refund_lines_by_item ON refund_lines (order_item_id);
