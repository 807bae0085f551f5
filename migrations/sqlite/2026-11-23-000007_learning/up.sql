-- Feedback and complaints can name the order they are about; a complaint can ask for a
-- remake or a return, which costs the shop the order's value.
ALTER TABLE customer_contacts ADD COLUMN order_id BIGINT REFERENCES orders (id);
ALTER TABLE customer_contacts ADD COLUMN remedy TEXT CHECK (remedy IS NULL OR remedy IN ('remake', 'return'));

-- What a customer did in one calendar month ('YYYY-MM'), kept up to date in the transaction
-- of each event; lifetime and trailing-12-month figures are sums over these rows, and
-- `atelier rebuild-stats` recomputes them from the orders and contacts. Derived data, rebuilt
-- in bulk: no foreign key (customers are never deleted, only erased or merged).
CREATE TABLE customer_activity (
    customer_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    orders BIGINT NOT NULL DEFAULT 0,
    -- Money in minor units; cancelled and rejected orders do not count.
    revenue_minor BIGINT NOT NULL DEFAULT 0,
    cancellations BIGINT NOT NULL DEFAULT 0,
    shipped BIGINT NOT NULL DEFAULT 0,
    feedbacks BIGINT NOT NULL DEFAULT 0,
    rating_sum BIGINT NOT NULL DEFAULT 0,
    complaints BIGINT NOT NULL DEFAULT 0,
    remakes BIGINT NOT NULL DEFAULT 0,
    returns BIGINT NOT NULL DEFAULT 0,
    cost_minor BIGINT NOT NULL DEFAULT 0,
    last_order_at TIMESTAMP,
    PRIMARY KEY (customer_id, month)
);

-- The latest value classification (recomputed on a schedule and on demand), one row per
-- customer with activity in the last 24 months. Derived too: no foreign key.
CREATE TABLE customer_classes (
    customer_id BIGINT PRIMARY KEY NOT NULL,
    revenue_12m_minor BIGINT NOT NULL,
    cost_12m_minor BIGINT NOT NULL,
    revenue_prev_12m_minor BIGINT NOT NULL,
    orders_12m BIGINT NOT NULL,
    cancellations_12m BIGINT NOT NULL,
    complaints_12m BIGINT NOT NULL,
    remakes_12m BIGINT NOT NULL,
    feedbacks_12m BIGINT NOT NULL,
    rating_sum_12m BIGINT NOT NULL,
    value_class TEXT NOT NULL,
    volume TEXT NOT NULL,
    satisfaction TEXT NOT NULL
);
CREATE INDEX customer_classes_class ON customer_classes (value_class, revenue_12m_minor);
-- The dashboard's questions: the costliest, last year's best, the segment matrix.
CREATE INDEX customer_classes_cost ON customer_classes (cost_12m_minor, complaints_12m, cancellations_12m);
CREATE INDEX customer_classes_prev ON customer_classes (revenue_prev_12m_minor);
CREATE INDEX customer_classes_segment ON customer_classes (volume, satisfaction);

CREATE TABLE classification_runs (
    id INTEGER PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    customers BIGINT NOT NULL,
    revenue_12m_minor BIGINT NOT NULL,
    -- The Pareto curve as JSON: cumulative revenue share per percentile of ranked customers.
    curve TEXT NOT NULL,
    a_share INTEGER NOT NULL,
    b_share INTEGER NOT NULL,
    millis BIGINT NOT NULL
);

-- A suggested standing preference that staff (or the customer) accepted or dismissed.
-- Suggestions themselves are derived from the order history each time.
CREATE TABLE learned_preferences (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers (id),
    product_code TEXT NOT NULL,
    option_code TEXT NOT NULL,
    value_code TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'dismissed')),
    evidence TEXT NOT NULL,
    staff_id BIGINT REFERENCES staff (id),
    decided_at TIMESTAMP NOT NULL,
    UNIQUE (customer_id, product_code, option_code, value_code)
);

-- Item-to-item co-occurrence over recent orders: "customers who chose A also chose B".
CREATE TABLE item_neighbours (
    item TEXT NOT NULL,
    other TEXT NOT NULL,
    together BIGINT NOT NULL,
    score_ppm BIGINT NOT NULL,
    PRIMARY KEY (item, other)
);
