// The legacy shop's MariaDB tables (test/fixtures/mysql-store.yml maps them) and deterministic
// rows for a customer: orders over the years, events over the last 120 days (some past the
// 90-day retention), reviews. Created and seeded as root; the engine's user may only read,
// update and delete.
import type { Connection } from 'mysql2/promise';

export const LEGACY_SHOP_SCHEMA = `
CREATE TABLE customers (
  id          BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  email       VARCHAR(191) NOT NULL,
  name        VARCHAR(200),
  phone       VARCHAR(40),
  account_id  BIGINT NULL,
  status      VARCHAR(20) NOT NULL DEFAULT 'active',
  deleted_at  DATETIME(6) NULL,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY customers_email (email)
) ENGINE=InnoDB;
CREATE TABLE orders (
  id               BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  customer_id      BIGINT UNSIGNED NOT NULL,
  placed_at        DATETIME NOT NULL,
  total            DECIMAL(10,2) NOT NULL,
  billing_email    VARCHAR(191),
  shipping_address TEXT,
  restricted_until DATETIME NULL,
  KEY orders_customer (customer_id)
) ENGINE=InnoDB;
CREATE TABLE events (
  id          BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  customer_id BIGINT UNSIGNED NOT NULL,
  ts          DATETIME(6) NOT NULL,
  kind        VARCHAR(40) NOT NULL,
  ip          VARCHAR(45),
  payload     JSON,
  KEY events_customer (customer_id),
  KEY events_ts (ts),
  CONSTRAINT events_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE reviews (
  id          INT PRIMARY KEY AUTO_INCREMENT,
  customer_id BIGINT UNSIGNED NOT NULL,
  author_name VARCHAR(200),
  body        TEXT,
  rating      TINYINT,
  photo       BLOB,
  KEY reviews_customer (customer_id)
) ENGINE=InnoDB;
`;

export async function createLegacyShop(root: Connection): Promise<void> {
  await root.query(LEGACY_SHOP_SCHEMA);
}

export interface LegacyCustomer {
  email: string;
  name: string;
  accountId?: string | null;
  orders?: number;
  events?: number;
  reviews?: number;
}

/** A customer with `orders` orders (one a year back from 2020-02-29, a leap day), events and reviews; its id. */
export async function addLegacyCustomer(root: Connection, c: LegacyCustomer): Promise<string> {
  const [r] = await root.query<import('mysql2').ResultSetHeader>(
    'INSERT INTO customers (email, name, phone, account_id) VALUES (?, ?, ?, ?)',
    [c.email, c.name, '+49 30 1234567', c.accountId ?? null],
  );
  const id = String(r.insertId);
  for (let i = 0; i < (c.orders ?? 3); i++) {
    await root.query(
      `INSERT INTO orders (customer_id, placed_at, total, billing_email, shipping_address)
       VALUES (?, DATE_SUB('2020-02-29 13:45:10', INTERVAL ? YEAR), ?, ?, ?)`,
      [id, i, `${19 + i}.90`, c.email, `Hauptstraße ${i + 1}, "Hinterhaus", 10115 Berlin\nGermany`],
    );
  }
  await addLegacyEvents(root, id, c.events ?? 30);
  for (let i = 0; i < (c.reviews ?? 2); i++) {
    await root.query('INSERT INTO reviews (customer_id, author_name, body, rating, photo) VALUES (?, ?, ?, ?, ?)', [
      id,
      c.name,
      `Review ${i}, with a comma; and "quotes"`,
      4 + (i % 2),
      Buffer.from([0, 1, 2, 255]),
    ]);
  }
  return id;
}

/** `n` events spread over the last 120 days, oldest first (MariaDB's seq_1_to_N table numbers them). */
export async function addLegacyEvents(root: Connection, customerId: string, n: number, spreadDays = 120): Promise<void> {
  if (n <= 0) return;
  await root.query(
    `INSERT INTO events (customer_id, ts, kind, ip, payload)
     SELECT ?, UTC_TIMESTAMP(6) - INTERVAL ((? - seq) * ? * 86400 DIV ?) SECOND,
            ELT(1 + seq % 3, 'login', 'checkout', 'view'), CONCAT('10.1.', seq % 250, '.', 1 + seq % 7),
            JSON_OBJECT('n', seq, 'agent', 'shop/1.0')
     FROM seq_1_to_${Math.floor(n)}`,
    [customerId, n, spreadDays, n],
  );
}
