-- Requests vouched for by the product's signed token start verified.
ALTER TABLE requests ADD COLUMN pre_verified boolean NOT NULL DEFAULT false;
